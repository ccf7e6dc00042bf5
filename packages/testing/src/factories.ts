import {
  EVENTS_CHANNEL,
  InvestmentRecorded,
  InvestmentVoided,
  STREAM_VERSION,
  investmentStream,
  type EventPosition,
} from '@crypto-invest/contracts';
import pg from 'pg';

/**
 * Test data written the way the command side writes it: one transaction inserts the
 * investment row and its event (the outbox), and sends the NOTIFY hint that commits
 * with it. Event data is checked against the contracts' schemas, so a test cannot
 * write an event the real services would not.
 */

/** Anything that runs queries: a client, a pool client, or a pool (which then lends one connection). */
export type Queryable = pg.ClientBase | pg.Pool;

export interface InvestmentInput {
  coin: string;
  /** Decimal text, e.g. '1.9887'. */
  amount: string;
  purchasePriceUsd: string;
  /** ISO 8601; defaults to now. */
  timestamp?: string;
  priceSource?: 'user' | 'coingecko';
}

export interface WrittenEvent {
  investmentId: string;
  eventId: string;
  position: EventPosition;
}

export interface WriteOptions {
  /** Send the NOTIFY hint (default true), as the command API does. */
  notify?: boolean;
}

/** Records one investment in its own transaction (investment row + InvestmentRecorded + NOTIFY). */
export async function recordInvestment(db: Queryable, input: InvestmentInput, options: WriteOptions = {}): Promise<WrittenEvent> {
  const [written] = await inTransaction(db, (client) => writeInvestmentRecorded(client, input, options).then((w) => [w]));
  return written!;
}

/** Records many investments in one transaction (each with its own event): quick seeding. */
export function recordInvestments(db: Queryable, inputs: InvestmentInput[], options: WriteOptions = {}): Promise<WrittenEvent[]> {
  return inTransaction(db, async (client) => {
    const written: WrittenEvent[] = [];
    for (const input of inputs) written.push(await writeInvestmentRecorded(client, input, { notify: false }));
    if ((options.notify ?? true) && written.length) await notify(client, written.at(-1)!.eventId);
    return written;
  });
}

/** Voids an investment in its own transaction (voided_at + InvestmentVoided + NOTIFY); undefined when already voided. */
export async function voidInvestment(db: Queryable, investmentId: string, options: WriteOptions = {}): Promise<WrittenEvent | undefined> {
  const [written] = await inTransaction(db, (client) => writeInvestmentVoided(client, investmentId, options).then((w) => [w]));
  return written;
}

/**
 * The statements of "record an investment" inside a transaction the caller holds
 * open (to test what readers see while a writer has not committed).
 */
export async function writeInvestmentRecorded(client: pg.ClientBase, input: InvestmentInput, options: WriteOptions = {}): Promise<WrittenEvent> {
  const { rows } = await client.query<{ id: string; coin_name: string; amount: string; purchase_price_usd: string; timestamp: Date; price_source: string }>(
    `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
     values ($1, $2, $3, coalesce($4::timestamptz, now()), $5)
     returning id::text, coin_name, amount::text, purchase_price_usd::text, "timestamp", price_source`,
    [input.coin, input.amount, input.purchasePriceUsd, input.timestamp ?? null, input.priceSource ?? 'user'],
  );
  const row = rows[0]!;
  const event = InvestmentRecorded.parse({
    type: 'InvestmentRecorded',
    data: {
      investment_id: row.id,
      coin: row.coin_name,
      amount: row.amount,
      purchase_price_usd: row.purchase_price_usd,
      timestamp: row.timestamp.toISOString(),
      price_source: row.price_source,
    },
  });
  const written = await appendEvent(client, row.id, STREAM_VERSION.recorded, event);
  if (options.notify ?? true) await notify(client, written.eventId);
  return written;
}

/** The statements of "void an investment" inside the caller's transaction; undefined when already voided. */
export async function writeInvestmentVoided(client: pg.ClientBase, investmentId: string, options: WriteOptions = {}): Promise<WrittenEvent | undefined> {
  const { rows } = await client.query<{ id: string; coin_name: string; amount: string; purchase_price_usd: string; timestamp: Date; voided_at: Date }>(
    `update investments set voided_at = now() where id = $1 and voided_at is null
     returning id::text, coin_name, amount::text, purchase_price_usd::text, "timestamp", voided_at`,
    [investmentId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const event = InvestmentVoided.parse({
    type: 'InvestmentVoided',
    data: {
      investment_id: row.id,
      coin: row.coin_name,
      amount: row.amount,
      purchase_price_usd: row.purchase_price_usd,
      timestamp: row.timestamp.toISOString(),
      voided_at: row.voided_at.toISOString(),
    },
  });
  const written = await appendEvent(client, row.id, STREAM_VERSION.voided, event);
  if (options.notify ?? true) await notify(client, written.eventId);
  return written;
}

async function appendEvent(
  client: pg.ClientBase,
  investmentId: string,
  version: number,
  event: InvestmentRecorded | InvestmentVoided,
): Promise<WrittenEvent> {
  const { rows } = await client.query<{ id: string; transaction_id: string }>(
    `insert into events (stream_id, stream_version, type, data, metadata)
     values ($1, $2, $3, $4, $5) returning id::text, transaction_id::text`,
    [investmentStream(investmentId), version, event.type, JSON.stringify(event.data), JSON.stringify({ source: 'test-factory' })],
  );
  const row = rows[0]!;
  return { investmentId, eventId: row.id, position: { transactionId: row.transaction_id, eventId: row.id } };
}

const notify = (client: pg.ClientBase, eventId: string) => client.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, eventId]);

async function inTransaction<T>(db: Queryable, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const client = db instanceof pg.Pool ? await db.connect() : db;
  try {
    await client.query('begin');
    try {
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    if (db instanceof pg.Pool) (client as pg.PoolClient).release();
  }
}
