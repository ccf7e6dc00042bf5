import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@crypto-invest/logger';
import { createPool, isConnectionError, withTransaction, type Pool } from '@crypto-invest/postgres';
import { freshDatabase, type TestDatabase } from '@crypto-invest/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Found by the fault run: a primary restart sends FATAL 57P01 to every session. A pooled
// connection that was checked out but between two statements had no 'error' listener
// (pg-pool keeps one on idle clients only), so the error was thrown out of the event loop
// and the command API (and the projector) exited. createPool now listens on every client.
describe('a connection dropped while a transaction holds it', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await freshDatabase();
    pool = createPool({ url: db.url('command'), name: 'connection-loss-test', max: 2, logger: createLogger({ service: 'test', level: 'silent' }) });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('fails that transaction like any lost connection, and the process and the pool carry on', async () => {
    const outcome = withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      // Between statements: the server ends the session (as a fast shutdown does) …
      await db.admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await sleep(300);
      // … and the next statement fails.
      await client.query('select 1');
    });
    const error = await outcome.then(() => undefined, (e: unknown) => e);
    expect(error).toBeDefined();
    expect(isConnectionError(error)).toBe(true);
    // The broken connection was discarded: the pool hands out a working one.
    const { rows } = await pool.query<{ ok: number }>('select 1 as ok');
    expect(rows[0]!.ok).toBe(1);
  });
});
