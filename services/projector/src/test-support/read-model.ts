import { createLogger, type Logger } from '@crypto-invest/logger';
import { Decimal, toPlain } from '@crypto-invest/money';
import { createPool, type Pool } from '@crypto-invest/postgres';
import type { TestDatabase } from '@crypto-invest/testing';
import type pg from 'pg';
import { Projector, type ProjectorSettings } from '../projection/projector.ts';

/**
 * Test support: the read model and the SQL aggregate of the investments table in
 * the same plain-text shape, so `expect(readModel).toEqual(aggregate)` compares every
 * digit; and an in-process projector wired to a test database.
 */
export interface PlainStatistics {
  coins: Record<string, { amount: string; invested: string; count: string; first: string; last: string }>;
  days: Record<string, { amount: string; invested: string; count: string }>;
  totals: { invested: string; count: string; coins: string };
}

const plain = (text: string) => toPlain(new Decimal(text));

/** The active generation (or `generation`) of the read model. */
export async function readModel(db: pg.ClientBase | pg.Pool, generation?: number): Promise<PlainStatistics & { generation: number }> {
  const gen =
    generation ?? (await db.query<{ g: number }>(`select active_generation as g from projections where name = 'statistics'`)).rows[0]!.g;
  const coins = await db.query(
    `select coin_name, total_amount::text a, total_invested_usd::text i, investment_count::text n, first_investment_at f, last_investment_at l
     from coin_stats where generation = $1 order by coin_name`,
    [gen],
  );
  const days = await db.query(
    `select coin_name, day::text d, amount::text a, invested_usd::text i, investment_count::text n
     from daily_coin_stats where generation = $1 order by day, coin_name`,
    [gen],
  );
  const totals = await db.query(
    `select total_invested_usd::text i, investment_count::text n, coin_count::text c from portfolio_totals where generation = $1`,
    [gen],
  );
  const t = totals.rows[0] ?? { i: '0', n: '0', c: '0' };
  return {
    generation: gen,
    coins: Object.fromEntries(
      coins.rows.map((r) => [r.coin_name, { amount: plain(r.a), invested: plain(r.i), count: r.n, first: r.f.toISOString(), last: r.l.toISOString() }]),
    ),
    days: Object.fromEntries(days.rows.map((r) => [`${r.d} ${r.coin_name}`, { amount: plain(r.a), invested: plain(r.i), count: r.n }])),
    totals: { invested: plain(t.i), count: t.n, coins: t.c },
  };
}

/** The same figures computed by SQL over the live (not voided) investments: the reference. */
export async function sqlAggregate(db: pg.ClientBase | pg.Pool): Promise<PlainStatistics> {
  const coins = await db.query(
    `select coin_name, sum(amount)::text a, sum(total_value_usd)::text i, count(*)::text n, min("timestamp") f, max("timestamp") l
     from investments where voided_at is null group by coin_name order by coin_name`,
  );
  const days = await db.query(
    `select coin_name, ("timestamp" at time zone 'UTC')::date::text d, sum(amount)::text a, sum(total_value_usd)::text i, count(*)::text n
     from investments where voided_at is null group by 1, 2 order by 2, 1`,
  );
  const totals = await db.query(
    `select coalesce(sum(total_value_usd), 0)::text i, count(*)::text n, count(distinct coin_name)::text c from investments where voided_at is null`,
  );
  const t = totals.rows[0]!;
  return {
    coins: Object.fromEntries(
      coins.rows.map((r) => [r.coin_name, { amount: plain(r.a), invested: plain(r.i), count: r.n, first: r.f.toISOString(), last: r.l.toISOString() }]),
    ),
    days: Object.fromEntries(days.rows.map((r) => [`${r.d} ${r.coin_name}`, { amount: plain(r.a), invested: plain(r.i), count: r.n }])),
    totals: { invested: plain(t.i), count: t.n, coins: t.c },
  };
}

/** Checkpoint of the active generation, and how many events the log holds. */
export async function projectionCounts(db: pg.ClientBase | pg.Pool) {
  const { rows } = await db.query<{ applied: string; events: string; position: string; newest: string | null }>(
    `select c.events_applied::text applied, (select count(*) from events)::text events,
            c.last_transaction_id::text || '.' || c.last_event_id position,
            (select transaction_id::text || '.' || id from events order by transaction_id desc, id desc limit 1) newest
     from projections p join projection_checkpoints c on c.projection = p.name and c.generation = p.active_generation`,
  );
  return rows[0]!;
}

export const TEST_SETTINGS: ProjectorSettings = {
  batchSize: 100,
  rebuildBatchSize: 500,
  pollIntervalMs: 200,
  leaderRetryMs: 200,
  stallReportAfterMs: 1_000,
  retryMinMs: 20,
  retryMaxMs: 500,
  progressEveryMs: 200,
};

export interface TestProjector {
  projector: Projector;
  pool: Pool;
  logger: Logger;
  close(): Promise<void>;
}

/** A projector in this process against the test database (not started: call start() or catchUp()). */
export function testProjector(db: TestDatabase, settings: Partial<ProjectorSettings> = {}, hooks: ConstructorParameters<typeof Projector>[0]['hooks'] = {}): TestProjector {
  const logger = createLogger({ service: 'projector-test', level: process.env.TEST_LOG_LEVEL === undefined ? 'silent' : (process.env.TEST_LOG_LEVEL as 'info') });
  const url = db.url('projector');
  const pool = createPool({ url, name: 'projector-test', max: 6, logger });
  const projector = new Projector({ pool, databaseUrl: url, logger, settings: { ...TEST_SETTINGS, ...settings }, hooks });
  return {
    projector,
    pool,
    logger,
    async close() {
      await projector.stop();
      await pool.end();
    },
  };
}
