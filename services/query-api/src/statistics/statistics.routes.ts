import { createRoute, problemContent, z } from '@crypto-invest/http';
import { afterParameter, ConsistencyHeaders, ConsistencyToken, ExactDecimal, freshnessResponseHeaders, IsoInstant, NullableExactDecimal } from '../openapi/schemas.ts';
import { MAX_AUTO_POINTS } from './daily-series.ts';

const Fraction = z.number().nullable().openapi({
  type: ['number', 'null'],
  description: 'Exact decimal rounded half-even to 18 places; null when the divisor is zero.',
});

const CoinStatisticsSchema = z
  .object({
    total_amount: ExactDecimal.openapi({ description: 'Coins held (live investments).' }),
    total_value_usd: ExactDecimal.openapi({ description: 'USD invested in this coin (the seed\'s name for it).' }),
    count: z.number().int().openapi({ description: 'Number of live investments.' }),
    average_price_usd: Fraction.openapi({ description: 'Weighted average purchase price: invested ÷ amount (18 places).' }),
    share: Fraction.openapi({ description: 'Fraction of the total invested, 0..1 (18 places).' }),
    first_investment_at: IsoInstant.nullable(),
    last_investment_at: IsoInstant.nullable(),
    current_price_usd: NullableExactDecimal,
    current_value_usd: NullableExactDecimal.openapi({ description: 'total_amount × current_price_usd; null without a current price.' }),
    unrealized_pnl_usd: NullableExactDecimal.openapi({ description: 'current_value_usd − total_value_usd; null without a current price.' }),
    unrealized_pnl_pct: Fraction.openapi({ description: 'unrealized_pnl_usd ÷ total_value_usd × 100 (18 places); null without a current price.' }),
  })
  .openapi('CoinStatistics');

export const StatisticsSchema = z
  .object({
    total_investments: z.number().int().openapi({ description: 'Number of live investments (the seed\'s field).' }),
    total_value_usd: ExactDecimal.openapi({ description: 'Total USD invested (the seed\'s name for it).' }),
    coin_count: z.number().int(),
    coins: z.record(z.string(), CoinStatisticsSchema).openapi({ description: 'Per coin (CoinGecko id), coins with at least one live investment.' }),
    current: z
      .object({
        available: z.boolean().openapi({ description: 'false when a current price could not be had for every coin: the price fields are then null, never 0.' }),
        value_usd: NullableExactDecimal,
        unrealized_pnl_usd: NullableExactDecimal,
        unrealized_pnl_pct: Fraction,
        reason: z.string().optional().openapi({ description: 'Why current prices are unavailable.' }),
      })
      .openapi('CurrentValue'),
    daily: z
      .object({
        bucket: z.enum(['day', 'week', 'month']).openapi({
          description: `Width of each point. With daily_bucket=auto (default): day while the portfolio spans at most ${MAX_AUTO_POINTS} days, week up to ${MAX_AUTO_POINTS} weeks, month beyond — so the series has at most about ${MAX_AUTO_POINTS} points whatever the number of investments.`,
        }),
        points: z.array(
          z
            .object({
              date: z.string().openapi({ format: 'date', description: 'First UTC day of the bucket (weeks start on Monday, months on the 1st).' }),
              invested_usd: ExactDecimal.openapi({ description: 'USD invested in live investments dated in this bucket, all coins.' }),
              investment_count: z.number().int(),
              cumulative_invested_usd: ExactDecimal.openapi({ description: 'Running total of invested_usd up to and including this bucket.' }),
            })
            .openapi('SeriesPoint'),
        ),
      })
      .openapi('InvestedSeries', { description: 'Invested-over-time series for charts (portfolio level; buckets without live investments are left out).' }),
    projection: z
      .object({
        position: ConsistencyToken,
        stale: z.boolean().openapi({ description: 'true when a consistency token was given and the wait for it ran out.' }),
        generation: z.number().int().openapi({ description: 'Read-model generation (changes when the projector rebuilds).' }),
        as_of: IsoInstant.openapi({ description: 'When the projection checkpoint last moved.' }),
      })
      .openapi('ProjectionFreshness'),
  })
  .openapi('Statistics');

export const StatisticsQuerySchema = z.object({
  after: afterParameter,
  daily_bucket: z
    .enum(['auto', 'day', 'week', 'month'])
    .optional()
    .openapi({ param: { name: 'daily_bucket', in: 'query' }, description: 'Width of the daily series points (default auto).' }),
});

export const statisticsRoute = createRoute({
  method: 'get',
  operationId: 'getStatistics',
  security: [],
  path: '/stats',
  tags: ['statistics'],
  summary: 'Portfolio statistics from the read model',
  description:
    'Totals per coin and for the portfolio, from the projector\'s read model only (the cost does not grow with the number of investments), ' +
    'with current prices, values and unrealized profit/loss when current prices can be had. ' +
    'With a consistency token the answer waits (bounded) until it includes that write; X-Projection-Position says what it reflects.',
  request: { query: StatisticsQuerySchema, headers: ConsistencyHeaders },
  responses: {
    200: { description: 'The statistics', headers: freshnessResponseHeaders, content: { 'application/json': { schema: StatisticsSchema } } },
    400: problemContent('A query parameter or the consistency token is not valid'),
    500: problemContent('Something went wrong on our side'),
    503: problemContent('No replica could be reached (nor the primary, when READ_FALLBACK=primary)'),
  },
});
