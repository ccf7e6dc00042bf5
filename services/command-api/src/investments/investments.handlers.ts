import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { sendJson, type AppEnv, type ApiKeyAuth, type Metrics, type OpenAPIHono } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import type { Pool } from '@crypto-invest/postgres';
import { pruneExpiredKeys, type StoredResponse } from './idempotency.ts';
import { parseRecordInvestment } from './investment.ts';
import { investmentRoutes } from './investments.routes.ts';
import { CONSISTENCY_TOKEN_HEADER, createdResponse, investmentView, investResponse } from './investments.views.ts';
import { recordInvestment, type PriceLookup, type RecordedInvestment } from './record-investment.ts';
import { voidInvestment } from './void-investment.ts';
import { encodePosition } from '@crypto-invest/contracts';

export interface InvestmentsDeps {
  pool: Pool;
  prices: PriceLookup;
  now: () => Date;
  logger: Logger;
  auth: ApiKeyAuth;
  idempotencyTtlHours: number;
  metrics: Metrics;
}

/** How often at most a request also deletes expired Idempotency-Keys. */
const PRUNE_INTERVAL_MS = 60_000;

/** Mounts POST /invest, POST /investments and DELETE /investments/{id}. */
export function mountInvestments(app: OpenAPIHono<AppEnv>, deps: InvestmentsDeps): void {
  const routes = investmentRoutes(deps.auth);
  const recorded = deps.metrics.counter('investments_recorded_total', 'Investments recorded, by route and price source', ['route', 'price_source']);
  const replays = deps.metrics.counter('idempotent_replays_total', 'Responses replayed for a reused Idempotency-Key', ['route']);
  const voided = deps.metrics.counter('investments_voided_total', 'Investments voided');
  let lastPrune = 0;

  const pruneNowAndThen = (log: Logger) => {
    const now = Date.now();
    if (now - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = now;
    pruneExpiredKeys(deps.pool).then(
      (deleted) => deleted > 0 && log.info({ deleted }, 'expired idempotency keys deleted'),
      (error: unknown) => log.warn({ err: error }, 'could not delete expired idempotency keys'),
    );
  };

  /** One handler for both record routes: only `respond` (the response mapping) differs. */
  const record =
    (route: string, respond: (recorded: RecordedInvestment) => StoredResponse) =>
    async (c: Context<AppEnv>, body: Parameters<typeof parseRecordInvestment>[0], idempotencyKey: string | undefined) => {
      const log = c.get('logger');
      const principal = c.get('principal');
      const command = parseRecordInvestment(body, deps.now());
      const outcome = await recordInvestment(deps, command, {
        route,
        idempotency: idempotencyKey ? { principal, key: idempotencyKey } : undefined,
        metadata: { request_id: c.get('requestId'), principal, route },
        respond,
      });
      if (outcome.replayed) {
        replays.inc({ route });
        log.info({ route }, 'replayed the stored response of an Idempotency-Key');
      } else {
        const token = outcome.response.headers[CONSISTENCY_TOKEN_HEADER];
        recorded.inc({ route, price_source: command.purchasePriceUsd ? 'user' : 'coingecko' });
        log.info({ route, coin: command.coin, consistency_token: token }, 'investment recorded');
        if (idempotencyKey) pruneNowAndThen(log);
      }
      return sendStored(c, outcome.response, outcome.replayed);
    };

  const invest = record('POST /invest', investResponse);
  const create = record('POST /investments', createdResponse);

  app.openapi(routes.invest, (c) => invest(c, c.req.valid('json'), c.req.valid('header')['idempotency-key']) as never);
  app.openapi(routes.createInvestment, (c) => create(c, c.req.valid('json'), c.req.valid('header')['idempotency-key']) as never);

  app.openapi(routes.voidInvestment, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal');
    const outcome = await voidInvestment(deps, id, { request_id: c.get('requestId'), principal, route: 'DELETE /investments/{id}' });
    const view = investmentView(outcome.investment);
    if (!outcome.position) return sendJson(c, 200, view);
    const token = encodePosition(outcome.position);
    voided.inc();
    c.get('logger').info({ investment_id: id, consistency_token: token }, 'investment voided');
    return sendJson(c, 200, { ...view, consistency_token: token }, { [CONSISTENCY_TOKEN_HEADER]: token });
  });
}

/** Sends a response exactly as stored (the first answer, or its replay). */
function sendStored(c: Context<AppEnv>, response: StoredResponse, replayed: boolean): Response {
  return c.body(response.body, response.status as ContentfulStatusCode, {
    'content-type': 'application/json; charset=utf-8',
    ...response.headers,
    ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
  });
}
