import { encodePosition, type EventPosition } from '@crypto-invest/contracts';
import type pg from 'pg';

/**
 * Brings the statistics read model of the active generation up to date with the
 * investments table and moves the checkpoint to the newest event — rows and
 * checkpoint in one transaction, as the projector does — for tests of the query side
 * that must not depend on the projector. The rows are the SQL aggregate the
 * projector's read model must equal. Returns the checkpoint's position.
 */
export async function projectStatistics(admin: pg.ClientBase): Promise<{ position: EventPosition; token: string }> {
  await admin.query('begin');
  try {
    const { rows } = await admin.query<{ generation: number }>(
      `select active_generation as generation from projections where name = 'statistics' for update`,
    );
    const generation = rows[0]!.generation;
    await admin.query('delete from coin_stats where generation = $1', [generation]);
    await admin.query('delete from daily_coin_stats where generation = $1', [generation]);
    await admin.query('delete from portfolio_totals where generation = $1', [generation]);
    await admin.query(
      `insert into coin_stats (generation, coin_name, total_amount, total_invested_usd, investment_count, first_investment_at, last_investment_at)
       select $1, coin_name, sum(amount), sum(total_value_usd), count(*), min("timestamp"), max("timestamp")
       from investments where voided_at is null group by coin_name`,
      [generation],
    );
    await admin.query(
      `insert into daily_coin_stats (generation, coin_name, day, amount, invested_usd, investment_count)
       select $1, coin_name, ("timestamp" at time zone 'UTC')::date, sum(amount), sum(total_value_usd), count(*)
       from investments where voided_at is null group by 2, 3`,
      [generation],
    );
    await admin.query(
      `insert into portfolio_totals (generation, total_invested_usd, investment_count, coin_count)
       select $1, coalesce(sum(total_value_usd), 0), count(*), count(distinct coin_name) from investments where voided_at is null`,
      [generation],
    );
    const checkpoint = await admin.query<{ transaction_id: string; event_id: string }>(
      `update projection_checkpoints c
       set last_transaction_id = e.transaction_id, last_event_id = e.id, updated_at = now()
       from (select transaction_id, id from events order by transaction_id desc, id desc limit 1) e
       where c.projection = 'statistics' and c.generation = $1
       returning c.last_transaction_id::text as transaction_id, c.last_event_id::text as event_id`,
      [generation],
    );
    await admin.query('commit');
    const row = checkpoint.rows[0] ?? { transaction_id: '0', event_id: '0' };
    const position = { transactionId: row.transaction_id, eventId: row.event_id };
    return { position, token: encodePosition(position) };
  } catch (error) {
    await admin.query('rollback').catch(() => undefined);
    throw error;
  }
}
