import { freshDatabase, type TestDatabase } from '@crypto-invest/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventPerInvestment } from '../test-support/recorded-events.ts';
import { copyInvestments } from './copy-load.ts';
import { generateInvestments } from './investment-rows.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('the COPY load of the flat-cost data sets', () => {
  it('writes investments and their events as the command side does, in transactions of a chunk', async () => {
    const investments = generateInvestments(1);
    const progress: number[] = [];
    const first = await copyInvestments(db.url('admin'), 1_200, investments, (done) => progress.push(done), 500);
    expect(progress).toEqual([500, 1_000, 1_200]);
    expect(first.rows).toBe(1_200);
    const more = await copyInvestments(db.url('admin'), 300, investments, () => undefined, 500);

    expect(await expectEventPerInvestment(db.admin)).toBe(1_500);
    const { rows: tx } = await db.admin.query<{ n: number }>('select count(distinct transaction_id)::int as n from events');
    expect(tx[0]!.n).toBe(4);
    // The position returned is the log's last: the projector is done once it reaches it.
    const { rows: last } = await db.admin.query<{ transaction_id: string; id: string }>(
      'select e.transaction_id::text, e.id::text from events e order by e.transaction_id desc, e.id desc limit 1',
    );
    expect(more.lastPosition).toEqual({ transactionId: last[0]!.transaction_id, eventId: last[0]!.id });
  });

  it('leaves the identity sequence past the loaded ids, so the command API’s inserts go on after them', async () => {
    const { rows } = await db.admin.query<{ id: string; max: string }>(
      `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
       values ('bitcoin', 1, 1, now(), 'user') returning id::text, (select max(id) from investments)::text as max`,
    );
    expect(BigInt(rows[0]!.id)).toBeGreaterThan(BigInt(rows[0]!.max));
  });
});
