import type { Logger } from '@crypto-invest/logger';
import { errorSummary } from '@crypto-invest/postgres';
import pg from 'pg';
import { sleep } from './sleep.ts';

export interface LeadershipSettings {
  url: string;
  /** Advisory lock name; instances of the same projection on the same database compete for it. */
  lockName: string;
  /** How often a standby tries to take the lock. */
  retryMs: number;
  /** How often the holder checks that its lock session is alive. */
  heartbeatMs: number;
  logger: Logger;
}

/**
 * One active projector per database: a session-level advisory lock held on a
 * dedicated connection. A standby retries every `retryMs`; when the holder dies its
 * connection closes, PostgreSQL releases the lock and the standby takes over within
 * about one retry interval. (Correctness never depends on the lock: the checkpoint's
 * compare-and-set makes a double apply impossible even if two instances run.)
 */
export class Leadership {
  private client: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lost: AbortController | undefined;

  constructor(private readonly settings: LeadershipSettings) {}

  /**
   * Resolves once this instance holds the lock, with a signal that fires when the
   * lock session is lost; undefined when `stop` fired first.
   */
  async acquire(stop: AbortSignal): Promise<AbortSignal | undefined> {
    const { logger } = this.settings;
    let waitingLogged = false;
    while (!stop.aborted) {
      try {
        const client = this.client ?? (await this.connect());
        const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [
          this.settings.lockName,
        ]);
        if (rows[0]!.locked) {
          this.watch(client);
          return this.lost!.signal;
        }
        if (!waitingLogged) logger.info({ lock: this.settings.lockName }, 'another projector instance is active; standing by');
        waitingLogged = true;
      } catch (error) {
        logger.warn({ err: errorSummary(error) }, 'could not reach the primary to take the projector lock; retrying');
        await this.release();
      }
      await sleep(this.settings.retryMs, stop);
    }
    return undefined;
  }

  /** Gives the lock up (closing its session releases it). */
  async release(): Promise<void> {
    const client = this.client;
    this.drop();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.settings.url,
      application_name: 'projector-leader',
      connectionTimeoutMillis: 3_000,
      query_timeout: 5_000,
      keepAlive: true,
    });
    client.on('error', (error) => {
      this.settings.logger.warn({ err: errorSummary(error) }, 'projector lock session failed');
      this.loseLock(client);
    });
    client.on('end', () => this.loseLock(client));
    this.client = client;
    await client.connect();
    // Let the server notice a vanished holder quickly (its lock is released when it does).
    await client.query(`set tcp_keepalives_idle = 5; set tcp_keepalives_interval = 2; set tcp_keepalives_count = 3`);
    return client;
  }

  private watch(client: pg.Client): void {
    this.lost = new AbortController();
    this.heartbeat = setInterval(() => {
      client.query('select 1').catch((error) => {
        this.settings.logger.warn({ err: errorSummary(error) }, 'projector lock session stopped answering');
        this.loseLock(client);
      });
    }, this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  private loseLock(client: pg.Client): void {
    if (client !== this.client) return;
    this.drop();
    client.end().catch(() => undefined);
  }

  private drop(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.client = undefined;
    this.lost?.abort(new Error('projector lock session lost'));
    this.lost = undefined;
  }
}
