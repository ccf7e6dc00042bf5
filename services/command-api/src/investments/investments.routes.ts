import type { MiddlewareHandler } from 'hono';
import { createRoute, type AppEnv, exactJsonBody, problemContent, requireApiKey, type ApiKeyAuth } from '@crypto-invest/http';
import {
  CreatedInvestmentSchema,
  IdempotencyHeadersSchema,
  InvestmentIdParamsSchema,
  InvestResponseSchema,
  RecordInvestmentBodySchema,
  VoidedInvestmentSchema,
} from './investments.schemas.ts';

/** The request body limit of the write routes. */
export const MAX_BODY_BYTES = 16 * 1024;

export const SECURITY = [{ apiKey: [] }];

const tokenHeader = {
  'X-Consistency-Token': {
    description: 'The consistency token of the write (same as `consistency_token` in the body)',
    schema: { type: 'string' as const, example: '7391.1024' },
  },
};
const replayedHeader = {
  'Idempotent-Replayed': {
    description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key',
    schema: { type: 'string' as const, enum: ['true'] },
  },
};

const writeErrors = {
  400: problemContent('The body or a header is not valid (each failing field is named in `errors`), or the JSON is malformed'),
  401: problemContent('No API key, or not a valid one (`Authorization: Bearer <API key>`)'),
  413: problemContent('The body is larger than 16 KiB'),
  415: problemContent('The body is not `application/json`'),
  422: problemContent(
    'Cannot be carried out: CoinGecko does not know the coin, has no price for the purchase’s day (give purchase_price_usd), ' +
      'or the Idempotency-Key was used for a different request',
  ),
  429: problemContent('Too many writes with this API key (WRITE_RATE_LIMIT_PER_SECOND / _BURST); `Retry-After` says when to retry'),
  500: problemContent('Something went wrong on our side (nothing internal is revealed; quote the request id)'),
  503: problemContent(
    'A dependency is unavailable: CoinGecko did not give a price within the budget ("price unavailable, give ' +
      'purchase_price_usd") or the database could not be reached or timed out — nothing was recorded; or the connection ' +
      'to the database was lost before it answered — the write may have been recorded, so retry with the same ' +
      'Idempotency-Key. `detail` says which; `Retry-After` may say when to retry.',
  ),
};

const recordRequest = {
  headers: IdempotencyHeadersSchema,
  body: { required: true, content: { 'application/json': { schema: RecordInvestmentBodySchema } } },
};

/** The investment routes. Auth and the exact JSON body parser run before validation. */
export function investmentRoutes(auth: ApiKeyAuth) {
  const writeMiddleware: MiddlewareHandler<AppEnv>[] = [requireApiKey(auth), exactJsonBody({ maxBytes: MAX_BODY_BYTES })];
  return {
    invest: createRoute({
      method: 'post',
      path: '/invest',
      operationId: 'invest',
      tags: ['investments'],
      summary: 'Record an investment (the seed’s contract)',
      description:
        'Records a purchase; without `purchase_price_usd`, CoinGecko’s USD price is used (current, or of the UTC day of a past ' +
        '`timestamp`). Answers 200 with the seed’s `investment` wrapper and the recorded fields beside it. ' +
        'Writes the investment, its `InvestmentRecorded` event and a NOTIFY to the projector in one transaction.',
      security: SECURITY,
      middleware: writeMiddleware,
      request: recordRequest,
      responses: {
        200: {
          description: 'Recorded (or, with a reused Idempotency-Key and the same body, the first response again)',
          headers: { ...tokenHeader, ...replayedHeader },
          content: { 'application/json': { schema: InvestResponseSchema } },
        },
        ...writeErrors,
      },
    }),
    createInvestment: createRoute({
      method: 'post',
      path: '/investments',
      operationId: 'createInvestment',
      tags: ['investments'],
      summary: 'Record an investment',
      description: 'The same command as `POST /invest`, answered as a created resource: 201, `Location`, the flat Investment view.',
      security: SECURITY,
      middleware: writeMiddleware,
      request: recordRequest,
      responses: {
        201: {
          description: 'Recorded (or, with a reused Idempotency-Key and the same body, the first response again)',
          headers: {
            Location: { description: 'The new investment: `/investments/{id}`', schema: { type: 'string' as const, example: '/investments/42' } },
            ...tokenHeader,
            ...replayedHeader,
          },
          content: { 'application/json': { schema: CreatedInvestmentSchema } },
        },
        ...writeErrors,
      },
    }),
    voidInvestment: createRoute({
      method: 'delete',
      path: '/investments/{id}',
      operationId: 'voidInvestment',
      tags: ['investments'],
      summary: 'Void an investment (correct a mistake)',
      description:
        'Marks the investment voided and writes an `InvestmentVoided` event carrying its original facts, in one transaction. ' +
        'Voiding it again answers 200 with the same view and writes nothing.',
      security: SECURITY,
      middleware: [requireApiKey(auth)],
      request: { params: InvestmentIdParamsSchema },
      responses: {
        200: {
          description: 'Voided now (with `consistency_token`), or already voided before (without)',
          headers: tokenHeader,
          content: { 'application/json': { schema: VoidedInvestmentSchema } },
        },
        400: problemContent('The id is not a positive integer'),
        401: writeErrors[401],
        404: problemContent('There is no investment with that id'),
        429: writeErrors[429],
        500: writeErrors[500],
        503: problemContent('The database did not answer; nothing was changed'),
      },
    }),
  };
}
