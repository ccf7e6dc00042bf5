import type { Decimal } from '@crypto-invest/money';
import { useCallback, useEffect } from 'react';
import type { PortfolioStats } from '../api/model.ts';
import { useApi } from '../app/api-context.tsx';
import { ReadProblems } from '../app/ReadProblems.tsx';
import { formatAmount, formatFractionAsPercent, formatPriceUsd, formatSignedPercent, formatSignedUsd, formatUsd } from '../format/format.ts';
import { useLiveRead } from '../state/use-live-read.ts';
import { AllocationChart } from './AllocationChart.tsx';
import { InvestedChart } from './InvestedChart.tsx';

interface StatsPanelProps {
  knownPosition: string | null;
  onPosition(position: string): void;
  /** Tells the page which coins are held (for the history's coin filter). */
  onCoins(coins: string[]): void;
  onStale(stale: boolean): void;
}

/** Totals, per-coin figures and charts, from the query API's read model. */
export function StatsPanel({ knownPosition, onPosition, onCoins, onStale }: StatsPanelProps) {
  const api = useApi();
  const load = useCallback((token: string | null, signal: AbortSignal) => api.readStats(token, signal), [api]);
  const read = useLiveRead('stats', load, knownPosition, onPosition);
  const stats = read.data;

  useEffect(() => {
    if (stats) onCoins(stats.coins.map((c) => c.coin));
  }, [stats, onCoins]);
  useEffect(() => onStale(read.stale), [read.stale, onStale]);

  return (
    <>
      <section className="panel stats-panel" aria-labelledby="stats-title">
        <div className="panel-head">
          <h2 id="stats-title">Statistics</h2>
          {read.loading && stats && <span className="loading">updating…</span>}
        </div>
        <ReadProblems read={read} what="the statistics" />
        {!stats && !read.error && <p className="loading-block">Loading statistics…</p>}
        {stats && <Summary stats={stats} />}
      </section>
      <section className="panel holdings-panel" aria-labelledby="holdings-title">
        <h2 id="holdings-title">Holdings</h2>
        {stats && (stats.totalInvestments === 0 ? <p className="empty">No coins held yet.</p> : <Holdings stats={stats} />)}
      </section>
    </>
  );
}

function Summary({ stats }: { stats: PortfolioStats }) {
  const { current } = stats;
  const empty = stats.totalInvestments === 0;
  return (
    <>
      <div className="cards" role="list">
        <Card label="Total invested" testId="invested" value={formatUsd(stats.investedUsd)} exact={stats.investedUsd}>
          {stats.totalInvestments} {stats.totalInvestments === 1 ? 'purchase' : 'purchases'} · {stats.coinCount} {stats.coinCount === 1 ? 'coin' : 'coins'}
        </Card>
        <Card label="Current value" testId="value" value={current.available && current.valueUsd ? formatUsd(current.valueUsd) : 'unavailable'} exact={current.valueUsd}>
          {current.available ? 'at current CoinGecko prices' : `prices unavailable${current.reason ? `: ${current.reason}` : ''}`}
        </Card>
        <Card
          label="Unrealized P/L"
          testId="pnl"
          value={current.available && current.pnlUsd ? formatSignedUsd(current.pnlUsd) : 'unavailable'}
          exact={current.pnlUsd}
          tone={tone(current.pnlUsd)}
        >
          {current.available && current.pnlPercent ? <span data-testid="pnl-percent">{formatSignedPercent(current.pnlPercent)}</span> : 'needs current prices'}
        </Card>
      </div>

      {empty ? (
        <p className="empty">Your portfolio is empty. Record a purchase to see your statistics here.</p>
      ) : (
        <div className="chart-block">
          <h3>Invested over time</h3>
          <InvestedChart series={stats.daily} />
        </div>
      )}
    </>
  );
}

function Holdings({ stats }: { stats: PortfolioStats }) {
  return (
    <>
      <div className="table-wrap">
        <table className="coins-table">
          <caption className="visually-hidden">Per coin</caption>
          <thead>
            <tr>
              <th scope="col">Coin</th>
              <th scope="col" className="num">Amount</th>
              <th scope="col" className="num">Invested</th>
              <th scope="col" className="num">Average price</th>
              <th scope="col" className="num">Current price</th>
              <th scope="col" className="num">Value</th>
              <th scope="col" className="num">P/L</th>
              <th scope="col" className="num">Share</th>
            </tr>
          </thead>
          <tbody>
            {stats.coins.map((c) => (
              <tr key={c.coin} data-coin={c.coin}>
                <th scope="row">{c.coin}</th>
                <td className="num" title={c.amount.toFixed()}>{formatAmount(c.amount)}</td>
                <td className="num" title={c.investedUsd.toFixed()}>{formatUsd(c.investedUsd)}</td>
                <td className="num">{c.averagePriceUsd ? formatPriceUsd(c.averagePriceUsd) : '—'}</td>
                <td className="num">{c.currentPriceUsd ? formatPriceUsd(c.currentPriceUsd) : <Unavailable />}</td>
                <td className="num">{c.currentValueUsd ? formatUsd(c.currentValueUsd) : <Unavailable />}</td>
                <td className={`num ${tone(c.pnlUsd)}`}>
                  {c.pnlUsd ? formatSignedUsd(c.pnlUsd) : <Unavailable />}
                  {c.pnlPercent && <span className="sub"> {formatSignedPercent(c.pnlPercent)}</span>}
                </td>
                <td className="num">{c.share ? formatFractionAsPercent(c.share) : '—'}</td>
              </tr>
            ))}
          </tbody>
          </table>
      </div>
      <div className="chart-block allocation">
        <h3>Allocation</h3>
        <AllocationChart coins={stats.coins} totalInvested={stats.investedUsd} />
      </div>
    </>
  );
}

function Card({ label, value, exact, tone: toneClass, testId, children }: { label: string; value: string; exact: Decimal | null; tone?: string; testId: string; children: React.ReactNode }) {
  return (
    <div className={`card ${toneClass ?? ''}`} role="listitem" data-card={testId}>
      <p className="card-label">{label}</p>
      <p className="card-value" title={exact ? exact.toFixed() : undefined} data-testid={`card-${testId}`}>
        {value}
      </p>
      <p className="card-sub">{children}</p>
    </div>
  );
}

const Unavailable = () => <span className="muted" title="current price unavailable">n/a</span>;

function tone(value: Decimal | null): string {
  if (!value || value.isZero()) return '';
  return value.isNegative() ? 'loss' : 'gain';
}
