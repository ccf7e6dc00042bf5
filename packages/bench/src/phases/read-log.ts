import pg from 'pg';
import { round } from '../load/http-load.ts';

export interface ReadLogFigures {
  events: number;
  seconds: number;
  events_per_second: number;
}

/**
 * The rebuild's reference: what it costs just to read the whole event log out of the
 * primary in the order and batches a rebuild reads it — keyset pages of 5,000 in
 * (transaction_id, id) order, as the projector role, each row's JSON data parsed — and
 * apply nothing. A rebuild can at best approach this rate.
 */
export async function readWholeLog(projectorUrl: string, batch = 5_000, onProgress: (events: number) => void = () => undefined): Promise<ReadLogFigures> {
  const client = new pg.Client({ connectionString: projectorUrl, application_name: 'bench-read-log', statement_timeout: 120_000 });
  await client.connect();
  const started = performance.now();
  let events = 0;
  try {
    let after = { transactionId: '0', eventId: '0' };
    for (;;) {
      // Qualified columns in ORDER BY: the select list's text aliases would sort as text.
      const { rows } = await client.query<{ transaction_id: string; id: string; type: string; data: unknown }>(
        `select e.transaction_id::text as transaction_id, e.id::text as id, e.type, e.data
         from events e
         where (e.transaction_id, e.id) > ($1::xid8, $2::bigint)
           and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         order by e.transaction_id, e.id
         limit $3`,
        [after.transactionId, after.eventId, batch],
      );
      if (!rows.length) break;
      events += rows.length;
      const last = rows.at(-1)!;
      after = { transactionId: last.transaction_id, eventId: last.id };
      onProgress(events);
    }
  } finally {
    await client.end();
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, seconds: round(seconds), events_per_second: round(events / Math.max(seconds, 0.001)) };
}
