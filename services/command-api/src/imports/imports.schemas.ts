import { z } from '@crypto-invest/http';

// OpenAPI schemas of POST /imports. The body is CSV (read as a stream by the handler,
// not by a validator); the query flags and the answers are described here.

const flag = (description: string) =>
  z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .openapi({ type: 'string', enum: ['true', 'false'], default: 'false', description } as never);

export const ImportQuerySchema = z
  .object({
    dry_run: flag('`true`: read and check every row (prices included) and report what an import would do; record nothing.'),
    skip_invalid: flag('`true`: record the valid rows and report the invalid ones. Default: any invalid row refuses the whole file (422) and nothing is recorded.'),
  })
  .strict();

export const CsvBodySchema = z.string().openapi({
  description:
    'A CSV file, UTF-8 (a byte order mark is fine), comma-separated, LF or CRLF line endings, fields quoted when needed. ' +
    'The first line is the header `timestamp,coin,amount,purchase_price_usd` (those four columns, each once, in any order; ' +
    'any other column refuses the file). Each further line is one purchase, checked by the rules of `POST /invest`:\n' +
    '- `timestamp`: an ISO 8601 date (`2021-03-01`, meaning 00:00 UTC) or date-time with a time zone ' +
    '(`2021-03-01T14:30:00Z`, `2021-03-01 16:30+02:00`; seconds optional); not in the future, not before 2009-01-03.\n' +
    '- `coin`: a CoinGecko coin id (`bitcoin`) or one of the listed ticker symbols (`BTC`).\n' +
    '- `amount`, `purchase_price_usd`: decimals with a point (`0.5`; a decimal comma such as `0,5` is refused, never read as 5), > 0, ' +
    'at most 18 decimal places. An empty `purchase_price_usd` takes CoinGecko’s price of that UTC day.\n' +
    'A row is identified by its normalised content and its occurrence number among identical rows of the file, so a file ' +
    'imported twice — or one that overlaps an earlier one — records only rows not recorded before.',
  example:
    'timestamp,coin,amount,purchase_price_usd\n2021-03-01T14:00:00Z,bitcoin,0.01242159,49631.24\n2021-03-08,ethereum,0.5,\n',
});

const counts = {
  rows: z.number().int().openapi({ description: 'Data rows in the file (blank lines are not rows)', example: 580 }),
  valid: z.number().int().openapi({ example: 577 }),
  invalid: z.number().int().openapi({ description: 'Rows with at least one failing field', example: 3 }),
  new: z.number().int().openapi({ description: 'Valid rows not recorded by an earlier import (recorded now, or that would be)', example: 577 }),
  already_present: z.number().int().openapi({ description: 'Valid rows an earlier import already recorded (never recorded twice)', example: 0 }),
};

export const RowErrorSchema = z
  .object({
    line: z.number().int().openapi({ description: 'Line of the file where the row starts (the header is line 1)', example: 5 }),
    field: z.string().openapi({ description: 'The column, or `row` for the row as a whole (wrong number of fields)', example: 'amount' }),
    reason: z.string().openapi({ example: 'use a point as the decimal separator and no thousands separators (0.5, not 0,5)' }),
  })
  .openapi('ImportRowError');

export const ImportReportSchema = z
  .object({
    outcome: z.enum(['checked', 'imported', 'refused']).openapi({
      description: '`checked`: a dry run; `imported`: the rows were recorded; `refused`: invalid rows, nothing recorded (the 422 problem carries the report)',
    }),
    dry_run: z.boolean(),
    skip_invalid: z.boolean(),
    ...counts,
    recorded: z.number().int().openapi({ description: 'Investments recorded by this request', example: 577 }),
    importable: z.boolean().openapi({ description: 'Whether importing this file with the same skip_invalid would record its rows (use it after a dry run)' }),
    errors: z.array(RowErrorSchema).openapi({ description: 'Every failing field of every invalid row, by line (at most 1,000 listed)' }),
    errors_truncated: z.boolean().openapi({ description: 'More errors were found than are listed; the counts stay exact' }),
    consistency_token: z.string().nullable().openapi({
      description: 'Position of the last event written (null when nothing was): give it to the query API to read data that includes this import',
      example: '7391.1024',
    }),
    message: z.string().openapi({ example: 'Imported: recorded 577 investments; 0 rows already present; skipped 3 rows are invalid (lines 5, 17, 230).' }),
  })
  .openapi('ImportReport', { description: 'What an import did (or, in a dry run, would do)' });

export const ImportProgressSchema = z
  .object({
    type: z.literal('progress'),
    phase: z.literal('writing'),
    done: z.number().int().openapi({ description: 'Valid rows handled so far (recorded, or found already present)', example: 40000 }),
    total: z.number().int().openapi({ description: 'Valid rows to handle', example: 100000 }),
    recorded: z.number().int().openapi({ example: 40000 }),
  })
  .openapi('ImportProgress');

export const ImportStreamLineSchema = z
  .union([
    ImportProgressSchema,
    ImportReportSchema.extend({ type: z.literal('report') }).openapi('ImportReportLine'),
    z
      .object({
        type: z.literal('failed'),
        status: z.number().int().openapi({ example: 503 }),
        title: z.string(),
        detail: z.string(),
        recorded: z.number().int().openapi({ description: 'Rows recorded before the failure (each batch commits whole)' }),
        consistency_token: z.string().nullable(),
      })
      .openapi('ImportFailedLine'),
  ])
  .openapi('ImportStreamLine', {
    description:
      'One line of the `application/x-ndjson` answer: `progress` lines while rows are written (one per batch), then ' +
      'exactly one `report` (or `failed` when the database stopped answering part-way: the rows recorded so far stay; ' +
      'import the same file again to record the rest).',
  });
