import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProfileSummary } from '../result.ts';

// Summarises a V8 CPU profile (`node --cpu-prof`): where a service's busy time went, by
// function (self time) and by area (package, our source folder, Node internals, GC).

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

const IDLE = new Set(['(idle)']);

/** The area a frame belongs to: an npm package, one of our workspaces, a Node internal module, or V8 itself. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collection';
    if (functionName === '(program)') return 'V8/native: (program)';
    if (functionName === '(idle)') return 'idle';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' ? `internal/${parts[1] ?? ''}` : parts[0]}`.replace(/\.js$/, '');
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const ours = /\/(packages|services|db)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url;
}

const shortLocation = (frame: CallFrame) => {
  if (!frame.url) return '';
  const url = frame.url.replace(/^file:\/\//, '');
  const modules = url.lastIndexOf('/node_modules/');
  const short = modules >= 0 ? url.slice(modules + '/node_modules/'.length) : url.replace(/^.*?\/(packages|services|db)\//, '$1/');
  return `${short}:${frame.lineNumber + 1}`;
};

/** Self time per function and per area, in ms and as a share of the busy (non-idle) time. */
export function summariseProfile(profile: CpuProfile, service: string, file: string, top = 15): ProfileSummary {
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const hits = new Map<number, number>();
  if (profile.samples?.length) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  const totalHits = [...hits.values()].reduce((a, b) => a + b, 0) || 1;
  const msPerHit = totalMs / totalHits;

  const byFunction = new Map<string, { function: string; location: string; hits: number }>();
  const byArea = new Map<string, number>();
  let busyHits = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (!count) continue;
    const frame = node.callFrame;
    if (IDLE.has(frame.functionName) && !frame.url) continue;
    busyHits += count;
    const location = shortLocation(frame);
    const key = `${frame.functionName}@${location}`;
    const entry = byFunction.get(key) ?? { function: frame.functionName || '(anonymous)', location, hits: 0 };
    entry.hits += count;
    byFunction.set(key, entry);
    const area = areaOf(frame);
    byArea.set(area, (byArea.get(area) ?? 0) + count);
  }
  const busy = busyHits || 1;
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    service,
    file,
    sampled_ms: r(busyHits * msPerHit),
    top_self: [...byFunction.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, top)
      .map((f) => ({ function: f.function, location: f.location, self_ms: r(f.hits * msPerHit), self_percent: r((f.hits / busy) * 100) })),
    by_area: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, count]) => ({ area, self_ms: r(count * msPerHit), self_percent: r((count / busy) * 100) })),
  };
}

/** Summaries of every .cpuprofile in `dir` (one per process that exited while profiled). */
export async function summariseProfiles(dir: string, service: string): Promise<ProfileSummary[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  const summaries: ProfileSummary[] = [];
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    summaries.push(summariseProfile(profile, service, join(dir, file)));
  }
  return summaries;
}

/** The summary as text lines for the terminal. */
export function profileLines(summary: ProfileSummary): string[] {
  const lines = [`CPU profile of ${summary.service}: ${(summary.sampled_ms / 1000).toFixed(1)} s busy (${summary.file})`, '  by area (self time):'];
  for (const a of summary.by_area.slice(0, 10)) lines.push(`    ${a.self_percent.toFixed(1).padStart(5)} %  ${a.area}`);
  lines.push('  top functions (self time):');
  for (const f of summary.top_self.slice(0, 12)) lines.push(`    ${f.self_percent.toFixed(1).padStart(5)} %  ${f.function}  ${f.location}`);
  return lines;
}
