import { comparePositions, hasReached, type EventPosition } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import { errorSummary } from '@crypto-invest/postgres';
import type { ReadSource, ReadSources } from '../replicas/read-sources.ts';
import { CoalescedPoll } from './coalesced-poll.ts';
import { readProjectionState, type ProjectionState } from './projection-state.ts';

export interface PositionWatcherOptions {
  /** Poll interval while a request waits for a consistency token. */
  pollMs: number;
  /** Poll interval while /stream clients are connected (and nobody waits). */
  streamPollMs: number;
  logger: Logger;
}

interface Waiter {
  target: EventPosition;
  resolve: (source: ReadSource | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * The one place that watches each replica's projection position (NOTIFY does not
 * reach a standby, so it polls). It polls fast only while a request waits for a
 * consistency token, at the stream interval while /stream clients listen, and
 * otherwise relies on the health checks and on the positions that reads see in
 * their own snapshots. Waiting requests and SSE clients share the same polls: a
 * thousand waiters cost one query per replica per interval.
 */
export class PositionWatcher {
  private readonly polls = new Map<string, CoalescedPoll<ProjectionState>>();
  private readonly latest = new Map<string, ProjectionState>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(state: ProjectionState) => void>();
  private newestState: ProjectionState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scheduledMs = Infinity;
  private stopped = false;

  constructor(
    private readonly sources: ReadSources,
    private readonly options: PositionWatcherOptions,
  ) {}

  /**
   * The source's projection state from a query that started after this call
   * (concurrent callers share it). Rejects when the source cannot be reached.
   */
  async observe(source: ReadSource): Promise<ProjectionState> {
    let poll = this.polls.get(source.name);
    if (!poll) {
      poll = new CoalescedPoll(() => readProjectionState(source.pool));
      this.polls.set(source.name, poll);
    }
    try {
      const state = await poll.next();
      this.sources.markAnswered(source);
      this.record(source, state);
      return state;
    } catch (error) {
      this.sources.markFailed(source, error);
      throw error;
    }
  }

  /** Takes note of a state seen on a source (by a poll, a health check or a read's snapshot). */
  record(source: ReadSource, state: ProjectionState): void {
    const previous = this.latest.get(source.name);
    // A snapshot read that started before a newer poll finished can report an older state: keep the newest.
    if (!previous || comparePositions(state.position, previous.position) >= 0) this.latest.set(source.name, state);
    for (const waiter of this.waiters) {
      if (hasReached(state.position, waiter.target)) this.settle(waiter, source);
    }
    if (!this.counts(source)) return;
    if (!this.newestState || comparePositions(state.position, this.newestState.position) > 0) {
      this.newestState = state;
      for (const listener of this.listeners) listener(state);
    }
  }

  /** The newest projection state any usable replica has shown. */
  newest(): ProjectionState | undefined {
    return this.newestState;
  }

  latestOf(source: ReadSource): ProjectionState | undefined {
    return this.latest.get(source.name);
  }

  /** The usable source whose last known position is the highest (for "the freshest data" after a wait ran out). */
  freshestSource(): ReadSource | undefined {
    let best: { source: ReadSource; state: ProjectionState } | undefined;
    for (const source of this.watched()) {
      const state = this.latest.get(source.name);
      if (state && (!best || comparePositions(state.position, best.state.position) > 0)) best = { source, state };
    }
    return best?.source;
  }

  /**
   * Resolves with a source whose projection has reached `target`, or undefined when
   * `timeoutMs` passes first. Polls every `pollMs` while anyone waits.
   */
  waitFor(target: EventPosition, timeoutMs: number): Promise<ReadSource | undefined> {
    for (const source of this.watched()) {
      const state = this.latest.get(source.name);
      if (state && hasReached(state.position, target)) return Promise.resolve(source);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        target,
        resolve,
        timer: setTimeout(() => this.settle(waiter, undefined), timeoutMs),
      };
      this.waiters.add(waiter);
      this.wake();
    });
  }

  /** Calls `listener` whenever the newest position advances. Returns the unsubscribe function. */
  subscribe(listener: (state: ProjectionState) => void): () => void {
    this.listeners.add(listener);
    this.wake();
    return () => {
      this.listeners.delete(listener);
    };
  }

  get waiting(): number {
    return this.waiters.size;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const waiter of this.waiters) this.settle(waiter, undefined);
  }

  /** Replicas not known to be down; the primary fallback only while no replica is. */
  private watched(): ReadSource[] {
    const replicas = this.sources.pollable();
    if (replicas.length > 0) return replicas;
    return this.sources.fallback ? [this.sources.fallback] : [];
  }

  private counts(source: ReadSource): boolean {
    return this.watched().includes(source);
  }

  private settle(waiter: Waiter, source: ReadSource | undefined): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.resolve(source);
  }

  private interval(): number | undefined {
    if (this.waiters.size > 0) return this.options.pollMs;
    if (this.listeners.size > 0) return this.options.streamPollMs;
    return undefined;
  }

  /** Starts polling at once when someone starts waiting or listening. */
  private wake(): void {
    if (this.stopped) return;
    const wanted = this.interval();
    if (this.timer !== undefined && wanted !== undefined && wanted >= this.scheduledMs) return;
    clearTimeout(this.timer);
    this.tick();
  }

  // Each source is polled on its own (not awaited together): a replica whose connect
  // hangs until the timeout must not hold back the polls of the healthy ones. The
  // coalesced poll keeps at most one query in flight and one queued per source.
  private tick(): void {
    this.timer = undefined;
    const interval = this.interval();
    if (this.stopped || interval === undefined) return;
    // Replicas believed down are polled too while someone waits: one coming back is noticed at once.
    const targets = this.waiters.size > 0 ? [...new Set([...this.watched(), ...this.sources.replicas])] : this.watched();
    for (const source of targets) {
      this.observe(source).catch((error: unknown) => {
        this.options.logger.debug({ source: source.name, err: errorSummary(error) }, 'position poll failed');
      });
    }
    this.scheduledMs = interval;
    this.timer = setTimeout(() => this.tick(), interval);
    this.timer.unref();
  }
}
