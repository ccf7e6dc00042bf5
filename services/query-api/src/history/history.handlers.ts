import type { RouteHandler } from '@hono/zod-openapi';
import { sendJson, type AppEnv } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import { stringifyJsonExact } from '@crypto-invest/money';
import { errorSummary } from '@crypto-invest/postgres';
import { CONSISTENCY_HEADER, consistencyTarget, freshnessHeaders } from '../freshness/consistency.ts';
import { readProjectionState, type ProjectionState } from '../freshness/projection-state.ts';
import { sendJsonText } from '../http/json-text.ts';
import type { ReadServices } from '../read-services.ts';
import type { ReadSource } from '../replicas/read-sources.ts';
import { openSnapshot, type OpenSnapshot } from '../replicas/snapshot.ts';
import { historyQuery, toInvestmentView, type HistoryFilter, type HistoryRow } from './history-query.ts';
import { nextPageLink, parseHistoryRequest } from './history-request.ts';
import { MAX_PAGE, type historyRoute } from './history.routes.ts';

/** Rows per FETCH of the streamed list: large enough to amortise a round trip, small enough to keep memory flat. */
export const STREAM_BATCH = 1_000;

export function getHistory(reads: ReadServices): RouteHandler<typeof historyRoute, AppEnv> {
  return async (c) => {
    const query = c.req.valid('query');
    const target = consistencyTarget(c.req.header(CONSISTENCY_HEADER), query.after);
    const { filter, page } = parseHistoryRequest(query, MAX_PAGE);

    if (page) {
      const { result, stale } = await reads.consistent.read(target, (prefer) => reads.historyPages.read(filter, page, prefer));
      const headers = freshnessHeaders(result.state, stale);
      if (result.next) headers.Link = nextPageLink(c.req.url, result.next);
      return sendJsonText(c, 200, result.body, headers);
    }

    const { result, stale } = await reads.consistent.read(
      target,
      (prefer) => openStream(reads, filter, prefer),
      (stream) => stream.snapshot.close(),
    );
    const log = c.get('logger');
    return c.body(streamArray(result, log), 200, {
      'content-type': 'application/json; charset=utf-8',
      ...freshnessHeaders(result.state, stale),
    }) as unknown as ReturnType<typeof sendJson<200>>;
  };
}

interface OpenStream {
  state: ProjectionState;
  snapshot: OpenSnapshot;
  first: HistoryRow[];
}

/**
 * Opens the snapshot, declares a server-side cursor over the whole list and fetches
 * the first batch before answering, so a replica that is down or a bad query still
 * gets a proper problem response rather than a broken stream.
 */
async function openStream(reads: ReadServices, filter: HistoryFilter, prefer?: ReadSource): Promise<OpenStream> {
  const sql = historyQuery(filter);
  const { value, snapshot } = await openSnapshot(
    reads.sources,
    async ({ client }) => {
      const state = await readProjectionState(client);
      await client.query(`declare history_rows no scroll cursor for ${sql.text}`, sql.values);
      const { rows } = await client.query<HistoryRow>(`fetch ${STREAM_BATCH} from history_rows`);
      return { state, first: rows };
    },
    { prefer },
  );
  reads.watcher.record(snapshot.source, value.state);
  return { ...value, snapshot };
}

/**
 * The JSON array, one batch at a time: the next FETCH runs only when the client has
 * taken the previous chunk (pull-based), so memory holds one batch whatever the
 * size of the list. A client that goes away closes the cursor and the transaction.
 */
function streamArray(open: OpenStream, log: Logger): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let rows = open.first;
  let wroteAny = false;
  let closed = false;
  const close = async (failure?: unknown) => {
    if (closed) return;
    closed = true;
    await open.snapshot.close(failure);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          let chunk = wroteAny ? '' : '[';
          for (const row of rows) {
            chunk += (wroteAny ? ',' : '') + stringifyJsonExact(toInvestmentView(row));
            wroteAny = true;
          }
          if (rows.length < STREAM_BATCH) {
            controller.enqueue(encoder.encode(chunk + ']'));
            controller.close();
            await close();
            return;
          }
          controller.enqueue(encoder.encode(chunk));
          rows = (await open.snapshot.client.query<HistoryRow>(`fetch ${STREAM_BATCH} from history_rows`)).rows;
        } catch (error) {
          log.error({ err: errorSummary(error) }, 'history stream failed part-way; the array is cut short');
          await close(error);
          controller.error(error);
        }
      },
      async cancel() {
        await close(new Error('the client went away'));
      },
    },
    { highWaterMark: 0 },
  );
}
