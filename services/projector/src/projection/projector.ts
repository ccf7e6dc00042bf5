import { randomUUID } from 'node:crypto';
import { ORIGIN, comparePositions, type EventPosition } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import { errorSummary, type Pool } from '@crypto-invest/postgres';
import pRetry from 'p-retry';
import { InconsistentEventError } from '../statistics/statistics.ts';
import {
  applyNextBatch,
  readAhead,
  readCheckpoint,
  STATISTICS_PROJECTION,
  type BatchHooks,
  type BatchResult,
  type BatchTarget,
  type GenerationCache,
} from './apply-batch.ts';
import { Leadership } from './leadership.ts';
import { readProjectionProgress, type ProjectionProgress } from './projection-status.ts';
import {
  countEventsAfter,
  deleteReplacedGenerations,
  findOpenRebuild,
  loadRebuiltInvestmentTimes,
  markRunning,
  recordProgress,
  settleRebuiltInvestmentTimes,
  switchToRebuilt,
  type Rebuild,
} from './rebuilds.ts';
import { Alarm, SerialSection, sleep } from './sleep.ts';
import { WakeUp, type WakeReason } from './wake-up.ts';

export interface ProjectorSettings {
  /** Most events per live transaction. */
  batchSize: number;
  /** Most events per rebuild transaction. */
  rebuildBatchSize: number;
  /** Idle poll: the safety net under LISTEN (≤ 1 s). */
  pollIntervalMs: number;
  /** How often a standby tries to become the active instance. */
  leaderRetryMs: number;
  /** A held-back event older than this is reported as a stall. */
  stallReportAfterMs: number;
  /** Backoff between retries after a database error. */
  retryMinMs: number;
  retryMaxMs: number;
  /** How often a rebuild logs and stores its progress. */
  progressEveryMs: number;
}

export interface ProjectorDeps {
  /** The primary, as crypto_projector. */
  pool: Pool;
  /** Same server and role, for the dedicated LISTEN and lock sessions. */
  databaseUrl: string;
  logger: Logger;
  settings: ProjectorSettings;
  hooks?: BatchHooks;
}

export type ProjectorRole = 'starting' | 'standby' | 'active' | 'stopped';
export type ProjectorState = 'starting' | 'standby' | 'catching_up' | 'idle' | 'stalled' | 'retrying' | 'stopped';
export type BatchKind = 'live' | 'rebuild';

export interface AppliedBatch extends BatchResult {
  kind: BatchKind;
}

export interface ProjectorStatus {
  instanceId: string;
  role: ProjectorRole;
  state: ProjectorState;
  listening: boolean;
  progress: ProjectionProgress | null;
  /** Events per second applied to the active generation over the last ~10 s. */
  eventsPerSecond: number | null;
  lastError: { message: string; at: Date } | null;
}

interface RebuildRun {
  id: bigint;
  startedAt: number;
  processedAtStart: bigint;
  processed: bigint;
  /** Rate over the last progress interval. */
  eventsPerSecond: number;
}

/**
 * The projector process: holds the lock that makes it the active instance (or stands
 * by), wakes on NOTIFY, on every (re)connect and on an idle poll, and applies the
 * event log to the statistics read model batch by batch (see apply-batch.ts for the
 * exactly-once transaction). It never exits on a database error: every step is
 * retried with backoff (p-retry) and logged. The active instance also runs rebuilds.
 */
export class Projector {
  readonly instanceId = randomUUID();
  private role: ProjectorRole = 'starting';
  private state: ProjectorState = 'starting';
  private readonly stopping = new AbortController();
  private readonly alarm = new Alarm();
  /** The live loop and a rebuild's switch-over never overlap. */
  private readonly liveSection = new SerialSection();
  private readonly leadership: Leadership;
  private readonly wakeUp: WakeUp;
  private running: Promise<void> | undefined;
  private monitor: NodeJS.Timeout | undefined;
  private lastError: ProjectorStatus['lastError'] = null;
  private rebuild: RebuildRun | undefined;
  private stalled = false;
  /**
   * Look for rebuild requests on the next turn of the loop: set by a request or a
   * (re)connect, and at least once per poll interval otherwise — not after every
   * notification, where it would add a round trip between two batches of new events.
   */
  private rebuildCheckDue = true;
  private readonly samples: { at: number; generation: number; applied: bigint }[] = [];
  private readonly batchListeners: ((batch: AppliedBatch) => void)[] = [];
  private readonly statusListeners: ((status: ProjectorStatus) => void)[] = [];

  constructor(private readonly deps: ProjectorDeps) {
    const { logger, settings, databaseUrl } = deps;
    this.leadership = new Leadership({
      url: databaseUrl,
      lockName: `crypto-invest projector ${STATISTICS_PROJECTION}`,
      retryMs: settings.leaderRetryMs,
      heartbeatMs: 1_000,
      logger,
    });
    this.wakeUp = new WakeUp({ url: databaseUrl, logger, retryMaxMs: settings.retryMaxMs, onWake: (reason) => this.wake(reason) });
  }

  onBatch(listener: (batch: AppliedBatch) => void): void {
    this.batchListeners.push(listener);
  }

  /** Called about once a second with a fresh status (for gauges). */
  onStatus(listener: (status: ProjectorStatus) => void): void {
    this.statusListeners.push(listener);
  }

  start(): void {
    if (this.running) return;
    // One LISTEN subscriber for the life of the process: pg-listen cannot cancel a
    // reconnect loop in progress, so it is never closed and reopened on the way.
    void this.wakeUp.start();
    this.running = this.run();
    this.monitor = setInterval(() => void this.sample(), 1_000);
    this.monitor.unref();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.monitor);
    await this.running;
    await this.wakeUp.stop();
    this.role = 'stopped';
    this.state = 'stopped';
  }

  wake(reason: WakeReason | 'request' = 'request'): void {
    this.deps.logger.trace({ reason }, 'woken');
    if (reason !== 'notification') this.rebuildCheckDue = true;
    this.alarm.wake();
  }

  get isActive(): boolean {
    return this.role === 'active';
  }

  /** Current rebuild run on this instance (for rate/ETA), if any. */
  get localRebuild(): Readonly<RebuildRun> | undefined {
    return this.rebuild;
  }

  async status(): Promise<ProjectorStatus> {
    let progress: ProjectionProgress | null = null;
    try {
      progress = await readProjectionProgress(this.deps.pool, this.deps.settings.stallReportAfterMs);
    } catch (error) {
      this.noteError(error);
    }
    return {
      instanceId: this.instanceId,
      role: this.role,
      state: progress?.stall && this.role === 'active' ? 'stalled' : this.state,
      listening: this.wakeUp.isConnected,
      progress,
      eventsPerSecond: this.rate(),
      lastError: this.lastError,
    };
  }

  /**
   * Applies batches to the active generation until fewer than a full batch was read:
   * one "poll". Exposed for tests that need to control exactly when it runs.
   */
  async catchUp(signal: AbortSignal = this.stopping.signal): Promise<number> {
    return this.liveSection.run(async () => {
      let total = 0;
      while (!signal.aborted) {
        const batch = await applyNextBatch(this.deps.pool, { generation: 'active' }, this.deps.settings.batchSize, { hooks: this.deps.hooks });
        this.publish({ ...batch, kind: 'live' });
        total += batch.applied;
        if (batch.conflict) continue; // someone else moved it: read again from there
        if (batch.applied < this.deps.settings.batchSize) break;
        this.state = 'catching_up';
      }
      return total;
    });
  }

  // ------------------------------------------------------------------ the loop

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      this.role = 'standby';
      this.state = 'standby';
      const lost = await this.leadership.acquire(stop);
      if (!lost) break;
      this.role = 'active';
      this.state = 'catching_up';
      this.deps.logger.info({ instance: this.instanceId }, 'this instance is now the active projector');
      const leading = AbortSignal.any([lost, stop]);
      try {
        await this.lead(leading);
      } catch (error) {
        if (!leading.aborted) this.deps.logger.error({ err: error }, 'projector loop failed; starting over');
      }
      await this.leadership.release();
      if (!stop.aborted) {
        this.deps.logger.warn('lost the projector lock; standing by');
        await sleep(this.deps.settings.leaderRetryMs, stop);
      }
    }
    this.role = 'stopped';
    this.state = 'stopped';
  }

  private async lead(signal: AbortSignal): Promise<void> {
    let rebuildTask: Promise<void> | undefined;
    let cleanupTask: Promise<void> | undefined;
    const cleanUpInBackground = () => {
      cleanupTask ??= this.cleanUp(signal).finally(() => (cleanupTask = undefined));
    };
    cleanUpInBackground();
    let lastRebuildCheck = -Infinity;
    while (!signal.aborted) {
      const applied = await this.retrying('apply events', () => this.catchUp(signal), signal);
      if (signal.aborted) break;
      if (applied !== undefined) this.state = 'idle';
      if (!rebuildTask && (this.rebuildCheckDue || performance.now() - lastRebuildCheck >= this.deps.settings.pollIntervalMs)) {
        this.rebuildCheckDue = false;
        lastRebuildCheck = performance.now();
        const open = await this.retrying('look for rebuild requests', () => findOpenRebuild(this.deps.pool), signal, 1);
        if (open) {
          rebuildTask = this.runRebuild(open, signal)
            .catch((error) => this.deps.logger.error({ err: error, rebuild_id: open.id.toString() }, 'rebuild failed; it resumes on the next poll'))
            .finally(() => {
              rebuildTask = undefined;
              this.rebuild = undefined;
              cleanUpInBackground();
            });
        }
      }
      await this.alarm.wait(this.deps.settings.pollIntervalMs, signal);
    }
    await Promise.allSettled([rebuildTask, cleanupTask]);
  }

  /** p-retry with backoff for as long as it takes (or until `signal`); logs every failure. */
  private async retrying<T>(what: string, work: () => Promise<T>, signal: AbortSignal, retries = Infinity): Promise<T | undefined> {
    try {
      return await pRetry(work, {
        retries,
        minTimeout: this.deps.settings.retryMinMs,
        maxTimeout: this.deps.settings.retryMaxMs,
        factor: 2,
        randomize: true,
        signal,
        shouldRetry: () => !signal.aborted,
        onFailedAttempt: ({ error, attemptNumber }) => {
          if (signal.aborted) return;
          this.noteError(error);
          this.state = 'retrying';
          const level = error instanceof InconsistentEventError ? 'error' : 'warn';
          this.deps.logger[level]({ err: errorSummary(error), attempt: attemptNumber }, `${what} failed; retrying`);
        },
      });
    } catch (error) {
      if (!signal.aborted) this.deps.logger.error({ err: errorSummary(error) }, `${what} gave up`);
      return undefined;
    }
  }

  // ------------------------------------------------------------------ rebuilds

  private async runRebuild(requested: Rebuild, signal: AbortSignal): Promise<void> {
    const { pool, logger, settings } = this.deps;
    const log = logger.child({ rebuild_id: requested.id.toString(), generation: requested.generation });
    const target: BatchTarget = { generation: requested.generation };
    const remaining = await this.retrying('count events to rebuild', () => countEventsAfter(pool, requested.generation), signal);
    if (remaining === undefined) return;
    let total = requested.processedEvents + remaining;
    const rebuild = await this.retrying('start the rebuild', () => markRunning(pool, requested, total), signal);
    if (!rebuild) return;
    const run: RebuildRun = { id: rebuild.id, startedAt: performance.now(), processedAtStart: rebuild.processedEvents, processed: rebuild.processedEvents, eventsPerSecond: 0 };
    this.rebuild = run;
    log.info({ processed: run.processed, total }, rebuild.processedEvents ? 'resuming rebuild' : 'rebuild started');

    let lastReport = { at: performance.now(), processed: run.processed };
    const report = async () => {
      const now = performance.now();
      if (now - lastReport.at < settings.progressEveryMs) return;
      run.eventsPerSecond = Number(run.processed - lastReport.processed) / ((now - lastReport.at) / 1000);
      lastReport = { at: now, processed: run.processed };
      if (total < run.processed) total = run.processed;
      const etaSeconds = run.eventsPerSecond > 0 ? Number(total - run.processed) / run.eventsPerSecond : null;
      log.info(
        { processed: run.processed, total, events_per_second: Math.round(run.eventsPerSecond), eta_seconds: etaSeconds === null ? null : Math.ceil(etaSeconds) },
        'rebuild progress',
      );
      await recordProgress(pool, rebuild, total, run.eventsPerSecond).catch((error) => log.warn({ err: errorSummary(error) }, 'could not store rebuild progress'));
    };

    // Fill the new generation while the live loop keeps going. The bulk (the log as it
    // was when the rebuild started) is replayed with the generation's rows kept in
    // memory, without waiting for each commit's flush and without live investment
    // times, which one INSERT … SELECT fills meanwhile on another connection.
    const cache: { current?: GenerationCache } = {};
    // Each batch is read ahead on another connection while the previous one is written.
    const fill = async (options: { investmentTimes: boolean; until?: EventPosition }) => {
      const start = await this.retrying('read the rebuild checkpoint', () => readCheckpoint(pool, target), signal);
      if (!start) return false;
      const ahead = (after: EventPosition) => readAhead(pool, after, settings.rebuildBatchSize, options.until).catch(() => undefined);
      let next = ahead(start.position);
      for (;;) {
        const prefetched = await next;
        const end = prefetched?.events.at(-1)?.position;
        if (end) next = ahead(end);
        const batch = await this.retrying(
          'apply a rebuild batch',
          () => applyNextBatch(pool, target, settings.rebuildBatchSize, { ...options, cache, synchronousCommit: false, ...(prefetched ? { prefetched } : {}) }),
          signal,
        );
        if (!batch) return false; // leadership lost or stopping: the next active instance resumes it
        run.processed += BigInt(batch.applied);
        if (batch.applied) this.publish({ ...batch, kind: 'rebuild' });
        await report();
        if (!batch.conflict && batch.applied < settings.rebuildBatchSize) return true;
        // The read-ahead follows the batch it guessed; start again from where this one ended if it did not.
        if (!end || comparePositions(end, batch.position) !== 0) next = ahead(batch.position);
      }
    };
    if (!rebuild.investmentTimesSettled) {
      const since = performance.now();
      const seconds = () => Math.round((performance.now() - since) / 100) / 10;
      const loading = rebuild.investmentTimesLoaded
        ? Promise.resolve(true)
        : this.retrying('load the live investment times', () => loadRebuiltInvestmentTimes(pool, rebuild), signal).then((ok) => {
            if (ok) log.info({ seconds: seconds() }, 'rebuild: live investment times loaded');
            return ok;
          });
      const replayed = await fill({ investmentTimes: false, until: rebuild.bulkUntil ?? ORIGIN });
      if (replayed) log.info({ processed: run.processed, seconds: seconds() }, 'rebuild: bulk of the log replayed');
      if (!(await loading) || !replayed) return;
      if (!(await this.retrying('settle first/last investment times', () => settleRebuiltInvestmentTimes(pool, rebuild), signal))) return;
      cache.current = undefined; // first/last changed underneath it
      log.info({ seconds: seconds() }, 'rebuild: first/last investment times settled');
    }
    if (!(await fill({ investmentTimes: true }))) return;

    // Pause the live loop, apply what arrived meanwhile, switch readers over.
    const switched = await this.liveSection.run(async () => {
      for (;;) {
        const batch = await this.retrying('finish the rebuild', () => applyNextBatch(pool, target, settings.rebuildBatchSize, { cache }), signal);
        if (!batch) return undefined;
        run.processed += BigInt(batch.applied);
        if (batch.applied) this.publish({ ...batch, kind: 'rebuild' });
        if (batch.applied || batch.conflict) continue;
        const seconds = (performance.now() - run.startedAt) / 1000;
        const rate = seconds > 0 ? Number(run.processed - run.processedAtStart) / seconds : 0;
        const result = await this.retrying('switch to the rebuilt generation', () => switchToRebuilt(pool, rebuild, rate), signal);
        if (!result) return undefined;
        if (result.switched) return { ...result, seconds, rate };
      }
    });
    if (!switched) return;
    log.info(
      { replaced_generation: switched.replaced, events: run.processed, seconds: Math.round(switched.seconds * 10) / 10, events_per_second: Math.round(switched.rate) },
      'rebuild completed; readers now use the new generation',
    );
  }

  private async cleanUp(signal: AbortSignal): Promise<void> {
    await this.retrying('delete replaced generations', () => deleteReplacedGenerations(this.deps.pool, this.deps.logger, signal), signal);
  }

  // ------------------------------------------------------------------ observing

  private publish(batch: AppliedBatch): void {
    if (batch.applied) this.deps.logger.debug({ kind: batch.kind, generation: batch.generation, events: batch.applied }, 'batch applied');
    for (const listener of this.batchListeners) listener(batch);
  }

  private noteError(error: unknown): void {
    this.lastError = { message: errorSummary(error).message, at: new Date() };
  }

  private async sample(): Promise<void> {
    const status = await this.status();
    const progress = status.progress;
    if (progress) {
      const now = performance.now();
      if (this.samples.at(-1)?.generation !== progress.generation) this.samples.length = 0;
      this.samples.push({ at: now, generation: progress.generation, applied: progress.checkpoint.eventsApplied });
      while (this.samples.length > 11) this.samples.shift();
      this.reportStall(progress);
    }
    for (const listener of this.statusListeners) listener({ ...status, eventsPerSecond: this.rate() });
  }

  private rate(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at === first.at) return null;
    return Number(last.applied - first.applied) / ((last.at - first.at) / 1000);
  }

  private reportStall(progress: ProjectionProgress): void {
    const stall = progress.stall;
    if (stall && !this.stalled) {
      this.deps.logger.warn(
        {
          held_back_events: stall.heldBackEvents.toString(),
          waiting_seconds: Math.round(stall.seconds),
          blocking: stall.blocking && {
            pid: stall.blocking.pid,
            user: stall.blocking.user,
            application_name: stall.blocking.applicationName,
            state: stall.blocking.state,
            transaction_seconds: stall.blocking.transactionSeconds && Math.round(stall.blocking.transactionSeconds),
          },
        },
        'projection stalled: committed events wait behind an open transaction (pg_snapshot_xmin is held back)',
      );
    } else if (!stall && this.stalled) {
      this.deps.logger.info('projection stall ended');
    }
    this.stalled = Boolean(stall);
  }
}
