import type { LatencySummary } from '../result.ts';

/** The q-quantile (0..1) of ascending `sorted` values, nearest rank; 0 for no values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** p50 / p99 / max of latencies in ms, two decimals. */
export function summariseLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return { p50_ms: r(percentile(sorted, 0.5)), p99_ms: r(percentile(sorted, 0.99)), max_ms: r(sorted.at(-1) ?? 0), samples: sorted.length };
}
