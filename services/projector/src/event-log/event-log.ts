import { InvestmentEvent, type EventPosition } from '@crypto-invest/contracts';
import { Decimal } from '@crypto-invest/money';
import type { PoolClient } from '@crypto-invest/postgres';
import { InconsistentEventError, parseInstantMs, type StatisticsEvent } from '../statistics/statistics.ts';

/**
 * Reading the event log in commit-safe order.
 *
 * Events are ordered by (transaction_id, id). A transaction that started earlier can
 * commit later, so "id > last id" would skip its event forever. Instead we read only
 * below pg_snapshot_xmin(pg_current_snapshot()) — the oldest transaction still running
 * — evaluated in the same statement (so against the same snapshot) as the read:
 * every transaction below it has finished, and no transaction can later get an id
 * below it, so nothing can ever appear behind a position we have passed.
 */

export interface LoggedEvent {
  position: EventPosition;
  type: string;
  /** The event as the projection sees it; undefined for a type this projection ignores. */
  statistics?: StatisticsEvent;
}

const READ_BATCH = /* sql */ `
  select e.id::text as id, e.transaction_id::text as transaction_id, e.type, e.data
  from events e
  where (e.transaction_id, e.id) > ($1::xid8, $2::bigint)
    and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    and ($4::xid8 is null or (e.transaction_id, e.id) <= ($4::xid8, $5::bigint))
  -- Qualified on purpose: a bare "id" here would sort by the text column of the same name.
  order by e.transaction_id, e.id
  limit $3`;

interface EventRow {
  id: string;
  transaction_id: string;
  type: string;
  data: unknown;
}

/** The next events after `after` (and up to `until`, if given), at most `limit`, in commit-safe order. */
export async function readEventsAfter(client: PoolClient, after: EventPosition, limit: number, until?: EventPosition): Promise<LoggedEvent[]> {
  const { rows } = await client.query<EventRow>(READ_BATCH, [after.transactionId, after.eventId, limit, until?.transactionId ?? null, until?.eventId ?? null]);
  return rows.map(toLoggedEvent);
}

const HANDLED = new Set(['InvestmentRecorded', 'InvestmentVoided']);

/**
 * Validates an event against the contracts' schema. A type the projection does not
 * handle is passed over (it still moves the position); a handled type whose data
 * breaks the contract stops the projection — skipping it would make the figures wrong.
 */
export function toLoggedEvent(row: EventRow): LoggedEvent {
  const position = { transactionId: row.transaction_id, eventId: row.id };
  if (!HANDLED.has(row.type)) return { position, type: row.type };
  const parsed = InvestmentEvent.safeParse({ type: row.type, data: row.data });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new InconsistentEventError(`event ${row.id} (${row.type}) does not match its contract: ${problems}`);
  }
  const { data } = parsed.data;
  return {
    position,
    type: row.type,
    statistics: {
      type: parsed.data.type,
      investment: {
        investmentId: data.investment_id,
        coin: data.coin,
        amount: new Decimal(data.amount),
        purchasePriceUsd: new Decimal(data.purchase_price_usd),
        investedAt: parseInstantMs(data.timestamp),
      },
    },
  };
}

/** The last event that can be read now (the end of the log in commit-safe order), if any. */
export async function readableEnd(client: Pick<PoolClient, 'query'>): Promise<EventPosition | undefined> {
  const { rows } = await client.query<{ id: string; transaction_id: string }>(
    `select e.id::text as id, e.transaction_id::text as transaction_id from events e
     where e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     order by e.transaction_id desc, e.id desc limit 1`,
  );
  return rows[0] && { transactionId: rows[0].transaction_id, eventId: rows[0].id };
}
