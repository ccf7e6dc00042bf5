import { z } from '@crypto-invest/http';
import { POSITION_HEADER, STALE_HEADER } from '../freshness/consistency.ts';

/**
 * Decimals are written as JSON numbers with every stored digit (never exponent form,
 * never rounded through a float). Parse them losslessly to keep the digits.
 */
export const ExactDecimal = z.number().openapi({
  type: 'number',
  description: 'Exact decimal: a JSON number written with every stored digit (parse losslessly to keep them all).',
  example: 0.00034088652,
});

export const NullableExactDecimal = z.number().nullable().openapi({
  type: ['number', 'null'],
  description: 'Exact decimal, or null when it cannot be known (no current price).',
});

export const IsoInstant = z.string().openapi({ format: 'date-time', example: '2021-03-14T09:30:00.000Z', description: 'ISO 8601 UTC with milliseconds' });

export const ConsistencyToken = z.string().regex(/^[0-9]{1,20}\.[0-9]{1,20}$/).openapi({
  example: '748.1052',
  description: 'A projection position in consistency-token form: <transaction id>.<event id>',
});

/** Headers every data response carries. */
export const freshnessResponseHeaders = {
  [POSITION_HEADER]: {
    description: 'The projection position (consistency-token form) the response reflects.',
    schema: { type: 'string' as const, example: '748.1052' },
  },
  [STALE_HEADER]: {
    description: 'Present (`true`) when a consistency token was given and the wait for it ran out: the data is the freshest available but older than asked.',
    schema: { type: 'string' as const, enum: ['true'] },
  },
};

/** The request's read-your-writes inputs: the header here (names are case-insensitive), `after` among the query parameters. */
export const ConsistencyHeaders = z.object({
  'x-consistency-token': z.string().optional().openapi({
    description: "A command's consistency_token (<transaction id>.<event id>): the answer waits (bounded) until it includes that write.",
    example: '748.1052',
  }),
});

export const afterParameter = z
  .string()
  .optional()
  .openapi({
    param: { name: 'after', in: 'query' },
    description: 'The same as the X-Consistency-Token header, for clients that cannot set headers (EventSource, links).',
    example: '748.1052',
  });
