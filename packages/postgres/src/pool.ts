import pg from 'pg';
import type { Logger } from '@crypto-invest/logger';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type QueryResultRow = pg.QueryResultRow;

export interface PoolSettings {
  url: string;
  /** Shown in pg_stat_activity.application_name. */
  name: string;
  max?: number;
  /** How long to wait for a connection (a down server answers within this bound). */
  connectTimeoutMs?: number;
  /** Server-side cap on one statement. */
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  logger: Logger;
}

// NUMERIC and BIGINT stay strings (pg's default): a JS number would lose digits.
// Decimal arithmetic happens in @crypto-invest/money.

/**
 * A pool whose idle-client errors are logged instead of crashing the process, with
 * bounded connect and statement times so a dead server gives an error, not a hang.
 */
export function createPool(settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.url,
    application_name: settings.name,
    max: settings.max ?? 10,
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 2_000,
    statement_timeout: settings.statementTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs ?? 15_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  pool.on('error', (error) => {
    settings.logger.warn({ err: errorSummary(error), pool: settings.name }, 'idle database connection failed');
  });
  // pg-pool listens for errors only on idle clients. One the server drops while it is
  // checked out but between statements (a primary shutting down sends FATAL 57P01 to every
  // session; a replica stopping; pg_terminate_backend) would emit 'error' with no listener
  // and crash the process. Keep a listener on every client: the next statement on it then
  // fails like any lost connection (the callers map that to a 503), and the pool discards it.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      settings.logger.debug({ err: errorSummary(error), pool: settings.name }, 'database connection failed');
    });
  });
  return pool;
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/**
 * Runs `work` in one transaction on one connection: COMMIT when it resolves,
 * ROLLBACK when it throws. A connection whose ROLLBACK failed is discarded.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { isolation?: Isolation; readOnly?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const mode = `${options.isolation ? ` isolation level ${options.isolation}` : ''}${options.readOnly ? ' read only' : ''}`;
    await client.query(`begin${mode}`);
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    try {
      await client.query('rollback');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/** SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for errors that mean "the server is not reachable or went away", as opposed to a bad query. */
export function isConnectionError(error: unknown): boolean {
  const state = sqlState(error);
  if (state) return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT...
  const message = String((error as Error | null)?.message ?? '');
  // "…is not queryable": pg's answer to a statement on a client whose connection already failed.
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|is not queryable/i.test(message);
}

const NOT_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * True for a connection error that happened before any statement was sent: the server was
 * never reached (refused, unknown, unreachable, connect time-out). A connection lost later,
 * under a statement or a COMMIT, is not one: that statement may have taken effect.
 */
export function isConnectFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NOT_REACHED.has(code)) return true;
  return /timeout exceeded when trying to connect|connection timeout/i.test(String((error as Error | null)?.message ?? ''));
}

/** A loggable summary of an error without query parameters or connection strings. */
export function errorSummary(error: unknown): { message: string; code?: string } {
  const e = error as { message?: unknown; code?: unknown };
  return { message: String(e?.message ?? error), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}
