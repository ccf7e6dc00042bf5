import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EVENTS_CHANNEL, InvestmentRecordedData, STREAM_VERSION, investmentStream, type EventPosition } from '@crypto-invest/contracts';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { GeneratedInvestment } from './investment-rows.ts';
import { recordedEventData } from './investment-rows.ts';

export interface CopyLoadResult {
  rows: number;
  seconds: number;
  /** The position of the last event written: the projector has applied everything once it reaches it. */
  lastPosition: EventPosition;
}

/** Rows per transaction: each commits investments and their events together, as the command side does. */
const DEFAULT_CHUNK = 50_000;
/** Rows per string handed to the COPY stream. */
const SLICE = 1_000;

const METADATA = JSON.stringify({ source: 'bench COPY load' });

/**
 * Appends `count` investments and their `InvestmentRecorded` events with COPY, in
 * transactions of 50,000: the investment rows (ids reserved from the table's identity
 * sequence, so each event can name its investment) and, in the same transaction, one
 * event per investment with the data the command API writes (checked against the
 * contract's schema), then one NOTIFY, like an import batch. Ends with VACUUM ANALYZE,
 * as autovacuum would soon after: the planner needs the new statistics.
 */
export async function copyInvestments(
  adminUrl: string,
  count: number,
  investments: Iterator<GeneratedInvestment>,
  onProgress: (done: number) => void = () => undefined,
  chunk = DEFAULT_CHUNK,
): Promise<CopyLoadResult> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'bench-copy-load' });
  await client.connect();
  const started = performance.now();
  try {
    await client.query(`set statement_timeout = 0`);
    let done = 0;
    while (done < count) {
      const rows = Math.min(chunk, count - done);
      const batch: GeneratedInvestment[] = [];
      for (let i = 0; i < rows; i++) batch.push(investments.next().value as GeneratedInvestment);
      await client.query('begin');
      // Reserve ids first-to-last; COPY takes identity values as given (it does not apply GENERATED ALWAYS).
      const { rows: reserved } = await client.query<{ first: string }>(
        `select setval(pg_get_serial_sequence('investments', 'id'), nextval(pg_get_serial_sequence('investments', 'id')) + $1 - 1) - $1 + 1 as first`,
        [rows],
      );
      const first = BigInt(reserved[0]!.first);
      const idOf = (i: number) => (first + BigInt(i)).toString();

      await pipeline(
        Readable.from(slices(batch, (inv, i) => `${idOf(i)}\t${inv.coin}\t${inv.amount}\t${inv.purchasePriceUsd}\t${inv.timestamp}\tuser\n`)),
        client.query(copyFrom(`copy investments (id, coin_name, amount, purchase_price_usd, "timestamp", price_source) from stdin`)),
      );
      await pipeline(
        Readable.from(
          slices(batch, (inv, i) => {
            const id = idOf(i);
            const data = InvestmentRecordedData.parse(recordedEventData(id, inv));
            return `${investmentStream(id)}\t${STREAM_VERSION.recorded}\tInvestmentRecorded\t${copyText(JSON.stringify(data))}\t${copyText(METADATA)}\n`;
          }),
        ),
        client.query(copyFrom(`copy events (stream_id, stream_version, type, data, metadata) from stdin`)),
      );
      await client.query(`select pg_notify($1, (select max(id)::text from events))`, [EVENTS_CHANNEL]);
      await client.query('commit');
      done += rows;
      onProgress(done);
    }
    await client.query('vacuum (analyze) investments');
    await client.query('vacuum (analyze) events');
    const { rows: last } = await client.query<{ transaction_id: string; id: string }>(
      `select transaction_id::text, e.id::text from events e order by e.transaction_id desc, e.id desc limit 1`,
    );
    return {
      rows: count,
      seconds: (performance.now() - started) / 1000,
      lastPosition: { transactionId: last[0]!.transaction_id, eventId: last[0]!.id },
    };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

function* slices<T>(items: T[], line: (item: T, index: number) => string): Generator<string> {
  for (let start = 0; start < items.length; start += SLICE) {
    let text = '';
    const end = Math.min(items.length, start + SLICE);
    for (let i = start; i < end; i++) text += line(items[i]!, i);
    yield text;
  }
}

/** COPY's text format: backslash, tab and newline are escaped (JSON text has no raw tab or newline; keep it safe anyway). */
const copyText = (text: string) => text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
