import { requestOnce, round, runHttpLoad } from '../load/http-load.ts';
import type { BenchPlan } from '../options.ts';
import type { ComparedFigures, LoadFigures } from '../result.ts';

export interface ReadTargets {
  bareHonoUrl: string;
  statsUrl: string;
  historyUrl: string;
  seedStatsUrl: string;
}

export interface ReadFigures {
  bare_handler: LoadFigures;
  stats: ComparedFigures;
  history: ComparedFigures;
  seed_stats: LoadFigures;
}

export const compared = (figures: LoadFigures, reference: LoadFigures): ComparedFigures => ({
  ...figures,
  ratio_to_reference: round(figures.requests_per_second / Math.max(reference.requests_per_second, 0.001), 3),
});

/**
 * The read measurements at one table size, back to back so they share the machine's
 * mood: the bare Hono handler (reference), GET /stats, GET /history?limit=50 — at the
 * plan's read concurrency, after a warm-up — and the seed design's per-request
 * aggregate at two connections per CPU (its throughput is its capacity: the cores are
 * busy; one request first, it has no cache to warm).
 */
export async function measureReads(
  plan: BenchPlan,
  targets: ReadTargets,
  step: (what: string) => void,
  waitSeedIdle: () => Promise<void>,
): Promise<ReadFigures> {
  const measure = async (what: string, url: string, connections: number, warmup: boolean) => {
    await requestOnce({ url });
    if (warmup && plan.warmupSeconds > 0) {
      step(`${what}: warm-up`);
      await runHttpLoad({ url, connections, seconds: plan.warmupSeconds });
    }
    step(`${what}: ${connections} connections, ${plan.measureSeconds} s`);
    return runHttpLoad({ url, connections, seconds: plan.measureSeconds });
  };
  const bare = await measure('bare Hono handler', targets.bareHonoUrl, plan.readConnections, true);
  const stats = await measure('GET /stats', targets.statsUrl, plan.readConnections, true);
  const history = await measure('GET /history?limit=50', targets.historyUrl, plan.readConnections, true);
  const seed = await measure('seed design /stats (GROUP BY per request)', targets.seedStatsUrl, plan.seedConnections, false);
  // Aggregates still queued in the seed server would run into whatever is measured next.
  step('waiting for the seed design aggregates still running');
  await waitSeedIdle();
  return { bare_handler: bare, stats: compared(stats, bare), history: compared(history, bare), seed_stats: seed };
}
