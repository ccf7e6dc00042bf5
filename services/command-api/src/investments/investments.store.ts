import {
  EVENTS_CHANNEL,
  investmentStream,
  STREAM_VERSION,
  type EventPosition,
  type InvestmentEvent,
  type InvestmentRecorded,
} from '@crypto-invest/contracts';
import { Decimal } from '@crypto-invest/money';
import type { Pool, PoolClient } from '@crypto-invest/postgres';
import type { NewInvestment, PriceSource, StoredInvestment } from './investment.ts';

// SQL of the write side. Every function takes the transaction's client: the caller
// decides what commits together.

export interface InvestmentRow {
  id: string;
  coin_name: string;
  amount: string;
  purchase_price_usd: string;
  total_value_usd: string;
  timestamp: Date;
  price_source: PriceSource;
  voided_at: Date | null;
}

// NUMERIC and bigint as text: exact, never a JS number.
export const INVESTMENT_COLUMNS = `id::text, coin_name, amount::text, purchase_price_usd::text, total_value_usd::text,
  "timestamp", price_source, voided_at`;

export const toInvestment = (row: InvestmentRow): StoredInvestment => ({
  id: row.id,
  coin: row.coin_name,
  amount: new Decimal(row.amount),
  purchasePriceUsd: new Decimal(row.purchase_price_usd),
  totalValueUsd: new Decimal(row.total_value_usd),
  timestamp: row.timestamp,
  priceSource: row.price_source,
  voidedAt: row.voided_at,
});

export async function insertInvestment(client: PoolClient, investment: NewInvestment): Promise<StoredInvestment> {
  const { rows } = await client.query<InvestmentRow>(
    `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
     values ($1, $2, $3, $4, $5)
     returning ${INVESTMENT_COLUMNS}`,
    [
      investment.coin,
      investment.amount.toFixed(),
      investment.purchasePriceUsd.toFixed(),
      investment.timestamp.toISOString(),
      investment.priceSource,
    ],
  );
  return toInvestment(rows[0]!);
}

/** The investment id an event is built with before the row exists; the statement puts the real one in its place. */
export const PENDING_INVESTMENT_ID = '0';

/**
 * Records a new investment, its `InvestmentRecorded` event and the NOTIFY in ONE
 * statement (data-modifying CTEs), which is its own transaction: the row and its event
 * commit together or not at all, in one round trip instead of four (BEGIN, two INSERTs,
 * COMMIT) — the round trips and their socket writes were most of the write path's cost.
 * `event` is built from the same facts as the row (investmentRecorded) with
 * PENDING_INVESTMENT_ID; the statement sets the row's generated id in its data and stream.
 */
export async function insertInvestmentWithEvent(
  db: Pool,
  investment: NewInvestment,
  event: InvestmentRecorded,
  metadata: Record<string, string>,
): Promise<{ stored: StoredInvestment; position: EventPosition }> {
  if (event.data.investment_id !== PENDING_INVESTMENT_ID) throw new Error('the event must be built with PENDING_INVESTMENT_ID');
  const { rows } = await db.query<InvestmentRow & { transaction_id: string; event_id: string }>(
    `with investment as (
       insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
       values ($1, $2, $3, $4, $5)
       returning *
     ), event as (
       insert into events (stream_id, stream_version, type, data, metadata)
       select $6 || investment.id, $7, $8, jsonb_set($9::jsonb, '{investment_id}', to_jsonb(investment.id::text)), $10::jsonb
       from investment
       returning transaction_id as event_transaction_id, id as event_id
     )
     select ${INVESTMENT_COLUMNS}, event_transaction_id::text as transaction_id, event_id::text as event_id, pg_notify($11, event_id::text)
     from investment, event`,
    [
      investment.coin,
      investment.amount.toFixed(),
      investment.purchasePriceUsd.toFixed(),
      investment.timestamp.toISOString(),
      investment.priceSource,
      investmentStream(''),
      STREAM_VERSION.recorded,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(metadata),
      EVENTS_CHANNEL,
    ],
  );
  const row = rows[0]!;
  return { stored: toInvestment(row), position: { transactionId: row.transaction_id, eventId: row.event_id } };
}

/** The row, locked until the transaction ends (so two voids of one investment run one after the other). */
export async function lockInvestment(client: PoolClient, id: string): Promise<StoredInvestment | undefined> {
  const { rows } = await client.query<InvestmentRow>(`select ${INVESTMENT_COLUMNS} from investments where id = $1 for update`, [id]);
  return rows[0] && toInvestment(rows[0]);
}

export async function markVoided(client: PoolClient, id: string, voidedAt: Date): Promise<StoredInvestment> {
  const { rows } = await client.query<InvestmentRow>(
    `update investments set voided_at = $2 where id = $1 returning ${INVESTMENT_COLUMNS}`,
    [id, voidedAt.toISOString()],
  );
  return toInvestment(rows[0]!);
}

/**
 * Appends an investment's event to the log and wakes the projector. The NOTIFY is
 * part of this transaction, so it is delivered on COMMIT and never after a ROLLBACK;
 * its payload is only the event id (NOTIFY payloads are capped at 8000 bytes).
 * Returns the event's position: the consistency token of the write.
 */
export async function appendInvestmentEvent(
  client: PoolClient,
  event: InvestmentEvent,
  metadata: Record<string, string>,
): Promise<EventPosition> {
  const version = event.type === 'InvestmentRecorded' ? STREAM_VERSION.recorded : STREAM_VERSION.voided;
  // pg_notify in RETURNING: the same NOTIFY as a separate `select pg_notify(...)`, one round trip fewer.
  const { rows } = await client.query<{ transaction_id: string; id: string }>(
    `insert into events (stream_id, stream_version, type, data, metadata)
     values ($1, $2, $3, $4, $5)
     returning transaction_id::text, id::text, pg_notify($6, id::text)`,
    [investmentStream(event.data.investment_id), version, event.type, JSON.stringify(event.data), JSON.stringify(metadata), EVENTS_CHANNEL],
  );
  const { transaction_id: transactionId, id: eventId } = rows[0]!;
  return { transactionId, eventId };
}

export interface EventToAppend {
  event: InvestmentEvent;
  metadata: Record<string, string>;
}

/**
 * Appends many investments' events with one multi-row INSERT (a CSV import's batch),
 * in the caller's transaction, and wakes the projector with ONE NOTIFY carrying the
 * last event id: the payload is only a hint, the projector reads the table. Returns
 * the position of the last event (the batch's consistency token), or undefined for
 * an empty batch.
 */
export async function appendInvestmentEvents(client: PoolClient, events: readonly EventToAppend[]): Promise<EventPosition | undefined> {
  if (!events.length) return undefined;
  const { rows } = await client.query<{ transaction_id: string; id: string }>(
    `insert into events (stream_id, stream_version, type, data, metadata)
     select * from unnest($1::text[], $2::int[], $3::text[], $4::jsonb[], $5::jsonb[])
     returning transaction_id::text, id::text`,
    [
      events.map(({ event }) => investmentStream(event.data.investment_id)),
      events.map(({ event }) => (event.type === 'InvestmentRecorded' ? STREAM_VERSION.recorded : STREAM_VERSION.voided)),
      events.map(({ event }) => event.type),
      events.map(({ event }) => JSON.stringify(event.data)),
      events.map(({ metadata }) => JSON.stringify(metadata)),
    ],
  );
  // Ids come from one sequence in this transaction: the largest is the last appended.
  const last = rows.reduce((a, b) => (BigInt(b.id) > BigInt(a.id) ? b : a));
  await client.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, last.id]);
  return { transactionId: last.transaction_id, eventId: last.id };
}
