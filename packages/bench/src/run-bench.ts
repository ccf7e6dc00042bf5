import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { peakRssMb } from './environment/process-memory.ts';
import { startPrivateSystem, useRunningSystem, type BenchSystem } from './environment/system.ts';
import { round } from './load/http-load.ts';
import type { BenchOptions, BenchPlan } from './options.ts';
import { runFlatCost } from './phases/flat-cost.ts';
import { runFreshness } from './phases/freshness.ts';
import { readWholeLog } from './phases/read-log.ts';
import { runWritePath } from './phases/write-path.ts';
import { profileLines, summariseProfiles } from './profile/cpu-profile.ts';
import { Progress, type PlannedPhase } from './progress.ts';
import { BenchResult, type ProfileSummary } from './result.ts';
import { checkTargets } from './report/targets.ts';
import { Teardown } from './teardown.ts';

/** The phases of a run in order, with rough durations for the ETA (refined as it goes). */
export function plannedPhases(plan: BenchPlan, privateSystem: boolean): PlannedPhase[] {
  const phases: PlannedPhase[] = [{ id: 'start', title: privateSystem ? 'starting PostgreSQL primary + replica and the services' : 'checking the running system', estimateSeconds: privateSystem ? 30 : 3 }];
  let previous = 0;
  const per = plan.warmupSeconds + plan.measureSeconds;
  for (const size of plan.sizes) {
    const add = size - previous;
    previous = size;
    phases.push({ id: `load-${size}`, title: `flat cost: loading ${size.toLocaleString('en')} investments`, estimateSeconds: 1 + add / 12_000 });
    phases.push({ id: `rebuild-${size}`, title: `flat cost: rebuilding the read model at ${size.toLocaleString('en')}`, estimateSeconds: 2 + size / 20_000 });
    phases.push({ id: `reads-${size}`, title: `reads at ${size.toLocaleString('en')} investments`, estimateSeconds: 3 * per + plan.measureSeconds + 2 + size / 100_000 });
  }
  phases.push({ id: 'read-log', title: "projector: reading the whole log (the rebuild's reference)", estimateSeconds: 1 + previous / 80_000 });
  phases.push({ id: 'write-warmup', title: 'write path: warm-up', estimateSeconds: 1 + plan.warmupSeconds });
  for (const c of plan.writeConnections) {
    phases.push({ id: `write-${c}`, title: `write path at ${c} connection${c === 1 ? '' : 's'}`, estimateSeconds: 3 * plan.measureSeconds + 2 });
  }
  phases.push({ id: 'freshness', title: 'freshness under steady writes', estimateSeconds: plan.freshnessSeconds + 2 });
  phases.push({ id: 'memory', title: 'peak memory of the services', estimateSeconds: 1 });
  phases.push({ id: 'teardown', title: 'stopping everything the bench started', estimateSeconds: privateSystem ? 8 : 1 });
  return phases;
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>('select version()');
    return rows[0]!.version.split(' ').slice(0, 2).join(' ');
  } finally {
    await client.end();
  }
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

/**
 * One whole run: the system (private or running), then flat cost + reads at each size,
 * the rebuild's reference, the write path, freshness and memory — everything stopped at
 * the end, whatever happens. Returns the checked result.
 */
export async function runBench(options: BenchOptions, commandLine: string, out: NodeJS.WriteStream = process.stdout): Promise<BenchResult> {
  const { plan } = options;
  const teardown = new Teardown();
  const progress = new Progress(plannedPhases(plan, !options.running), out);
  const say = (line: string) => progress.say(line);
  teardown.onSignals((line) => {
    progress.close();
    out.write(line + '\n');
  });
  const startedAt = new Date();
  let pgbenchChild: ChildProcess | undefined;
  teardown.add('pgbench', () => pgbenchChild?.kill('SIGTERM'));

  let figures: Omit<BenchResult, 'targets' | 'profiles' | 'finished_at' | 'duration_seconds'>;
  try {
    progress.start('start');
    const system: BenchSystem = options.running
      ? await useRunningSystem(options.running, teardown)
      : await startPrivateSystem({ logLevel: options.logLevel, runtime: options.runtime, profile: options.profile, profileDir: options.profileDir, say }, teardown);

    const sizes = await runFlatCost(plan, system, progress);
    const smallest = sizes[0]!;
    const largest = sizes.at(-1)!;

    progress.start('read-log', 'keyset pages of 5,000 in (transaction_id, id) order');
    const readLog = await readWholeLog(system.db.primaryProjector, 5_000, (n) => progress.detail(`${n.toLocaleString('en')} events read`));

    const writePath = await runWritePath(plan, system, progress, (child) => (pgbenchChild = child));
    const freshness = await runFreshness(plan, system, progress);

    progress.start('memory');
    const services = system.servicePids().map(({ service, pid }) => {
      const peak = peakRssMb(pid);
      if (peak === undefined) throw new Error(`the ${service} process (pid ${pid}) is gone: cannot read its peak memory`);
      return { service, pid, peak_rss_mb: peak };
    });
    if (services.length !== 3) throw new Error(`found ${services.length} of the 3 service processes (${services.map((s) => s.service).join(', ')})`);

    // Cost = 1 ÷ (req/s ÷ the bare handler's req/s right before, at the same size): the machine's mood
    // between sizes, minutes apart, cancels out.
    const normalisedCost = (s: typeof smallest, key: 'stats' | 'history') => 1 / Math.max(s[key].ratio_to_reference, 1e-9);
    figures = {
      schema_version: 1,
      mode: plan.mode,
      command: commandLine,
      started_at: startedAt.toISOString(),
      system: system.kind,
      machine: {
        cpus: cpus().length,
        cpu_model: cpuModel(),
        memory_gb: round(totalmem() / 1024 ** 3, 1),
        node_version: process.version,
        postgres_version: await postgresVersion(system.db.primaryAdmin),
        kernel: release(),
      },
      settings: {
        measure_seconds: plan.measureSeconds,
        warmup_seconds: plan.warmupSeconds,
        service_log_level: options.running ? 'as running' : options.logLevel,
        service_runtime: options.running ? 'as running' : options.runtime === 'bundle' ? 'production bundles (dist/index.js), plain node' : 'sources under tsx',
        sizes: plan.sizes,
        write_connections: plan.writeConnections,
        read_connections: plan.readConnections,
        seed_connections: plan.seedConnections,
        freshness_writes_per_second: plan.freshnessWritesPerSecond,
        freshness_seconds: plan.freshnessSeconds,
      },
      write_path: writePath,
      read_path: {
        investments: largest.investments,
        connections: plan.readConnections,
        reference: 'a bare Hono handler returning a constant JSON body (@hono/node-server, own process, same Node), measured right before',
        bare_handler: largest.bare_handler,
        stats: largest.stats,
        history: largest.history,
      },
      flat_cost: {
        cost_measure: `cost = 1 ÷ throughput at ${plan.readConnections} connections, normalised by the bare handler measured right before at the same size`,
        connections: plan.readConnections,
        seed_design: `the seed's design: /stats aggregating the investments table per request (COUNT/SUM, GROUP BY coin) on the replica, at ${plan.seedConnections} connections (2 per CPU: its capacity)`,
        sizes,
        stats_cost_growth: round(normalisedCost(largest, 'stats') / normalisedCost(smallest, 'stats'), 3),
        history_cost_growth: round(normalisedCost(largest, 'history') / normalisedCost(smallest, 'history'), 3),
        seed_vs_ours_at_largest: round(largest.stats.requests_per_second / Math.max(largest.seed_stats.requests_per_second, 0.001), 1),
      },
      freshness,
      projector: {
        events: largest.rebuild.events,
        rebuild: largest.rebuild,
        reference: 'reading the whole log from the primary in the rebuild\'s order and batches (5,000), applying nothing',
        read_log: readLog,
        rebuild_vs_read_log: round(largest.rebuild.events_per_second / Math.max(readLog.events_per_second, 0.001), 3),
      },
      memory: {
        source: 'VmHWM of /proc/<pid>/status at the end of the run (the peak since the process started)',
        services,
        reference: { name: 'the bare Hono process', peak_rss_mb: peakRssMb(system.bareHonoPid) ?? 0 },
      },
    };
  } finally {
    progress.start('teardown');
    await teardown.run(say);
    progress.close();
  }

  const profiles: ProfileSummary[] = [];
  for (const service of options.profile) {
    for (const summary of await summariseProfiles(join(options.profileDir, service), service)) {
      profiles.push(summary);
      for (const line of profileLines(summary)) out.write(line + '\n');
    }
  }
  const finishedAt = new Date();
  const complete = {
    ...figures,
    finished_at: finishedAt.toISOString(),
    duration_seconds: round((finishedAt.getTime() - startedAt.getTime()) / 1000, 1),
    targets: [],
    profiles,
  };
  return BenchResult.parse({ ...complete, targets: checkTargets(complete) });
}
