import type { Logger } from '@crypto-invest/logger';
import { errorSummary, isConnectionError, type Pool } from '@crypto-invest/postgres';
import { ReplayLagClock, sampleReplication, type ReplicationFacts } from './replication-health.ts';

/** A server reads can go to: a hot-standby replica, or the primary when READ_FALLBACK=primary. */
export interface ReadSource {
  /** `replica-1`, `replica-2`, …, or `primary`. */
  name: string;
  role: 'replica' | 'primary';
  pool: Pool;
  /** host:port, for /ready and logs (never the credentials). */
  address: string;
}

export interface SourceHealth {
  /** undefined until the first check answered or failed. */
  reachable: boolean | undefined;
  checkedAt: number | undefined;
  error?: string;
  replication?: ReplicationFacts;
}

export interface ReadSourcesOptions {
  replicas: ReadSource[];
  /** Present only when READ_FALLBACK=primary. */
  fallback?: ReadSource;
  maxLagMs: number;
  healthCheckIntervalMs: number;
  logger: Logger;
  /** Called after each health check, answered or not (metrics; the position watcher's idle poll). */
  onChecked?: (source: ReadSource, health: SourceHealth) => void | Promise<void>;
}

/**
 * The replicas (and the optional primary fallback) with what is known about each:
 * reachable or not, replication lag. Decides where a read goes: healthy replicas in
 * turn, a replica beyond the lag bound only when no other is within it, the primary
 * only when no replica is reachable and the fallback is on, and as a last resort a
 * replica believed down (its connect timeout bounds the attempt, and a success
 * brings it back at once instead of after the next health check).
 */
export class ReadSources {
  private readonly health = new Map<string, SourceHealth>();
  private readonly lagClocks = new Map<string, ReplayLagClock>();
  private turn = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ReadSourcesOptions) {
    for (const source of this.all()) {
      this.health.set(source.name, { reachable: undefined, checkedAt: undefined });
      this.lagClocks.set(source.name, new ReplayLagClock());
    }
  }

  all(): ReadSource[] {
    return this.options.fallback ? [...this.options.replicas, this.options.fallback] : [...this.options.replicas];
  }

  get replicas(): readonly ReadSource[] {
    return this.options.replicas;
  }

  get fallback(): ReadSource | undefined {
    return this.options.fallback;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get maxLagMs(): number {
    return this.options.maxLagMs;
  }

  byName(name: string): ReadSource | undefined {
    return this.all().find((s) => s.name === name);
  }

  healthOf(source: ReadSource): SourceHealth {
    return this.health.get(source.name)!;
  }

  /**
   * A source that answered its last check (or a read), is within the lag bound and,
   * for a replica, is streaming (one cut off from the primary falls behind unseen).
   */
  isPreferred(source: ReadSource): boolean {
    const h = this.healthOf(source);
    if (h.reachable === false) return false;
    if (!h.replication) return true;
    if (source.role === 'replica' && h.replication.inRecovery && !h.replication.streaming) return false;
    return h.replication.lagSeconds * 1000 <= this.options.maxLagMs;
  }

  /** Replicas worth polling for the projection position: every one not known to be down. */
  pollable(): ReadSource[] {
    return this.options.replicas.filter((s) => this.healthOf(s).reachable !== false);
  }

  /**
   * Where to send a read, best first. `prefer` (a source chosen already: one that
   * reached a token, or picked by an earlier call) goes first and does not take a turn.
   */
  candidates(prefer?: ReadSource): ReadSource[] {
    const replicas = this.options.replicas;
    const start = (prefer ? this.turn : this.turn++) % Math.max(1, replicas.length);
    const rotated = [...replicas.slice(start), ...replicas.slice(0, start)];
    const up = rotated.filter((s) => this.healthOf(s).reachable !== false);
    const withinLag = up.filter((s) => this.isPreferred(s));
    const lagging = up
      .filter((s) => !this.isPreferred(s))
      .sort((a, b) => (this.healthOf(a).replication?.lagSeconds ?? 0) - (this.healthOf(b).replication?.lagSeconds ?? 0));
    const down = rotated.filter((s) => this.healthOf(s).reachable === false);
    const fallback = this.options.fallback && up.length === 0 ? [this.options.fallback] : [];
    const ordered = [...withinLag, ...lagging, ...fallback, ...down];
    if (prefer && ordered.includes(prefer)) return [prefer, ...ordered.filter((s) => s !== prefer)];
    return ordered;
  }

  /** A read or check failed to reach the server: route around it until it answers again. */
  markFailed(source: ReadSource, error: unknown): void {
    // A pool whose connections are all busy times out waiting for one: that is load, not a dead server.
    if (!isConnectionError(error) || poolSaturated(source)) return;
    const h = this.healthOf(source);
    if (h.reachable !== false) this.options.logger.warn({ source: source.name, address: source.address, err: errorSummary(error) }, 'read source unreachable');
    this.health.set(source.name, { ...h, reachable: false, error: errorSummary(error).message, checkedAt: Date.now() });
  }

  markAnswered(source: ReadSource): void {
    const h = this.healthOf(source);
    if (h.reachable === false) this.options.logger.info({ source: source.name, address: source.address }, 'read source reachable again');
    if (h.reachable !== true) this.health.set(source.name, { ...h, reachable: true, error: undefined });
  }

  /** Checks every source once (reachability, replication lag). */
  async checkAll(): Promise<void> {
    await Promise.all(this.all().map((source) => this.check(source)));
  }

  async check(source: ReadSource): Promise<SourceHealth> {
    try {
      const sample = await sampleReplication(source.pool, source.role);
      const replication = this.lagClocks.get(source.name)!.observe(sample, Date.now());
      this.markAnswered(source);
      this.health.set(source.name, { reachable: true, checkedAt: Date.now(), replication });
    } catch (error) {
      const h = this.healthOf(source);
      if (isConnectionError(error)) this.markFailed(source, error);
      else this.health.set(source.name, { ...h, checkedAt: Date.now(), error: errorSummary(error).message });
    }
    const health = this.healthOf(source);
    await this.options.onChecked?.(source, health);
    return health;
  }

  /** Checks every source now and then every `healthCheckIntervalMs` until stop(). */
  async start(): Promise<void> {
    await this.checkAll();
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.checkAll().finally(loop);
      }, this.options.healthCheckIntervalMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

function poolSaturated(source: ReadSource): boolean {
  const pool = source.pool as ReadSource['pool'] & { options?: { max?: number } };
  return pool.totalCount >= (pool.options?.max ?? 10) && pool.idleCount === 0;
}
