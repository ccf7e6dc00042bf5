import { comparePositions, type EventPosition } from '@crypto-invest/contracts';
import { Decimal } from '@crypto-invest/money';
import { freshDatabase, recordInvestment, recordInvestments, voidInvestment, waitFor, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionCounts, readModel, sqlAggregate, testProjector, type TestProjector } from '../test-support/read-model.ts';
import { findRebuild, requestRebuild } from './rebuilds.ts';

const COINS = ['bitcoin', 'ethereum', 'cardano', 'dogecoin', 'litecoin', 'binancecoin'];

/**
 * What the query side does on the replica: one repeatable-read snapshot reads the
 * active generation, its checkpoint and the rows of that generation.
 */
async function readStatisticsOnReplica(replica: pg.Client) {
  await replica.query('begin isolation level repeatable read read only');
  try {
    const head = await replica.query<{ generation: number; tx: string; id: string; applied: string }>(
      `select p.active_generation as generation, c.last_transaction_id::text tx, c.last_event_id::text id, c.events_applied::text applied
       from projections p join projection_checkpoints c on c.projection = p.name and c.generation = p.active_generation
       where p.name = 'statistics'`,
    );
    const { generation, tx, id, applied } = head.rows[0]!;
    const coins = await replica.query<{ invested: string | null; count: string | null }>(
      'select sum(total_invested_usd)::text invested, sum(investment_count)::text count from coin_stats where generation = $1',
      [generation],
    );
    const totals = await replica.query<{ invested: string; count: string }>(
      'select total_invested_usd::text invested, investment_count::text count from portfolio_totals where generation = $1',
      [generation],
    );
    return {
      generation,
      position: { transactionId: tx, eventId: id } as EventPosition,
      applied: BigInt(applied),
      coinsInvested: new Decimal(coins.rows[0]!.invested ?? 0),
      coinsCount: BigInt(coins.rows[0]!.count ?? 0),
      totals: totals.rows[0] ? { invested: new Decimal(totals.rows[0].invested), count: BigInt(totals.rows[0].count) } : undefined,
    };
  } finally {
    await replica.query('commit');
  }
}

describe('rebuild without downtime', () => {
  let db: TestDatabase;
  let command: pg.Pool;
  let replica: pg.Client;
  let sut: TestProjector;

  beforeAll(async () => {
    db = await freshDatabase();
    command = new pg.Pool({ connectionString: db.url('command'), max: 3 });
    replica = new pg.Client({ connectionString: db.url('query', 'replica') });
    await replica.connect();
    sut = testProjector(db, { rebuildBatchSize: 150, batchSize: 50 });
  });
  afterAll(async () => {
    await sut.close();
    await replica.end();
    await command.end();
    await db.drop();
  });

  it('a rebuild while investments keep arriving ends equal to the SQL aggregate, and a reader on the replica answers throughout', async () => {
    const seeded = await recordInvestments(
      command,
      Array.from({ length: 3_000 }, (_, i) => ({
        coin: COINS[i % COINS.length]!,
        amount: `${(i % 13) + 1}.${String(i).padStart(5, '0')}`,
        purchasePriceUsd: `${(i * 7) % 900 + 1}.0${i % 10}`,
        timestamp: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000 * 7).toISOString(),
      })),
    );
    for (const w of seeded.filter((_, i) => i % 10 === 4)) await voidInvestment(command, w.investmentId, { notify: false });
    sut.projector.start();
    await waitFor(async () => (await projectionCounts(db.admin)).applied === (await projectionCounts(db.admin)).events, {
      timeoutMs: 30_000,
      what: 'the live projection to catch up',
    });

    // A stream of writes for the whole rebuild.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const w = await recordInvestment(command, { coin: COINS[written % COINS.length]!, amount: `0.${written + 1}`, purchasePriceUsd: '1234.5' });
        if (++written % 5 === 0) await voidInvestment(command, w.investmentId);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    // The query side, reading the replica the whole time.
    let reading = true;
    const reads: Awaited<ReturnType<typeof readStatisticsOnReplica>>[] = [];
    const errors: string[] = [];
    const reader = (async () => {
      while (reading) {
        try {
          reads.push(await readStatisticsOnReplica(replica));
        } catch (error) {
          errors.push((error as Error).message);
          await replica.query('rollback').catch(() => undefined);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 300));
    const rebuild = await requestRebuild(sut.pool, 'test');
    sut.projector.wake();
    const progress: { processed: bigint; total: bigint | null }[] = [];
    const done = await waitFor(
      async () => {
        const r = await findRebuild(sut.pool, rebuild.id);
        if (r?.state === 'running') progress.push({ processed: r.processedEvents, total: r.totalEvents });
        return r?.state === 'completed' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: 'the rebuild to complete' },
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few reads after the switch
    writing = false;
    await writer;
    reading = false;
    await reader;

    // Progress was visible while it ran.
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.some((p) => p.total !== null && p.processed > 0n && p.processed < p.total)).toBe(true);

    // The reader never failed, always saw a consistent generation, and never went back in time.
    expect(errors).toEqual([]);
    expect(reads.length).toBeGreaterThan(20);
    expect(new Set(reads.map((r) => r.generation))).toEqual(new Set([1, 2]));
    for (const [i, read] of reads.entries()) {
      expect(read.totals, `read ${i}`).toBeDefined();
      expect(read.coinsInvested.eq(read.totals!.invested), `read ${i}: coins add up to the totals`).toBe(true);
      expect(read.coinsCount).toBe(read.totals!.count);
      if (i > 0) {
        expect(comparePositions(read.position, reads[i - 1]!.position), `read ${i}: position never goes back`).toBeGreaterThanOrEqual(0);
        expect(read.applied >= reads[i - 1]!.applied).toBe(true);
      }
    }

    // Caught up, it equals the SQL aggregate — in the new generation.
    await waitFor(async () => {
      const c = await projectionCounts(db.admin);
      return c.position === c.newest;
    }, { timeoutMs: 10_000, what: 'the live loop to catch up after the rebuild' });
    expect(done).toMatchObject({ generation: 2, replacedGeneration: 1 });
    const model = await readModel(db.admin);
    expect(model.generation).toBe(2);
    expect(model).toMatchObject(await sqlAggregate(db.admin));
    const counts = await projectionCounts(db.admin);
    expect(counts.applied).toBe(counts.events);
    expect(written).toBeGreaterThan(10);

    // The replaced generation is deleted (row by row, never TRUNCATE/DROP).
    await waitFor(async () => {
      const { rows } = await db.admin.query(`select
        (select count(*) from coin_stats where generation = 1) + (select count(*) from daily_coin_stats where generation = 1) +
        (select count(*) from coin_investment_times where generation = 1) + (select count(*) from portfolio_totals where generation = 1) +
        (select count(*) from projection_checkpoints where generation = 1) as n`);
      return rows[0]!.n === '0';
    }, { what: 'generation 1 to be deleted' });
  });

  it('a rebuild interrupted by the loss of its instance is resumed from its checkpoint by the next active instance', async () => {
    await sut.close();
    const first = testProjector(db, { rebuildBatchSize: 25 });
    first.projector.start();
    const rebuild = await requestRebuild(first.pool, 'test');
    first.projector.wake();
    const interruptedAt = await waitFor(
      async () => {
        const r = await findRebuild(first.pool, rebuild.id);
        return r?.state === 'running' && r.processedEvents >= 500n ? r.processedEvents : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20, what: 'the rebuild to be under way' },
    );
    await first.close();
    const stopped = (await findRebuild(db.admin, rebuild.id))!;
    expect(stopped.state).toBe('running');
    expect(stopped.processedEvents).toBeLessThan(BigInt((await projectionCounts(db.admin)).events));

    sut = testProjector(db, { rebuildBatchSize: 400 });
    sut.projector.start();
    const done = await waitFor(async () => {
      const r = await findRebuild(sut.pool, rebuild.id);
      return r?.state === 'completed' ? r : undefined;
    }, { timeoutMs: 60_000, what: 'the resumed rebuild to complete' });
    expect(done.processedEvents).toBeGreaterThan(interruptedAt);
    const model = await readModel(db.admin);
    expect(model.generation).toBe(rebuild.generation);
    expect(model).toMatchObject(await sqlAggregate(db.admin));
    const counts = await projectionCounts(db.admin);
    expect(counts.applied).toBe(counts.events);
  });
});
