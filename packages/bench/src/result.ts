import { writeFile } from 'node:fs/promises';
import { z } from 'zod';

// The one definition of what `npm run bench --json FILE` writes: the bench builds its
// result through `BenchResult.parse` before writing it, and the tests check files with
// the same schema. Every field is required (an empty list is allowed where a list may
// be empty), so a missing figure fails loudly instead of disappearing from the file.

/** One load run (autocannon against HTTP, or pgbench against PostgreSQL). */
export const LoadFigures = z.object({
  connections: z.number().int().positive(),
  duration_seconds: z.number(),
  /** Successful requests (2xx) or committed transactions. */
  requests: z.number().int(),
  /** Failed ones: non-2xx answers, socket errors, time-outs, aborted transactions. */
  errors: z.number().int(),
  requests_per_second: z.number(),
  mean_ms: z.number(),
  p50_ms: z.number(),
  p99_ms: z.number(),
});
export type LoadFigures = z.infer<typeof LoadFigures>;

/** A figure compared with a reference measured in the same run: ratio = figure ÷ reference. */
const Compared = LoadFigures.extend({ ratio_to_reference: z.number() });
export type ComparedFigures = z.infer<typeof Compared>;

const Latency = z.object({ p50_ms: z.number(), p99_ms: z.number(), max_ms: z.number(), samples: z.number().int() });
export type LatencySummary = z.infer<typeof Latency>;

const Rebuild = z.object({
  rebuild_id: z.number().int(),
  generation: z.number().int(),
  events: z.number().int(),
  /** Events ÷ (finished_at − started_at) as the projector recorded them. */
  events_per_second: z.number(),
  seconds: z.number(),
  /** From POST /admin/rebuild to GET /admin/rebuilds/{id} saying completed, as a client sees it. */
  wall_seconds: z.number(),
  wall_events_per_second: z.number(),
});
export type RebuildFigures = z.infer<typeof Rebuild>;

const Target = z.object({
  id: z.string(),
  description: z.string(),
  value: z.number(),
  comparison: z.enum(['>=', '<=', '<']),
  target: z.number(),
  unit: z.string(),
  met: z.boolean(),
});
export type TargetCheck = z.infer<typeof Target>;

const Service = z.enum(['command-api', 'query-api', 'projector']);
export type MeasuredService = z.infer<typeof Service>;

const ProfileSummary = z.object({
  service: z.string(),
  file: z.string(),
  sampled_ms: z.number(),
  top_self: z.array(z.object({ function: z.string(), location: z.string(), self_ms: z.number(), self_percent: z.number() })),
  by_area: z.array(z.object({ area: z.string(), self_ms: z.number(), self_percent: z.number() })),
});
export type ProfileSummary = z.infer<typeof ProfileSummary>;

export const BenchResult = z.object({
  schema_version: z.literal(1),
  mode: z.enum(['full', 'quick', 'smoke']),
  /** The command line that produced the file. */
  command: z.string(),
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime(),
  duration_seconds: z.number(),
  /** `private`: a primary + replica and services of its own; `running`: ones it was pointed at. */
  system: z.enum(['private', 'running']),
  machine: z.object({
    cpus: z.number().int(),
    cpu_model: z.string(),
    memory_gb: z.number(),
    node_version: z.string(),
    postgres_version: z.string(),
    kernel: z.string(),
  }),
  settings: z.object({
    measure_seconds: z.number(),
    warmup_seconds: z.number(),
    service_log_level: z.string(),
    service_runtime: z.string(),
    sizes: z.array(z.number().int()),
    write_connections: z.array(z.number().int()),
    read_connections: z.number().int(),
    seed_connections: z.number().int(),
    freshness_writes_per_second: z.number(),
    freshness_seconds: z.number(),
  }),
  write_path: z.object({
    endpoint: z.string(),
    reference: z.string(),
    /** Investments in the table when the write path ran. */
    investments_before: z.number().int(),
    rows: z.array(
      z.object({
        connections: z.number().int(),
        pgbench: LoadFigures,
        explicit_price: Compared,
        cached_price: Compared,
      }),
    ),
  }),
  read_path: z.object({
    investments: z.number().int(),
    connections: z.number().int(),
    reference: z.string(),
    bare_handler: LoadFigures,
    stats: Compared,
    history: Compared,
  }),
  flat_cost: z.object({
    cost_measure: z.string(),
    connections: z.number().int(),
    seed_design: z.string(),
    sizes: z.array(
      z.object({
        investments: z.number().int(),
        events: z.number().int(),
        load: z.object({ rows: z.number().int(), seconds: z.number(), rows_per_second: z.number() }),
        /** The live projection applying the loaded events as they commit: how long after the load's last commit it had them all. */
        live_apply: z.object({ events: z.number().int(), seconds_after_load: z.number() }),
        rebuild: Rebuild,
        bare_handler: LoadFigures,
        stats: Compared,
        history: Compared,
        seed_stats: LoadFigures,
      }),
    ),
    /** Cost at the largest size ÷ cost at the smallest (cost = 1 ÷ req/s). */
    stats_cost_growth: z.number(),
    history_cost_growth: z.number(),
    /** The seed design's cost ÷ ours, both /stats, at the largest size. */
    seed_vs_ours_at_largest: z.number(),
  }),
  freshness: z.object({
    writes_per_second_target: z.number(),
    writes_per_second_achieved: z.number(),
    writes: z.number().int(),
    write_errors: z.number().int(),
    write_latency: Latency,
    /** POST response → a GET /stats on the replica whose projection position includes the write. */
    visible_in_stats: Latency,
    /** POST response → the investment row readable on the replica (replication alone: the reference). */
    visible_on_replica: Latency,
    never_visible: z.number().int(),
    stats_poll_interval_ms: z.number(),
  }),
  projector: z.object({
    events: z.number().int(),
    rebuild: Rebuild,
    reference: z.string(),
    read_log: z.object({ events: z.number().int(), seconds: z.number(), events_per_second: z.number() }),
    rebuild_vs_read_log: z.number(),
  }),
  memory: z.object({
    source: z.string(),
    services: z.array(z.object({ service: Service, pid: z.number().int(), peak_rss_mb: z.number() })),
    reference: z.object({ name: z.string(), peak_rss_mb: z.number() }),
  }),
  targets: z.array(Target),
  profiles: z.array(ProfileSummary),
});
export type BenchResult = z.infer<typeof BenchResult>;

/** Checks the result against the schema (throws naming the missing fields) and writes it. */
export async function writeBenchResult(file: string, result: BenchResult): Promise<void> {
  const checked = BenchResult.parse(result);
  await writeFile(file, JSON.stringify(checked, null, 2) + '\n');
}

/** Reads a bench JSON file and checks it against the schema. */
export function parseBenchResult(text: string): BenchResult {
  return BenchResult.parse(JSON.parse(text));
}
