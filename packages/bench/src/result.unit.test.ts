import { describe, expect, it } from 'vitest';
import { renderReport } from './report/table.ts';
import { checkTargets } from './report/targets.ts';
import { BenchResult, parseBenchResult } from './result.ts';

const load = (rps: number, connections = 32) => ({
  connections,
  duration_seconds: 8,
  requests: Math.round(rps * 8),
  errors: 0,
  requests_per_second: rps,
  mean_ms: 3.2,
  p50_ms: 3,
  p99_ms: 11,
});
const comparedTo = (rps: number, reference: number, connections = 32) => ({ ...load(rps, connections), ratio_to_reference: rps / reference });
const latency = (p50: number, p99: number) => ({ p50_ms: p50, p99_ms: p99, max_ms: p99 * 2, samples: 3000 });
const rebuild = (events: number) => ({
  rebuild_id: 3,
  generation: 4,
  events,
  events_per_second: 31_000,
  seconds: events / 31_000,
  wall_seconds: events / 29_000,
  wall_events_per_second: 29_000,
});
const size = (investments: number) => ({
  investments,
  events: investments,
  load: { rows: investments, seconds: 2, rows_per_second: investments / 2 },
  live_apply: { events: investments, seconds_after_load: 1.5 },
  rebuild: rebuild(investments),
  bare_handler: load(9_000),
  stats: comparedTo(4_000, 9_000),
  history: comparedTo(3_000, 9_000),
  seed_stats: load(investments >= 1_000_000 ? 4 : 800),
});

/** A complete result, as a full run writes it (figures invented, shape real). */
function exampleResult(): Omit<BenchResult, 'targets'> & { targets: BenchResult['targets'] } {
  const sizes = [size(10_000), size(100_000), size(1_000_000)];
  const figures = {
    schema_version: 1 as const,
    mode: 'full' as const,
    command: 'npm run bench -- --json out.json',
    started_at: '2026-12-03T10:00:00.000Z',
    finished_at: '2026-12-03T10:08:00.000Z',
    duration_seconds: 480,
    system: 'private' as const,
    machine: { cpus: 2, cpu_model: 'AMD EPYC', memory_gb: 23.5, node_version: 'v20.20.2', postgres_version: 'PostgreSQL 15.18', kernel: '6.1.0' },
    settings: {
      measure_seconds: 8,
      warmup_seconds: 2,
      service_log_level: 'warn',
      service_runtime: 'production bundles (dist/index.js), plain node',
      sizes: [10_000, 100_000, 1_000_000],
      write_connections: [1, 8, 32, 64],
      read_connections: 32,
      seed_connections: 4,
      freshness_writes_per_second: 200,
      freshness_seconds: 15,
    },
    write_path: {
      endpoint: 'POST /invest',
      reference: 'pgbench',
      investments_before: 1_000_000,
      rows: [1, 8, 32, 64].map((c) => ({
        connections: c,
        pgbench: load(800, c),
        explicit_price: comparedTo(700, 800, c),
        cached_price: comparedTo(690, 800, c),
      })),
    },
    read_path: {
      investments: 1_000_000,
      connections: 32,
      reference: 'bare Hono',
      bare_handler: load(9_000),
      stats: comparedTo(4_000, 9_000),
      history: comparedTo(3_000, 9_000),
    },
    flat_cost: {
      cost_measure: '1 ÷ throughput',
      connections: 32,
      seed_design: 'GROUP BY per request',
      sizes,
      stats_cost_growth: 1.05,
      history_cost_growth: 1.1,
      seed_vs_ours_at_largest: 1_000,
    },
    freshness: {
      writes_per_second_target: 200,
      writes_per_second_achieved: 199.8,
      writes: 3_000,
      write_errors: 0,
      write_latency: latency(4, 20),
      visible_in_stats: latency(9, 30),
      visible_on_replica: latency(3, 12),
      never_visible: 0,
      stats_poll_interval_ms: 2.1,
    },
    projector: {
      events: 1_000_000,
      rebuild: rebuild(1_000_000),
      reference: 'reading the log',
      read_log: { events: 1_000_000, seconds: 12, events_per_second: 83_000 },
      rebuild_vs_read_log: 0.37,
    },
    memory: {
      source: 'VmHWM',
      services: [
        { service: 'command-api' as const, pid: 101, peak_rss_mb: 92 },
        { service: 'query-api' as const, pid: 102, peak_rss_mb: 98 },
        { service: 'projector' as const, pid: 103, peak_rss_mb: 120 },
      ],
      reference: { name: 'bare Hono process', peak_rss_mb: 70 },
    },
    profiles: [
      {
        service: 'command-api',
        file: '/tmp/x.cpuprofile',
        sampled_ms: 1000,
        top_self: [{ function: 'f', location: 'a.ts:1', self_ms: 10, self_percent: 1 }],
        by_area: [{ area: 'pg', self_ms: 10, self_percent: 1 }],
      },
    ],
  };
  return { ...figures, targets: checkTargets(figures) };
}

/** Every path to a leaf value (arrays: their first element stands for all). */
function leafPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.length ? leafPaths(value[0], [...path, 0]) : [path];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  return [path];
}

function without(value: unknown, path: Array<string | number>): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  delete node[path.at(-1)!];
  return copy;
}

describe('the bench result schema', () => {
  it('accepts a complete result', () => {
    expect(() => BenchResult.parse(exampleResult())).not.toThrow();
  });

  it('refuses a result missing any one figure, naming where', () => {
    const complete = exampleResult();
    const paths = leafPaths(complete).filter((p) => p.length > 1 || p[0] !== undefined);
    expect(paths.length).toBeGreaterThan(150);
    for (const path of paths) {
      const result = BenchResult.safeParse(without(complete, path));
      expect(result.success, `missing ${path.join('.')} was accepted`).toBe(false);
      expect(result.error!.issues[0]!.path.join('.')).toBe(path.join('.'));
    }
  });

  it('refuses a figure of the wrong kind', () => {
    const broken = exampleResult() as unknown as { read_path: { stats: { requests_per_second: unknown } } };
    broken.read_path.stats.requests_per_second = '4000';
    expect(BenchResult.safeParse(broken).success).toBe(false);
  });

  it('reads back what it wrote', () => {
    const complete = exampleResult();
    expect(parseBenchResult(JSON.stringify(complete))).toEqual(BenchResult.parse(complete));
  });
});

describe('targets', () => {
  it('judges each figure against its threshold', () => {
    const result = exampleResult();
    const byId = Object.fromEntries(result.targets.map((t) => [t.id, t]));
    expect(byId['write.explicit.8']).toMatchObject({ value: 700 / 800, target: 0.8, met: true });
    expect(byId['read.stats']).toMatchObject({ comparison: '>=', target: 0.4, met: true });
    expect(byId['read.history']).toMatchObject({ value: 3_000 / 9_000, met: true });
    expect(byId['flat.stats']).toMatchObject({ value: 1.05, comparison: '<=', met: true });
    expect(byId['flat.seed']).toMatchObject({ value: 1_000, met: true });
    expect(byId['freshness.p99']).toMatchObject({ value: 30, target: 50, met: true });
    expect(byId['projector.rebuild']).toMatchObject({ value: 31_000, met: true });
    expect(byId['memory.projector']).toMatchObject({ value: 120, comparison: '<', met: true });
    expect(result.targets).toHaveLength(8 + 2 + 3 + 1 + 1 + 3);
  });

  it('marks a figure on the wrong side as missed', () => {
    const result = exampleResult();
    result.write_path.rows[0]!.explicit_price.ratio_to_reference = 0.79;
    result.freshness.visible_in_stats.p99_ms = 50.5;
    result.memory.services[0]!.peak_rss_mb = 150;
    result.flat_cost.stats_cost_growth = 1.31;
    const missed = checkTargets(result).filter((t) => !t.met).map((t) => t.id);
    expect(missed).toEqual(['write.explicit.1', 'flat.stats', 'freshness.p99', 'memory.command-api']);
  });
});

describe('the report', () => {
  it('prints every section with the figures and the targets', () => {
    const text = renderReport(BenchResult.parse(exampleResult())).join('\n');
    for (const heading of ['1. Write path', '2. Read path', '3. Flat cost', '4. Freshness', '5. Projector rebuild', '6. Peak RSS', 'Targets']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('0.88×'); // 700 ÷ 800
    expect(text).toContain('1M');
    expect(text).toContain('18 of 18 targets met');
  });
});
