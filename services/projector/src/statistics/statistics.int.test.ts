import { loadPortfolio } from '@crypto-invest/demo-data';
import { Decimal, divide, toPlain } from '@crypto-invest/money';
import { freshDatabase, recordInvestment, recordInvestments, voidInvestment, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionCounts, readModel, sqlAggregate, testProjector, type TestProjector } from '../test-support/read-model.ts';
import { parseInstantMs } from './statistics.ts';

// The same projection as statistics.unit.test.ts, now through real PostgreSQL: events
// written by the command side's transaction shape, applied by the projector's batch
// transaction, read back from the tables the query API reads.
describe('statistics read model on PostgreSQL', () => {
  let db: TestDatabase;
  let command: pg.Pool;
  let sut: TestProjector;

  beforeAll(async () => {
    db = await freshDatabase();
    command = new pg.Pool({ connectionString: db.url('command'), max: 4 });
    sut = testProjector(db, { batchSize: 64 });
  });
  afterAll(async () => {
    await sut.close();
    await command.end();
    await db.drop();
  });

  it('bitcoin 1.9887 @ 88.63 + 0.388 @ 58.64: amount 2.3767, invested exactly 199.010801, average 83.734… (not the mean 73.635)', async () => {
    await recordInvestment(command, { coin: 'bitcoin', amount: '1.9887', purchasePriceUsd: '88.63', timestamp: '2021-01-04T10:00:00Z' });
    await recordInvestment(command, { coin: 'bitcoin', amount: '0.388', purchasePriceUsd: '58.64', timestamp: '2021-01-05T11:30:00Z' });
    expect(await sut.projector.catchUp()).toBe(2);

    const { rows } = await db.admin.query(
      `select total_amount::text, total_invested_usd::text, investment_count, first_investment_at, last_investment_at
       from coin_stats where generation = 1 and coin_name = 'bitcoin'`,
    );
    const bitcoin = rows[0]!;
    expect(toPlain(new Decimal(bitcoin.total_amount))).toBe('2.3767');
    expect(toPlain(new Decimal(bitcoin.total_invested_usd))).toBe('199.010801');
    expect(bitcoin.investment_count).toBe('2');
    expect(bitcoin.first_investment_at.toISOString()).toBe('2021-01-04T10:00:00.000Z');
    expect(bitcoin.last_investment_at.toISOString()).toBe('2021-01-05T11:30:00.000Z');
    // What a reader computes: invested ÷ amount.
    const average = divide(new Decimal(bitcoin.total_invested_usd), new Decimal(bitcoin.total_amount))!;
    expect(toPlain(average)).toBe('83.734085496697101022');
    expect(average.toFixed(3)).not.toBe('73.635');

    const model = await readModel(db.admin);
    expect(model.totals).toEqual({ invested: '199.010801', count: '2', coins: '1' });
    expect(model.days).toEqual({
      '2021-01-04 bitcoin': { amount: '1.9887', invested: '176.258481', count: '1' },
      '2021-01-05 bitcoin': { amount: '0.388', invested: '22.75232', count: '1' },
    });
  });

  it('voiding the last bitcoin purchase subtracts it exactly and moves last_investment_at back; voiding both removes the coin', async () => {
    const { rows } = await db.admin.query<{ id: string }>(`select id::text from investments where coin_name = 'bitcoin' order by "timestamp"`);
    await voidInvestment(command, rows[1]!.id);
    await sut.projector.catchUp();
    let model = await readModel(db.admin);
    expect(model.coins.bitcoin).toEqual({
      amount: '1.9887',
      invested: '176.258481',
      count: '1',
      first: '2021-01-04T10:00:00.000Z',
      last: '2021-01-04T10:00:00.000Z',
    });
    expect(model).toMatchObject(await sqlAggregate(db.admin));

    await voidInvestment(command, rows[0]!.id);
    await sut.projector.catchUp();
    model = await readModel(db.admin);
    expect(model.coins).toEqual({});
    expect(model.days).toEqual({});
    expect(model.totals).toEqual({ invested: '0', count: '0', coins: '0' });
  });

  it('the 580-purchase demo portfolio with every 5th purchase voided equals the SQL aggregate, each event counted once', async () => {
    const written = await recordInvestments(
      command,
      loadPortfolio().map((r) => ({ coin: r.coin, amount: r.amount, purchasePriceUsd: r.purchase_price_usd, timestamp: r.timestamp })),
    );
    for (const [i, w] of written.entries()) if (i % 5 === 2) await voidInvestment(command, w.investmentId, { notify: false });
    await sut.projector.catchUp();

    const model = await readModel(db.admin);
    const expected = await sqlAggregate(db.admin);
    expect(model).toMatchObject(expected);
    expect(Object.keys(model.days)).toHaveLength(Object.keys(expected.days).length);
    expect(Number(expected.totals.count)).toBe(580 - 116);
    const counts = await projectionCounts(db.admin);
    expect(counts.applied).toBe(counts.events);
    expect(counts.position).toBe(counts.newest);
    // The live investment times mirror the live investments.
    const times = await db.admin.query(`select count(*)::int n from coin_investment_times where generation = 1`);
    expect(times.rows[0]!.n).toBe(580 - 116);
  });

  it('rounds event timestamps to milliseconds exactly as timestamptz(3) stores them', async () => {
    for (const text of ['2021-03-01T23:59:59.9996Z', '2021-03-01T10:00:00.1234999+02:00', '2021-03-01T10:00:00.1234499Z', '2021-03-01T10:00:00Z']) {
      const { rows } = await db.admin.query<{ t: Date }>('select $1::timestamptz(3) as t', [text]);
      expect(parseInstantMs(text), text).toBe(rows[0]!.t.getTime());
    }
  });
});
