export { BenchResult, LoadFigures, parseBenchResult, writeBenchResult, type TargetCheck, type ProfileSummary } from './result.ts';
export { PLANS, parseBenchOptions, type BenchOptions, type BenchPlan, type BenchMode } from './options.ts';
export { runBench, plannedPhases } from './run-bench.ts';
export { renderReport } from './report/table.ts';
export { summariseProfile, summariseProfiles, profileLines, type CpuProfile } from './profile/cpu-profile.ts';
