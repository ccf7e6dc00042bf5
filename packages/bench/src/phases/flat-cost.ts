import pg from 'pg';
import { copyInvestments } from '../dataset/copy-load.ts';
import { generateInvestments } from '../dataset/investment-rows.ts';
import { ProjectorAdmin, waitReplicaCaughtUp, waitStatsGeneration } from '../environment/projector-admin.ts';
import type { BenchSystem } from '../environment/system.ts';
import { round } from '../load/http-load.ts';
import type { BenchPlan } from '../options.ts';
import type { Progress } from '../progress.ts';
import type { BenchResult } from '../result.ts';
import { measureReads } from './reads.ts';

export type SizeFigures = BenchResult['flat_cost']['sizes'][number];

const fmt = (n: number) => n.toLocaleString('en');

/**
 * For each size, ascending: COPY the investments (and their events) that bring the
 * table to that size, wait for the live projection to apply them, rebuild the read
 * model through the projector's admin API, wait until the replica serves the new
 * generation, then measure the reads at that size.
 */
export async function runFlatCost(plan: BenchPlan, system: BenchSystem, progress: Progress): Promise<SizeFigures[]> {
  const admin = new ProjectorAdmin(system.projectorUrl, system.apiKey);
  const investments = generateInvestments(20261203);
  const startSize = await countInvestments(system.db.primaryAdmin);
  const rows: SizeFigures[] = [];
  let loaded = startSize;
  for (const size of plan.sizes) {
    const add = Math.max(0, size - loaded);
    progress.start(`load-${size}`, `COPY ${fmt(add)} investments + events`);
    const load = await copyInvestments(system.db.primaryAdmin, add, investments, (done) =>
      progress.detail(`COPY ${fmt(done)} / ${fmt(add)} investments + events`),
    );
    loaded += add;
    const loadedAt = performance.now();
    progress.detail('the live projection applies the new events');
    await admin.waitApplied(load.lastPosition, 600_000, (applied) => progress.detail(`the live projection applies the new events (${fmt(applied)} applied)`));
    const liveSeconds = (performance.now() - loadedAt) / 1000;

    progress.start(`rebuild-${size}`, 'POST /admin/rebuild');
    const rebuild = await admin.rebuild(900_000, (processed, total) =>
      progress.detail(`rebuilding: ${fmt(processed)}${total ? ` / ${fmt(total)}` : ''} events`),
    );
    progress.detail('waiting for the replica to serve the new generation');
    await waitReplicaCaughtUp(system.db.primaryAdmin, system.db.replicaAdmin);
    await waitStatsGeneration(system.queryUrl, rebuild.generation);
    progress.say(
      `  ${fmt(size)} investments: loaded ${fmt(add)} in ${load.seconds.toFixed(1)} s; rebuild of ${fmt(rebuild.events)} events ` +
        `${fmt(Math.round(rebuild.events_per_second))} events/s`,
    );

    progress.start(`reads-${size}`);
    const reads = await measureReads(
      plan,
      {
        bareHonoUrl: system.bareHonoUrl,
        statsUrl: `${system.queryUrl}/stats`,
        historyUrl: `${system.queryUrl}/history?limit=50`,
        seedStatsUrl: system.seedStatsUrl,
      },
      (what) => progress.detail(what),
      () => waitSeedIdle(system.db.replicaAdmin),
    );
    progress.say(
      `  ${fmt(size)} investments: bare ${fmt(Math.round(reads.bare_handler.requests_per_second))} req/s, ` +
        `/stats ${fmt(Math.round(reads.stats.requests_per_second))}, /history ${fmt(Math.round(reads.history.requests_per_second))}, ` +
        `seed /stats ${fmt(round(reads.seed_stats.requests_per_second, 1))}`,
    );
    rows.push({
      investments: loaded,
      events: rebuild.events,
      load: { rows: add, seconds: round(load.seconds), rows_per_second: round(add / Math.max(load.seconds, 0.001)) },
      live_apply: { events: add, seconds_after_load: round(liveSeconds) },
      rebuild,
      ...reads,
    });
  }
  return rows;
}

export async function countInvestments(adminUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*)::text as n from investments');
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Resolves once the seed-design server has no query running on the replica. */
async function waitSeedIdle(replicaAdminUrl: string, timeoutMs = 300_000): Promise<void> {
  const client = new pg.Client({ connectionString: replicaAdminUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where application_name = 'bench-seed-stats' and state = 'active'`,
      );
      if (rows[0]!.n === 0) return;
      if (Date.now() > deadline) throw new Error('the seed design server still runs aggregates after 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}
