import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/api-error.ts';
import type { Read } from '../api/model.ts';
import { hasReachedPosition, isOlder } from './positions.ts';

const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 15_000;

export interface LiveRead<T> {
  data: T | undefined;
  /** The last read failed (the data shown, if any, is from before). */
  error: ApiError | undefined;
  loading: boolean;
  /** The data shown may miss recent writes (the API's wait ran out, or it is older than we know exists). */
  stale: boolean;
  position: string | null;
  reload(): void;
}

/**
 * Reads from the query API and keeps the view fresh without ever going back in time:
 * - every read carries the newest position the page knows (`knownPosition`: a command's consistency
 *   token, a position from the live stream), so the query API answers with data that includes it;
 * - a read is re-done when `knownPosition` moves past what is shown (one read in flight at a time,
 *   one more queued at most), and when `key` (the filters) changes;
 * - an answer older than what is shown for the same key is dropped, so totals never flick back.
 */
export function useLiveRead<T>(
  key: string,
  load: (token: string | null, signal: AbortSignal) => Promise<Read<T>>,
  knownPosition: string | null,
  onPosition?: (position: string) => void,
): LiveRead<T> {
  const [state, setState] = useState<{ key: string; data: T | undefined; position: string | null; stale: boolean }>({
    key,
    data: undefined,
    position: null,
    stale: false,
  });
  const [error, setError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);

  const shown = useRef(state);
  shown.current = state;
  const latest = useRef({ load, knownPosition, onPosition, key });
  latest.current = { load, knownPosition, onPosition, key };
  const running = useRef<{ key: string; controller: AbortController } | null>(null);
  const queued = useRef(false);
  const failures = useRef(0);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const run = useCallback(() => {
    const { key: runKey, knownPosition: token } = latest.current;
    if (running.current) {
      if (running.current.key === runKey) {
        queued.current = true;
        return;
      }
      running.current.controller.abort();
    }
    clearTimeout(retryTimer.current);
    const controller = new AbortController();
    running.current = { key: runKey, controller };
    setLoading(true);
    latest.current
      .load(token, controller.signal)
      .then((read) => {
        if (controller.signal.aborted) return;
        const current = shown.current;
        if (current.key === runKey && current.data !== undefined && isOlder(read.position, current.position)) {
          setState({ ...current, stale: true });
        } else {
          setState({ key: runKey, data: read.data, position: read.position, stale: read.stale });
        }
        setError(undefined);
        failures.current = 0;
        if (read.position) latest.current.onPosition?.(read.position);
      })
      .catch((reason: unknown) => {
        if (controller.signal.aborted) return;
        setError(reason instanceof ApiError ? reason : new ApiError(null, { detail: String(reason) }));
        // Retry by itself, backing off to every 15 s while the API stays away.
        failures.current += 1;
        retryTimer.current = setTimeout(run, Math.min(RETRY_BASE_MS * 2 ** (failures.current - 1), RETRY_MAX_MS));
      })
      .finally(() => {
        if (running.current?.controller !== controller) return;
        running.current = null;
        setLoading(false);
        if (queued.current) {
          queued.current = false;
          run();
        }
      });
  }, []);

  const handledReloads = useRef(0);
  useEffect(() => {
    const forced = reloads !== handledReloads.current;
    handledReloads.current = reloads;
    const current = shown.current;
    // A new position only matters when the data shown does not already include it.
    if (!forced && current.key === key && current.data !== undefined && hasReachedPosition(current.position, knownPosition)) return;
    run();
  }, [key, knownPosition, reloads, run]);

  useEffect(
    () => () => {
      running.current?.controller.abort();
      clearTimeout(retryTimer.current);
    },
    [],
  );

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const data = state.key === key ? state.data : undefined;
  return { data, error, loading, stale: state.stale, position: state.position, reload };
}
