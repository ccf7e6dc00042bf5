import type { Decimal } from '@crypto-invest/money';
import type { CoinHolding } from '../api/model.ts';
import { formatFractionAsPercent, formatUsd } from '../format/format.ts';
import { allocationSlices } from './series.ts';

const ROW = 30;
const WIDTH = 640;
const LABEL = 130;
const VALUE = 170;

/** Allocation by amount invested: one labelled bar per coin (exact figures beside each bar). */
export function AllocationChart({ coins, totalInvested }: { coins: CoinHolding[]; totalInvested: Decimal }) {
  const slices = allocationSlices(coins, totalInvested);
  if (slices.length === 0) return <p className="empty">Nothing held yet.</p>;
  const height = slices.length * ROW + 8;
  const barSpace = WIDTH - LABEL - VALUE;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby="allocation-chart-title" data-chart="allocation">
        <title id="allocation-chart-title">
          {`Allocation by amount invested: ${slices.map((s) => `${s.label} ${formatFractionAsPercent(s.share, 1)}`).join(', ')}`}
        </title>
        {slices.map((slice, i) => {
          const width = Math.max(slice.share.toNumber() * barSpace, slice.share.isZero() ? 0 : 2);
          const y = i * ROW + 4;
          return (
            <g key={slice.label}>
              <text x={LABEL - 10} y={y + ROW / 2 + 1} className="axis label" textAnchor="end">
                {slice.label}
              </text>
              <rect x={LABEL} y={y + 5} width={width} height={ROW - 10} rx={3} className={`bar bar-${i % 8}`} />
              <text x={LABEL + width + 8} y={y + ROW / 2 + 1} className="axis value">
                {`${formatFractionAsPercent(slice.share, 1)} · ${formatUsd(slice.investedUsd)}`}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>Share of the total invested per coin</figcaption>
    </figure>
  );
}
