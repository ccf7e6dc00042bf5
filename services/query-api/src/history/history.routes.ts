import { createRoute, problemContent, z } from '@crypto-invest/http';
import { afterParameter, ConsistencyHeaders, ExactDecimal, freshnessResponseHeaders, IsoInstant } from '../openapi/schemas.ts';

export const MAX_PAGE = 500;

export const InvestmentViewSchema = z
  .object({
    id: z.number().int().openapi({ example: 1042 }),
    coin_name: z.string().openapi({ example: 'bitcoin' }),
    amount: ExactDecimal,
    purchase_price_usd: ExactDecimal,
    total_value_usd: ExactDecimal,
    timestamp: IsoInstant,
    price_source: z.enum(['user', 'coingecko']),
    voided: z.boolean(),
    voided_at: IsoInstant.nullable(),
  })
  .openapi('Investment', { description: 'One recorded purchase (the seed\'s history item plus its voided state).' });

const instantText = (field: string) =>
  z
    .string()
    .optional()
    .openapi({
      param: { name: field, in: 'query' },
      description:
        field === 'from'
          ? 'Only investments at or after this instant (ISO 8601 with Z or an offset, or a date meaning 00:00 UTC).'
          : 'Only investments before this instant (exclusive; ISO 8601 with Z or an offset, or a date meaning 00:00 UTC).',
      example: field === 'from' ? '2021-01-01' : '2021-02-01T00:00:00Z',
    });

export const HistoryQuerySchema = z.object({
  coin: z
    .string()
    .optional()
    .openapi({ param: { name: 'coin', in: 'query' }, description: 'Only this coin (CoinGecko id, e.g. bitcoin).', example: 'bitcoin' }),
  from: instantText('from'),
  to: instantText('to'),
  include_voided: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ param: { name: 'include_voided', in: 'query' }, description: 'true adds voided investments (default false: only live ones, which sum to the statistics).' }),
  limit: z
    .string()
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: `Page size, 1..${MAX_PAGE}. With it the list is paged by keyset: the next page's URL is in the Link header (rel="next"). Without it, every matching investment is returned as one streamed array.`,
      example: '50',
    }),
  cursor: z
    .string()
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'Opaque position from a previous page\'s Link header (needs limit).' }),
  after: afterParameter,
});

export const historyRoute = createRoute({
  method: 'get',
  operationId: 'listInvestments',
  security: [],
  path: '/history',
  tags: ['history'],
  summary: 'Investments, newest first',
  description:
    'A plain JSON array of investments ordered by timestamp desc, id desc. Filters: coin, from (inclusive), to (exclusive), include_voided. ' +
    'With limit: one page, and `Link: <history?…&cursor=…>; rel="next"` when more follow (a relative reference: resolve it against the request URL). ' +
    'Without limit: all matching investments, streamed from a server-side cursor. The X-Projection-Position header gives the projection position read in the same snapshot; ' +
    'the list includes at least every investment up to that position.',
  request: { query: HistoryQuerySchema, headers: ConsistencyHeaders },
  responses: {
    200: {
      description: 'The investments (a page when limit is given)',
      headers: {
        ...freshnessResponseHeaders,
        Link: { description: 'rel="next": the next page, when there is one (paged requests only).', schema: { type: 'string' } },
      },
      content: { 'application/json': { schema: z.array(InvestmentViewSchema) } },
    },
    400: problemContent('A filter, limit, cursor or consistency token is not valid (the problem names the field)'),
    500: problemContent('Something went wrong on our side'),
    503: problemContent('No replica could be reached (nor the primary, when READ_FALLBACK=primary)'),
  },
});
