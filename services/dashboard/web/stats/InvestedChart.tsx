import type { InvestedSeries } from '../api/model.ts';
import { formatDay, formatUsd, formatUsdCompact } from '../format/format.ts';
import { niceTicks } from './series.ts';

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { top: 12, right: 16, bottom: 28, left: 64 };
const BUCKET_WORD = { day: 'day', week: 'week', month: 'month' } as const;

/**
 * Total invested over time, from the query API's series (its running total): a hand-written SVG
 * step chart (a charting library would be most of the bundle). Figures become floats only for
 * drawing positions; the labels are formatted from the exact decimals.
 */
export function InvestedChart({ series }: { series: InvestedSeries }) {
  const points = series.points;
  if (points.length === 0) return <p className="empty">No purchases to chart yet.</p>;

  const times = points.map((p) => Date.parse(`${p.day}T00:00:00Z`));
  const values = points.map((p) => p.cumulativeUsd.toNumber());
  const t0 = times[0]!;
  const t1 = times.length > 1 ? times[times.length - 1]! : t0 + 86_400_000;
  const ticks = niceTicks(Math.max(...values, 0));
  const top = ticks[ticks.length - 1] || 1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (Math.max(v, 0) / top) * (HEIGHT - PAD.top - PAD.bottom);

  // A step line: the total holds from one bucket to the next.
  let line = `M${x(times[0]!).toFixed(1)},${y(values[0]!).toFixed(1)}`;
  for (let i = 1; i < points.length; i++) line += ` H${x(times[i]!).toFixed(1)} V${y(values[i]!).toFixed(1)}`;
  if (points.length === 1) line += ` H${x(t1).toFixed(1)}`;
  const lastX = points.length === 1 ? x(t1) : x(times[times.length - 1]!);
  const area = `${line} V${y(0).toFixed(1)} H${x(t0).toFixed(1)} Z`;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const labels = points.length > 2 ? [first, points[Math.floor(points.length / 2)]!, last] : points;

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="invested-chart-title" data-chart="invested">
        <title id="invested-chart-title">
          {`Total invested over time: ${formatUsd(first.cumulativeUsd)} by ${formatDay(first.day)}, ${formatUsd(last.cumulativeUsd)} by ${formatDay(last.day)}`}
        </title>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={PAD.left - 8} y={y(tick) + 4} className="axis" textAnchor="end">
              {formatUsdCompact(tick)}
            </text>
          </g>
        ))}
        <path d={area} className="area" />
        <path d={line} className="line" />
        <circle cx={lastX} cy={y(values[values.length - 1]!)} r={3.5} className="dot" />
        {labels.map((p, i) => (
          <text
            key={p.day}
            x={x(Date.parse(`${p.day}T00:00:00Z`))}
            y={HEIGHT - 8}
            className="axis"
            textAnchor={i === 0 ? 'start' : i === labels.length - 1 ? 'end' : 'middle'}
          >
            {formatDay(p.day)}
          </text>
        ))}
      </svg>
      <figcaption>Total invested in live purchases, by purchase {BUCKET_WORD[series.bucket]} (UTC)</figcaption>
    </figure>
  );
}
