import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_CHANNEL } from '@crypto-invest/contracts';
import { freshDatabase, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURCHASE } from '../phases/write-path.ts';
import { expectEventPerInvestment } from '../test-support/recorded-events.ts';
import { findPgBin, runPgbench, writeTransactionScript } from './pgbench.ts';

let db: TestDatabase;
let workDir: string;
beforeAll(async () => {
  db = await freshDatabase();
  workDir = await mkdtemp(join(tmpdir(), 'bench-pgbench-'));
});
afterAll(async () => {
  await db.drop();
  await rm(workDir, { recursive: true, force: true });
});

describe("pgbench's write transaction (the write path's reference)", () => {
  it('writes what the command API writes: an investment and its InvestmentRecorded event per transaction, and a NOTIFY', async () => {
    const listener = new pg.Client({ connectionString: db.url('admin') });
    await listener.connect();
    let notified = 0;
    listener.on('notification', (n) => {
      if (n.channel === EVENTS_CHANNEL && /^[0-9]+$/.test(n.payload ?? '')) notified++;
    });
    await listener.query(`listen ${EVENTS_CHANNEL}`);

    const figures = await runPgbench({
      pgBin: await findPgBin(),
      url: db.url('command'),
      script: writeTransactionScript(PURCHASE),
      connections: 2,
      seconds: 1,
      workDir,
    });
    expect(figures.errors).toBe(0);
    expect(figures.requests).toBeGreaterThan(0);
    expect(figures.p99_ms).toBeGreaterThanOrEqual(figures.p50_ms);

    const written = await expectEventPerInvestment(db.admin);
    // pgbench's own count is of the transactions it logged: each wrote one investment.
    expect(written).toBe(figures.requests);
    const { rows } = await db.admin.query('select distinct coin_name, amount::text, purchase_price_usd::text, price_source from investments');
    expect(rows).toEqual([{ coin_name: 'bitcoin', amount: '0.123456789012345678', purchase_price_usd: '34235.193450000000000000', price_source: 'user' }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notified).toBe(written);
    await listener.end();
  });

  it('refuses a value pgbench would read as a variable', () => {
    expect(() => writeTransactionScript({ ...PURCHASE, coin: 'a:b' })).toThrow(/':'/);
  });
});
