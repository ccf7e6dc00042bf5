import { z } from '@crypto-invest/http';
import { LosslessNumber } from '@crypto-invest/money';

// OpenAPI schemas of the investment routes. Request schemas check shapes (and refuse
// unknown fields); the domain rules live in investment.ts.

const EXACT_OUT =
  'Exact decimal, written as a JSON number with every stored digit — never in exponent notation and never rounded ' +
  'through a binary float (e.g. 0.00034088652). Parse it with a lossless JSON parser to keep all digits.';

/** A decimal in a response. */
const exactDecimal = (description: string, example: number) =>
  z.number().openapi({ description: `${description}. ${EXACT_OUT}`, example });

/** A decimal in a request: a JSON number (read digit for digit, never through a float) or a decimal string. */
const decimalInput = (description: string, example: number) =>
  z
    .custom<string | LosslessNumber>((value) => typeof value === 'string' || value instanceof LosslessNumber, {
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number or a decimal string'),
    })
    .openapi({
      type: ['number', 'string'],
      pattern: '^(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$',
      description:
        `${description}. A JSON number or a decimal string, greater than 0, at most 18 decimal places and 20 integer ` +
        'digits; read exactly (a JSON number keeps every digit). No blanks, thousands separators, hex, NaN or Infinity.',
      example,
    } as never);

export const RecordInvestmentBodySchema = z
  .object({
    coin: z.string().openapi({
      description:
        'CoinGecko coin id (`bitcoin`, `shiba-inu`), trimmed and lower-cased. A few unambiguous ticker symbols ' +
        '(BTC, ETH, ADA, …) are resolved to their id; any other text is taken as an id.',
      example: 'bitcoin',
    }),
    amount: decimalInput('How many coins were bought', 0.5),
    purchase_price_usd: decimalInput('USD price paid per coin. Omitted or null: CoinGecko’s price (current, or of the purchase’s UTC day)', 43210.12)
      .nullable()
      .optional()
      .openapi({ type: ['number', 'string', 'null'] } as never),
    timestamp: z
      .string()
      .nullable()
      .optional()
      .openapi({
        format: 'date-time',
        description: 'When the purchase happened: ISO 8601 with seconds and an offset, not in the future. Omitted or null: now.',
        example: '2024-05-01T14:30:00Z',
      }),
  })
  .strict()
  .openapi('RecordInvestment', { description: 'A purchase to record. Unknown fields are refused.' });

export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters without spaces')
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description:
        'Makes a retry safe: the same key with the same body returns the first response again and records nothing; ' +
        'the same key with a different body is refused (422). Keys are kept at least 24 hours, per API key.',
      example: '4f2d8c1e-0b7a-4c55-9b1e-3f6a2d9e8c10',
    }),
});

export const InvestmentIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, 'must be a positive integer')
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The investment id', example: '42' }),
});

const consistencyToken = z.string().openapi({
  description:
    'Position of this write in the event log (`<transaction id>.<event id>`). Give it to the query API ' +
    '(header X-Consistency-Token or ?after=) to read data that includes this write.',
  example: '7391.1024',
});

const timestamp = (description: string) => z.string().openapi({ format: 'date-time', description, example: '2024-05-01T14:30:00.000Z' });

export const InvestmentViewSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Investment id (a JSON integer)', example: 42 }),
    coin_name: z.string().openapi({ example: 'bitcoin' }),
    amount: exactDecimal('Coins bought', 0.5),
    purchase_price_usd: exactDecimal('USD paid per coin', 43210.12),
    total_value_usd: exactDecimal('amount × purchase_price_usd, exact (up to 36 decimals)', 21605.06),
    timestamp: timestamp('When the purchase happened (UTC, milliseconds)'),
    price_source: z.enum(['user', 'coingecko']).openapi({ description: 'Who gave the price' }),
    voided: z.boolean(),
    voided_at: timestamp('When it was voided').nullable(),
  })
  .openapi('Investment', { description: 'An investment as recorded' });

export const CreatedInvestmentSchema = InvestmentViewSchema.extend({ consistency_token: consistencyToken }).openapi('CreatedInvestment');

export const VoidedInvestmentSchema = InvestmentViewSchema.extend({
  consistency_token: consistencyToken.optional().openapi({ description: 'Present when this request voided it (and wrote the event)' }),
}).openapi('VoidedInvestment');

export const InvestResponseSchema = z
  .object({
    status: z.literal('success'),
    message: z.string().openapi({ example: 'Recorded 0.5 bitcoin at 43210.12 USD per coin (21605.06 USD)' }),
    investment: z
      .object({
        id: z.number().int(),
        coin: z.string(),
        amount: exactDecimal('Coins bought', 0.5),
        price_per_coin_usd: exactDecimal('USD paid per coin', 43210.12),
        total_value_usd: exactDecimal('amount × price, exact', 21605.06),
        timestamp: timestamp('When the purchase happened'),
      })
      .openapi({ description: 'The seed contract’s wrapper, unchanged for its clients' }),
    id: z.number().int(),
    coin_name: z.string(),
    amount: exactDecimal('Coins bought', 0.5),
    purchase_price_usd: exactDecimal('USD paid per coin', 43210.12),
    timestamp: timestamp('When the purchase happened'),
    total_value_usd: exactDecimal('amount × purchase_price_usd, exact', 21605.06),
    price_source: z.enum(['user', 'coingecko']),
    consistency_token: consistencyToken,
  })
  .openapi('InvestResponse', { description: 'The seed’s answer to POST /invest, with the recorded investment’s fields beside it' });
