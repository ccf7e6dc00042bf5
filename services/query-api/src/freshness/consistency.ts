import { decodePosition, hasReached, invalidFields, type EventPosition, type FieldProblem } from '@crypto-invest/contracts';
import type { ReadSource } from '../replicas/read-sources.ts';
import type { PositionWatcher } from './position-watcher.ts';
import type { ProjectionState } from './projection-state.ts';

export const CONSISTENCY_HEADER = 'X-Consistency-Token';
export const POSITION_HEADER = 'X-Projection-Position';
export const STALE_HEADER = 'X-Read-Stale';

const TOKEN_REASON = 'must be a consistency token as returned by the command API (<transaction id>.<event id>)';

/**
 * The position a request asks to see, from the `X-Consistency-Token` header or the
 * `after` query parameter (the later of the two when both are given); undefined when
 * neither is. A malformed token is a 400 naming where it came from.
 */
export function consistencyTarget(header: string | undefined, query: string | undefined): EventPosition | undefined {
  const problems: FieldProblem[] = [];
  const parse = (value: string | undefined, field: string) => {
    if (value === undefined || value === '') return undefined;
    const position = decodePosition(value);
    if (!position) problems.push({ field, reason: TOKEN_REASON });
    return position;
  };
  const fromHeader = parse(header, CONSISTENCY_HEADER);
  const fromQuery = parse(query, 'after');
  if (problems.length > 0) throw invalidFields(problems);
  if (fromHeader && fromQuery) return hasReached(fromHeader, fromQuery) ? fromHeader : fromQuery;
  return fromHeader ?? fromQuery;
}

/** The headers that say what a response reflects. */
export function freshnessHeaders(state: ProjectionState, stale: boolean): Record<string, string> {
  return stale ? { [POSITION_HEADER]: state.token, [STALE_HEADER]: 'true' } : { [POSITION_HEADER]: state.token };
}

export interface ConsistentResult<T> {
  result: T;
  /** A token was given and the wait for it ran out: the data is the freshest we have, but older than asked. */
  stale: boolean;
}

/**
 * Read-your-writes: with a target, waits (bounded by `waitMs`) until a replica's
 * projection reaches it, reads there, and checks the position the read's own
 * snapshot saw. Past the bound it reads from the freshest replica and says stale.
 */
export class ConsistentReads {
  constructor(
    private readonly watcher: PositionWatcher,
    private readonly waitMs: number,
    private readonly onWait?: (outcome: 'reached' | 'timed_out', seconds: number) => void,
  ) {}

  async read<T extends { state: ProjectionState }>(
    target: EventPosition | undefined,
    read: (prefer?: ReadSource) => Promise<T>,
    /** Releases a result that is thrown away (a snapshot left open for streaming). */
    discard?: (result: T) => Promise<void>,
  ): Promise<ConsistentResult<T>> {
    if (!target) return { result: await read(), stale: false };
    const started = performance.now();
    const deadline = started + this.waitMs;
    for (;;) {
      const reached = await this.watcher.waitFor(target, Math.max(0, deadline - performance.now()));
      const result = await read(reached ?? this.watcher.freshestSource());
      if (hasReached(result.state.position, target)) {
        this.onWait?.('reached', (performance.now() - started) / 1000);
        return { result, stale: false };
      }
      if (!reached || performance.now() >= deadline) {
        this.onWait?.('timed_out', (performance.now() - started) / 1000);
        return { result, stale: true };
      }
      // Another replica answered than the one that had reached the target: wait and read again.
      await discard?.(result);
    }
  }
}
