import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/api-error.ts';
import type { CommandResult, HistoryQuery, Investment } from '../api/model.ts';
import { useApi } from '../app/api-context.tsx';
import { formatAmount, formatDateTime, formatPriceUsd, formatUsd } from '../format/format.ts';
import { useLiveRead } from '../state/use-live-read.ts';
import { ReadProblems } from '../app/ReadProblems.tsx';

const PAGE_SIZE = 20;

interface HistoryPanelProps {
  knownPosition: string | null;
  onPosition(position: string): void;
  onVoided(result: CommandResult): void;
  /** Coins the person holds, for the coin filter. */
  coins: string[];
}

interface Filters {
  coin: string;
  /** `YYYY-MM-DD` days in the browser's time zone, inclusive. */
  from: string;
  to: string;
  includeVoided: boolean;
}

/** Every purchase, newest first, a page at a time, with filters and voiding. */
export function HistoryPanel({ knownPosition, onPosition, onVoided, coins }: HistoryPanelProps) {
  const api = useApi();
  const ids = { coin: useId(), from: useId(), to: useId(), voided: useId() };
  const [filters, setFilters] = useState<Filters>({ coin: '', from: '', to: '', includeVoided: false });
  // pages[0] is the first page's query; each "Older" pushes the next page's query from the Link header.
  const [pages, setPages] = useState<Array<HistoryQuery | Record<string, string>>>([toQuery(filters)]);
  const [voiding, setVoiding] = useState<Investment | null>(null);

  useEffect(() => setPages([toQuery(filters)]), [filters]);

  const page = pages[pages.length - 1]!;
  const load = useCallback((token: string | null, signal: AbortSignal) => api.listHistory(page, token, signal), [api, page]);
  const read = useLiveRead(JSON.stringify(page), load, knownPosition, onPosition);
  const items = read.data?.items;
  const filtered = filters.coin !== '' || filters.from !== '' || filters.to !== '';

  return (
    <section className="panel history-panel" aria-labelledby="history-title">
      <div className="panel-head">
        <h2 id="history-title">History</h2>
        {read.loading && <span className="loading" aria-live="polite">updating…</span>}
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter the history">
        <div className="field inline">
          <label htmlFor={ids.coin}>
            Coin<span className="visually-hidden"> filter</span>
          </label>
          <select id={ids.coin} value={filters.coin} onChange={(e) => setFilters({ ...filters, coin: e.target.value })}>
            <option value="">All coins</option>
            {[...new Set([...coins, ...(filters.coin ? [filters.coin] : [])])].sort().map((coin) => (
              <option key={coin} value={coin}>
                {coin}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={ids.from}>
            From<span className="visually-hidden"> day</span>
          </label>
          <input id={ids.from} type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => setFilters({ ...filters, from: e.target.value })} />
        </div>
        <div className="field inline">
          <label htmlFor={ids.to}>
            To<span className="visually-hidden"> day</span>
          </label>
          <input id={ids.to} type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => setFilters({ ...filters, to: e.target.value })} />
        </div>
        <div className="field inline checkbox">
          <input id={ids.voided} type="checkbox" checked={filters.includeVoided} onChange={(e) => setFilters({ ...filters, includeVoided: e.target.checked })} />
          <label htmlFor={ids.voided}>Show voided</label>
        </div>
        {filtered && (
          <button type="button" className="link" onClick={() => setFilters({ coin: '', from: '', to: '', includeVoided: filters.includeVoided })}>
            Clear filters
          </button>
        )}
      </form>

      <ReadProblems read={read} what="the history" />

      {items && items.length === 0 && (
        <p className="empty">{filtered || pages.length > 1 ? 'No purchases match these filters.' : 'No purchases yet. Record your first one with the form.'}</p>
      )}
      {items && items.length > 0 && (
        <div className="table-wrap">
          <table className="history-table">
            <caption className="visually-hidden">Purchases, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Bought at</th>
                <th scope="col">Coin</th>
                <th scope="col" className="num">Amount</th>
                <th scope="col" className="num">Price (USD)</th>
                <th scope="col" className="num">Total (USD)</th>
                <th scope="col">Price from</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((inv) => (
                <tr key={inv.id} className={inv.voided ? 'voided' : undefined} data-investment-id={inv.id}>
                  <td>
                    <time dateTime={inv.timestamp}>{formatDateTime(inv.timestamp)}</time>
                  </td>
                  <td>{inv.coin}</td>
                  <td className="num" title={inv.amount.toFixed()}>
                    {formatAmount(inv.amount)}
                  </td>
                  <td className="num" title={inv.priceUsd.toFixed()}>
                    {formatPriceUsd(inv.priceUsd)}
                  </td>
                  <td className="num" title={inv.totalUsd.toFixed()}>
                    {formatUsd(inv.totalUsd)}
                  </td>
                  <td>{inv.priceSource === 'user' ? 'you' : 'CoinGecko'}</td>
                  <td>
                    {inv.voided ? (
                      <span className="badge">voided</span>
                    ) : (
                      <button type="button" className="danger small" onClick={() => setVoiding(inv)} aria-label={`Void ${formatAmount(inv.amount)} ${inv.coin} bought ${formatDateTime(inv.timestamp)}`}>
                        Void
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="History pages">
        <button type="button" disabled={pages.length <= 1} onClick={() => setPages((p) => p.slice(0, -1))}>
          ← Newer
        </button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!read.data?.next} onClick={() => read.data?.next && setPages((p) => [...p, read.data!.next!])}>
          Older →
        </button>
      </nav>
      {voiding && (
        <VoidDialog
          investment={voiding}
          onClose={() => setVoiding(null)}
          onVoided={(result) => {
            setVoiding(null);
            onVoided(result);
          }}
        />
      )}
    </section>
  );
}

function VoidDialog({ investment, onClose, onVoided }: { investment: Investment; onClose(): void; onVoided(result: CommandResult): void }) {
  const api = useApi();
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal?.();
    return () => element?.close?.();
  }, []);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      onVoided(await api.voidInvestment(investment.id));
    } catch (reason) {
      setError(reason instanceof ApiError ? reason.message : 'Voiding failed');
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="confirm" aria-labelledby={titleId} onCancel={(e) => { e.preventDefault(); if (!busy) onClose(); }}>
      <h3 id={titleId}>Void this purchase?</h3>
      <p>
        {formatAmount(investment.amount)} {investment.coin} bought {formatDateTime(investment.timestamp)} for {formatUsd(investment.totalUsd)}. It will no longer
        count in your statistics; the history keeps it, marked voided.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={onClose} disabled={busy} autoFocus>
          Keep it
        </button>
        <button type="button" className="danger" onClick={confirm} disabled={busy} aria-busy={busy}>
          {busy ? 'Voiding…' : 'Void purchase'}
        </button>
      </div>
    </dialog>
  );
}

function toQuery(filters: Filters): HistoryQuery {
  return {
    limit: PAGE_SIZE,
    ...(filters.coin ? { coin: filters.coin } : {}),
    ...(filters.from ? { from: startOfLocalDay(filters.from) } : {}),
    ...(filters.to ? { to: endOfLocalDay(filters.to) } : {}),
    ...(filters.includeVoided ? { includeVoided: true } : {}),
  };
}

const startOfLocalDay = (day: string) => new Date(`${day}T00:00:00`).toISOString();
/** `to` is exclusive in the query API: the start of the next local day includes the whole chosen day. */
function endOfLocalDay(day: string): string {
  const next = new Date(`${day}T00:00:00`);
  next.setDate(next.getDate() + 1);
  return next.toISOString();
}
