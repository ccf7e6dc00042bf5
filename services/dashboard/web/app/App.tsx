import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SystemStatus } from '../../src/system/system-status.ts';
import { ApiError } from '../api/api-error.ts';
import type { CommandResult } from '../api/model.ts';
import { HistoryPanel } from '../history/HistoryPanel.tsx';
import { ImportPanel } from '../imports/ImportPanel.tsx';
import { RecordPanel } from '../record/RecordPanel.tsx';
import { newerPosition } from '../state/positions.ts';
import { StatsPanel } from '../stats/StatsPanel.tsx';
import { SystemPanel, type LiveState } from '../system/SystemPanel.tsx';
import { describeSystem, SERVICE_LABELS } from '../system/system-view.ts';
import { useApi } from './api-context.tsx';

const STATUS_EVERY_MS = 5_000;
const STATUS_AFTER_POSITION_MS = 1_000;

/**
 * The page. It keeps the newest projection position it knows — from a command's or an import's
 * consistency token, the live stream, or a read — and hands it to every panel, so each reads data that
 * includes it: a purchase appears in history and statistics at once and totals never go back.
 */
export function App() {
  const api = useApi();
  const [knownPosition, setKnownPosition] = useState<string | null>(null);
  const raisePosition = useCallback((position: string | null) => setKnownPosition((current) => newerPosition(current, position)), []);
  const [coins, setCoins] = useState<string[]>([]);
  const [replicaStale, setReplicaStale] = useState(false);
  const [live, setLive] = useState<LiveState>('connecting');
  const system = useSystemStatus(knownPosition);

  useEffect(
    () =>
      api.watchPositions({
        position: raisePosition,
        connected: (connected) => setLive(connected ? 'live' : 'reconnecting'),
      }),
    [api, raisePosition],
  );

  const onCommand = useCallback((result: CommandResult) => raisePosition(result.consistencyToken), [raisePosition]);
  const onCoins = useCallback((next: string[]) => setCoins((current) => (current.join('\n') === next.join('\n') ? current : next)), []);
  const view = useMemo(() => (system.status ? describeSystem(system.status) : undefined), [system.status]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <h1>crypto-invest</h1>
        <nav aria-label="Sections">
          <a href="#record-title">Record</a>
          <a href="#import-title">Import</a>
          <a href="#stats-title">Statistics</a>
          <a href="#holdings-title">Holdings</a>
          <a href="#history-title">History</a>
          <a href="#system-title">System</a>
        </nav>
      </header>
      <main id="main">
        <div className="banners" aria-live="polite">
          {system.error?.status === null && (
            <p className="banner banner-error" role="alert">
              The dashboard server cannot be reached. Figures shown may be out of date; the page reconnects by itself.
            </p>
          )}
          {view?.unreachable.map((name) => (
            <p key={name} className="banner banner-error" role="alert" data-banner={`unreachable-${name}`}>
              {SERVICE_LABELS[name]} is unreachable.{' '}
              {name === 'command-api'
                ? 'Recording and voiding are unavailable until it is back.'
                : name === 'query-api'
                  ? 'History and statistics cannot update until it is back.'
                  : 'New purchases will not reach the statistics until it is back.'}
            </p>
          ))}
          {view?.projectorBehind && (
            <p className="banner banner-warning" role="status" data-banner="projector-behind">
              The projector is behind
              {view.projector?.lagEvents !== null && view.projector?.lagEvents !== undefined ? ` by ${view.projector.lagEvents} events` : ''}
              {view.projector?.lagSeconds !== null && view.projector?.lagSeconds !== undefined ? ` (${view.projector.lagSeconds} s)` : ''}: statistics may
              not include the latest purchases yet.
            </p>
          )}
          {(replicaStale || view?.replicaBehind) && (
            <p className="banner banner-warning" role="status" data-banner="replica-stale">
              The replica is behind the primary: the figures shown may miss the latest changes. They update by themselves once it catches up.
            </p>
          )}
        </div>
        <div className="layout">
          <RecordPanel onRecorded={onCommand} />
          <ImportPanel onImported={raisePosition} />
          <StatsPanel knownPosition={knownPosition} onPosition={raisePosition} onCoins={onCoins} onStale={setReplicaStale} />
          <HistoryPanel knownPosition={knownPosition} onPosition={raisePosition} onVoided={onCommand} coins={coins} />
          <SystemPanel status={system.status} view={view} error={system.error} live={live} position={knownPosition} />
        </div>
      </main>
    </>
  );
}

/** The system view, polled every few seconds and soon after the projection moves. */
function useSystemStatus(knownPosition: string | null) {
  const api = useApi();
  const [status, setStatus] = useState<SystemStatus | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const busy = useRef(false);

  const refresh = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    clearTimeout(timer.current);
    try {
      setStatus(await api.readSystemStatus());
      setError(undefined);
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : new ApiError(null, null));
    } finally {
      busy.current = false;
      timer.current = setTimeout(() => void refresh(), STATUS_EVERY_MS);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    return () => clearTimeout(timer.current);
  }, [refresh]);

  // The projection moved: lags changed; look again shortly (coalesced).
  useEffect(() => {
    if (!knownPosition) return;
    const soon = setTimeout(() => void refresh(), STATUS_AFTER_POSITION_MS);
    return () => clearTimeout(soon);
  }, [knownPosition, refresh]);

  return { status, error };
}
