import type { BenchResult, LoadFigures } from '../result.ts';

// The end-of-run report: plain text tables, each figure beside its reference.

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (n: number) => `${n.toFixed(2)}×`;
const size = (x: number) => (x >= 1_000_000 && x % 1_000_000 === 0 ? `${x / 1_000_000}M` : x >= 1_000 && x % 1_000 === 0 ? `${x / 1_000}k` : x.toLocaleString('en'));
const load = (f: LoadFigures) => [int(f.requests_per_second), ms(f.p50_ms), ms(f.p99_ms)];

export function renderReport(r: BenchResult): string[] {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `crypto-invest bench (${r.mode}) — ${m.cpus} CPUs ${m.cpu_model}, ${m.memory_gb} GB RAM, Node ${m.node_version}, ${m.postgres_version} — ` +
      `${Math.floor(r.duration_seconds / 60)} min ${Math.round(r.duration_seconds % 60)} s`,
  );
  out.push(`${r.settings.measure_seconds} s per load run after ${r.settings.warmup_seconds} s warm-up; services: ${r.settings.service_runtime}, LOG_LEVEL=${r.settings.service_log_level}; latencies in ms`);

  out.push('', `1. Write path: ${r.write_path.endpoint} (${int(r.write_path.investments_before)} investments in the table) vs ${r.write_path.reference}`);
  out.push(
    ...table(
      ['connections', 'pgbench tx/s', 'p50', 'p99', 'explicit price req/s', 'p50', 'p99', '÷ pgbench', 'cached price req/s', 'p50', 'p99', '÷ pgbench'],
      r.write_path.rows.map((row) => [
        String(row.connections),
        ...load(row.pgbench),
        ...load(row.explicit_price),
        ratio(row.explicit_price.ratio_to_reference),
        ...load(row.cached_price),
        ratio(row.cached_price.ratio_to_reference),
      ]),
    ),
  );

  out.push('', `2. Read path at ${size(r.read_path.investments)} investments, ${r.read_path.connections} connections, vs ${r.read_path.reference}`);
  out.push(
    ...table(
      ['endpoint', 'req/s', 'p50', 'p99', '÷ bare handler'],
      [
        ['bare Hono handler (reference)', ...load(r.read_path.bare_handler), '1.00×'],
        ['GET /stats', ...load(r.read_path.stats), ratio(r.read_path.stats.ratio_to_reference)],
        ['GET /history?limit=50', ...load(r.read_path.history), ratio(r.read_path.history.ratio_to_reference)],
      ],
    ),
  );

  out.push('', `3. Flat cost (${r.flat_cost.cost_measure}) vs ${r.flat_cost.seed_design}`);
  out.push(
    ...table(
      ['investments', 'bare req/s', '/stats req/s', 'p99', '÷ bare', '/history req/s', 'p99', '÷ bare', 'seed /stats req/s', 'p50', 'p99', 'seed cost ÷ ours'],
      r.flat_cost.sizes.map((s) => [
        size(s.investments),
        int(s.bare_handler.requests_per_second),
        int(s.stats.requests_per_second),
        ms(s.stats.p99_ms),
        ratio(s.stats.ratio_to_reference),
        int(s.history.requests_per_second),
        ms(s.history.p99_ms),
        ratio(s.history.ratio_to_reference),
        s.seed_stats.requests_per_second.toFixed(1),
        ms(s.seed_stats.p50_ms),
        ms(s.seed_stats.p99_ms),
        ratio(s.stats.requests_per_second / Math.max(s.seed_stats.requests_per_second, 0.001)),
      ]),
    ),
  );
  out.push(
    `   cost growth ${size(r.flat_cost.sizes[0]?.investments ?? 0)} → ${size(r.flat_cost.sizes.at(-1)?.investments ?? 0)}: ` +
      `/stats ${ratio(r.flat_cost.stats_cost_growth)}, /history ${ratio(r.flat_cost.history_cost_growth)}; seed design ÷ ours at the largest: ${ratio(r.flat_cost.seed_vs_ours_at_largest)}`,
  );
  out.push(
    ...table(
      ['investments', 'COPY rows/s', 'live apply after load s', 'rebuild events', 'rebuild events/s', 'rebuild s (request → switch)'],
      r.flat_cost.sizes.map((s) => [
        size(s.investments),
        int(s.load.rows_per_second),
        s.live_apply.seconds_after_load.toFixed(1),
        int(s.rebuild.events),
        int(s.rebuild.events_per_second),
        s.rebuild.wall_seconds.toFixed(1),
      ]),
    ),
  );

  const f = r.freshness;
  out.push('', `4. Freshness under ${int(f.writes_per_second_achieved)} writes/s (asked ${f.writes_per_second_target}), ${int(f.writes)} writes, polled every ${f.stats_poll_interval_ms} ms`);
  out.push(
    ...table(
      ['from the POST response to …', 'p50', 'p99', 'max', 'samples'],
      [
        ['visible in GET /stats (replica)', ms(f.visible_in_stats.p50_ms), ms(f.visible_in_stats.p99_ms), ms(f.visible_in_stats.max_ms), int(f.visible_in_stats.samples)],
        ['row visible on the replica (reference)', ms(f.visible_on_replica.p50_ms), ms(f.visible_on_replica.p99_ms), ms(f.visible_on_replica.max_ms), int(f.visible_on_replica.samples)],
        ['(the POST itself)', ms(f.write_latency.p50_ms), ms(f.write_latency.p99_ms), ms(f.write_latency.max_ms), int(f.write_latency.samples)],
      ],
    ),
  );
  if (f.never_visible || f.write_errors) out.push(`   ${f.never_visible} writes never seen, ${f.write_errors} writes failed`);

  const p = r.projector;
  out.push(
    '',
    `5. Projector rebuild over ${int(p.events)} events: ${int(p.rebuild.events_per_second)} events/s (start → switch ${p.rebuild.seconds.toFixed(1)} s, request → completed ${p.rebuild.wall_seconds.toFixed(1)} s); ` +
      `reference ${p.reference}: ${int(p.read_log.events_per_second)} events/s → rebuild ÷ reference ${ratio(p.rebuild_vs_read_log)}`,
  );

  out.push('', `6. Peak RSS (${r.memory.source}); reference ${r.memory.reference.name}: ${r.memory.reference.peak_rss_mb} MB`);
  out.push(...table(['service', 'peak RSS MB'], r.memory.services.map((s) => [s.service, s.peak_rss_mb.toFixed(1)])));

  out.push('', 'Targets');
  out.push(
    ...table(
      ['', 'target', 'measured', ''],
      r.targets.map((t) => [t.description, `${t.comparison} ${t.target.toLocaleString('en')} ${t.unit}`, `${t.value.toLocaleString('en', { maximumFractionDigits: 2 })} ${t.unit}`, t.met ? 'met' : 'MISSED']),
    ),
  );
  const missed = r.targets.filter((t) => !t.met).length;
  out.push(`${r.targets.length - missed} of ${r.targets.length} targets met`);
  return out;
}
