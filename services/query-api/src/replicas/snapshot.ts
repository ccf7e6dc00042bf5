import { DomainError } from '@crypto-invest/contracts';
import { errorSummary, isConnectionError, sqlState, type PoolClient } from '@crypto-invest/postgres';
import type { ReadSource, ReadSources } from './read-sources.ts';

/**
 * A consistent view of one read source: a REPEATABLE READ READ ONLY transaction
 * (every query in it sees the same snapshot), or — with `transaction: false` — a
 * connection for one statement, which sees one snapshot by itself and saves the
 * BEGIN and COMMIT round trips.
 */
export interface Snapshot {
  client: PoolClient;
  source: ReadSource;
}

export interface OpenSnapshot extends Snapshot {
  /** COMMIT and release (ROLLBACK and drop the connection when `failure` says it broke). */
  close(failure?: unknown): Promise<void>;
}

// Queries on a hot standby can be cancelled when replay must remove rows they might see.
const RECOVERY_CONFLICT = '40001';
const STATEMENT_TIMEOUT = '57014';

/**
 * Opens a snapshot on the best read source and runs `prepare` in it, leaving it open
 * for the caller (a streamed response keeps reading from it). A read cancelled by a
 * recovery conflict is retried once, as is a connection that broke under a query; a
 * source that cannot be reached is marked down and the next one is tried once. Past
 * that, a 503 problem — never a hang: connects are bounded by the pool's connect
 * timeout, statements by its statement timeout.
 */
export async function openSnapshot<T>(
  sources: ReadSources,
  prepare: (snapshot: Snapshot) => Promise<T>,
  options: SnapshotOptions = {},
): Promise<{ value: T; snapshot: OpenSnapshot }> {
  const transaction = options.transaction ?? true;
  const candidates = sources.candidates(options.prefer);
  let index = 0;
  let conflictRetried = false;
  let reconnected = false;
  let lastError: unknown;
  while (index < candidates.length && index < 2) {
    const source = candidates[index]!;
    let client: PoolClient;
    try {
      client = await source.pool.connect();
    } catch (error) {
      lastError = error;
      sources.markFailed(source, error);
      index += 1;
      continue;
    }
    try {
      if (transaction) await client.query('begin isolation level repeatable read read only');
      const value = await prepare({ client, source });
      sources.markAnswered(source);
      return { value, snapshot: { client, source, close: (failure) => closeSnapshot(client, transaction, failure) } };
    } catch (error) {
      await closeSnapshot(client, transaction, error);
      lastError = error;
      if (sqlState(error) === RECOVERY_CONFLICT && !conflictRetried) {
        conflictRetried = true;
        continue;
      }
      if (isConnectionError(error)) {
        // A pooled connection the server dropped (a restart) fails only once: try a fresh one first.
        if (!reconnected) {
          reconnected = true;
          continue;
        }
        sources.markFailed(source, error);
        index += 1;
        continue;
      }
      if (sqlState(error) === RECOVERY_CONFLICT || sqlState(error) === STATEMENT_TIMEOUT) {
        sources.logger.warn({ source: source.name, err: errorSummary(error) }, 'read failed');
        throw unavailable(sqlState(error) === STATEMENT_TIMEOUT ? 'the replica did not answer in time' : 'the replica cancelled the read twice to replay changes (recovery conflict)');
      }
      throw error;
    }
  }
  if (lastError !== undefined) sources.logger.warn({ err: errorSummary(lastError) }, 'no read source answered');
  throw unavailable(candidates.length === 0 ? 'no read source is configured' : 'no replica could be reached');
}

/** Runs `work` in a snapshot and closes it. */
export async function withSnapshot<T>(
  sources: ReadSources,
  work: (snapshot: Snapshot) => Promise<T>,
  options: SnapshotOptions = {},
): Promise<{ value: T; source: ReadSource }> {
  const { value, snapshot } = await openSnapshot(sources, work, options);
  await snapshot.close();
  return { value, source: snapshot.source };
}

export interface SnapshotOptions {
  /** A source known to have reached a consistency token: tried first. */
  prefer?: ReadSource;
  /** false: one statement, no BEGIN/COMMIT (default true). */
  transaction?: boolean;
}

async function closeSnapshot(client: PoolClient, transaction: boolean, failure?: unknown): Promise<void> {
  if (!transaction) {
    client.release(failure !== undefined && isConnectionError(failure) ? (failure as Error) : undefined);
    return;
  }
  if (failure === undefined) {
    try {
      await client.query('commit');
      client.release();
    } catch (error) {
      client.release(error as Error);
    }
    return;
  }
  if (isConnectionError(failure)) {
    client.release(failure as Error);
    return;
  }
  try {
    await client.query('rollback');
    client.release();
  } catch (error) {
    client.release(error as Error);
  }
}

function unavailable(detail: string): DomainError {
  return new DomainError('unavailable', 'replica-unavailable', 'Read replica unavailable', `${detail}; try again shortly`, { retryAfterSeconds: 1 });
}
