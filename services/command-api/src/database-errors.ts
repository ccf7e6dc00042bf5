import { DomainError } from '@crypto-invest/contracts';
import { isConnectionError, sqlState } from '@crypto-invest/postgres';

// Lock or statement time-outs and lost connections are the database being unavailable,
// not a bug: the client gets a 503 it can retry, and nothing was written (the
// transaction rolled back). Anything else goes on to the one error handler (500).
const TIMEOUTS = new Set(['57014', '55P03', '25P03', '40P01']);

/** Use as `.catch(databaseUnavailable)` on database work. */
export function databaseUnavailable(error: unknown): never {
  if (error instanceof DomainError) throw error;
  const state = sqlState(error);
  if (isConnectionError(error) || (state && TIMEOUTS.has(state))) {
    throw new DomainError(
      'unavailable',
      'database-unavailable',
      'Database unavailable',
      'the database did not answer in time; nothing was recorded, please retry',
      { retryAfterSeconds: 1 },
    );
  }
  throw error;
}
