import { DomainError } from '@crypto-invest/contracts';
import { isConnectFailure, isConnectionError, sqlState } from '@crypto-invest/postgres';

// Lock or statement time-outs and lost connections are the database being unavailable,
// not a bug: the client gets a 503 it can retry. What it may assume differs: a
// time-out rolled the transaction back, and a connection that was never made wrote
// nothing; but a connection lost while a statement or COMMIT was under way may have
// lost only the answer — the write may have committed. Only an Idempotency-Key retry
// is safe then, and the answer says so. Anything else goes on to the one error handler (500).
const TIMEOUTS = new Set(['57014', '55P03', '25P03', '40P01']);

/** Use as `.catch(databaseUnavailable)` on database work. */
export function databaseUnavailable(error: unknown): never {
  if (error instanceof DomainError) throw error;
  const state = sqlState(error);
  if (state && TIMEOUTS.has(state)) throw unavailable('the database did not answer in time; nothing was recorded, please retry');
  if (isConnectionError(error)) {
    throw unavailable(
      isConnectFailure(error)
        ? 'the database could not be reached; nothing was recorded, please retry'
        : 'the connection to the database was lost before it answered: the write may or may not have been recorded. ' +
            'Retry with the same Idempotency-Key (it is then recorded exactly once), or check GET /history before retrying without one',
    );
  }
  throw error;
}

function unavailable(detail: string): DomainError {
  return new DomainError('unavailable', 'database-unavailable', 'Database unavailable', detail, { retryAfterSeconds: 1 });
}
