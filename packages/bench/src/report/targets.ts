import type { BenchResult, TargetCheck } from '../result.ts';

type Figures = Omit<BenchResult, 'targets' | 'profiles'>;

const check = (id: string, description: string, value: number, comparison: TargetCheck['comparison'], target: number, unit: string): TargetCheck => ({
  id,
  description,
  value,
  comparison,
  target,
  unit,
  met: comparison === '>=' ? value >= target : comparison === '<=' ? value <= target : value < target,
});

/** The targets, each with the figure it is judged on. */
export function checkTargets(r: Figures): TargetCheck[] {
  const targets: TargetCheck[] = [];
  for (const row of r.write_path.rows) {
    targets.push(check(`write.explicit.${row.connections}`, `POST /invest (explicit price) ÷ pgbench at ${row.connections} connections`, row.explicit_price.ratio_to_reference, '>=', 0.8, '×'));
    targets.push(check(`write.cached.${row.connections}`, `POST /invest (cached CoinGecko price) ÷ pgbench at ${row.connections} connections`, row.cached_price.ratio_to_reference, '>=', 0.8, '×'));
  }
  targets.push(check('read.stats', `GET /stats ÷ bare Hono handler (req/s, ${r.read_path.connections} connections)`, r.read_path.stats.ratio_to_reference, '>=', 0.4, '×'));
  targets.push(check('read.history', `GET /history?limit=50 ÷ bare Hono handler (req/s, ${r.read_path.connections} connections)`, r.read_path.history.ratio_to_reference, '>=', 0.3, '×'));
  const sizes = r.flat_cost.sizes;
  const small = sizes[0]?.investments ?? 0;
  const large = sizes.at(-1)?.investments ?? 0;
  const n = (x: number) => (x >= 1_000_000 ? `${x / 1_000_000}M` : x >= 1_000 ? `${x / 1_000}k` : String(x));
  targets.push(check('flat.stats', `GET /stats cost at ${n(large)} ÷ at ${n(small)} investments`, r.flat_cost.stats_cost_growth, '<=', 1.3, '×'));
  targets.push(check('flat.history', `GET /history?limit=50 cost at ${n(large)} ÷ at ${n(small)} investments`, r.flat_cost.history_cost_growth, '<=', 1.3, '×'));
  targets.push(check('flat.seed', `seed design /stats cost ÷ ours at ${n(large)} investments`, r.flat_cost.seed_vs_ours_at_largest, '>=', 50, '×'));
  targets.push(check('freshness.p99', `POST response → visible in GET /stats on the replica, p99 (${r.freshness.writes_per_second_target} writes/s)`, r.freshness.visible_in_stats.p99_ms, '<=', 50, 'ms'));
  targets.push(check('projector.rebuild', `rebuild throughput over ${n(r.projector.events)} events`, r.projector.rebuild.events_per_second, '>=', 20_000, 'events/s'));
  for (const s of r.memory.services) targets.push(check(`memory.${s.service}`, `peak RSS of the ${s.service} process`, s.peak_rss_mb, '<', 150, 'MB'));
  return targets;
}
