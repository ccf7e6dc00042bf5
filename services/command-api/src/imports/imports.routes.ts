import type { MiddlewareHandler } from 'hono';
import { createRoute, httpProblem, problemContent, problemResponse, requireApiKey, type ApiKeyAuth, type AppEnv } from '@crypto-invest/http';
import { SECURITY } from '../investments/investments.routes.ts';
import { CsvBodySchema, ImportQuerySchema, ImportReportSchema, ImportStreamLineSchema } from './imports.schemas.ts';

export const NDJSON = 'application/x-ndjson';

/** 67108864 → "64 MiB". */
export const sizeText = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`);
const CSV_MEDIA = new Set(['text/csv', 'application/csv']);

/**
 * 415 unless the body is CSV in UTF-8, 413 when its declared length is over the limit
 * (a body without Content-Length is counted as it streams in).
 */
export function csvBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const contentType = c.req.header('content-type') ?? '';
    const [media = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
    const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
    if (!CSV_MEDIA.has(media) || (charset && charset !== 'utf-8' && charset !== 'utf8')) {
      const got = media ? `${JSON.stringify(contentType)}` : 'no Content-Type';
      return problemResponse(
        c,
        httpProblem(415, 'unsupported-media-type', 'Unsupported media type', `send the file as text/csv in UTF-8 (got ${got})`, [
          { field: 'Content-Type', reason: 'must be text/csv (UTF-8)' },
        ]),
      );
    }
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) return fileTooLarge(c, maxBytes);
    await next();
  };
}

export function fileTooLarge(c: Parameters<MiddlewareHandler<AppEnv>>[0], maxBytes: number) {
  return problemResponse(
    c,
    httpProblem(413, 'payload-too-large', 'File too large', `the file must be at most ${sizeText(maxBytes)}; split it (nothing was recorded)`, [
      { field: 'body', reason: `is larger than ${maxBytes} bytes` },
    ]),
  );
}

export function importRoutes(auth: ApiKeyAuth, maxBytes: number) {
  return {
    importCsv: createRoute({
      method: 'post',
      path: '/imports',
      operationId: 'importInvestments',
      tags: ['imports'],
      summary: 'Import purchases from a CSV file',
      description:
        'Reads the file as it streams in, checks every row by the rules of `POST /invest` (prices included: an empty ' +
        '`purchase_price_usd` takes CoinGecko’s price of the purchase’s UTC day), then records each new row as an investment ' +
        'and its `InvestmentRecorded` event, in batches (one transaction each). By default the file is all or nothing: any ' +
        'invalid row refuses it (422, every bad row listed by line) and nothing is recorded; `skip_invalid=true` records the ' +
        'valid rows. Rows an earlier import recorded are skipped, so importing a file twice records nothing the second time.\n\n' +
        '**Answer**: with `Accept: application/x-ndjson` a 200 answer streams one JSON object per line — `progress` lines ' +
        'while rows are written, then the `report` — so a client can show a progress bar; otherwise a 200 is one JSON report. ' +
        'Errors (including the 422 refusal, which carries the report’s fields) are problem+json and come before any row is ' +
        `written. A dry run (\`dry_run=true\`) answers 200 with the report whatever the rows. Files up to ${sizeText(maxBytes)}; ` +
        'two imports at a time.',
      security: SECURITY,
      middleware: [requireApiKey(auth), csvBody(maxBytes)],
      request: {
        query: ImportQuerySchema,
        body: { required: true, content: { 'text/csv': { schema: CsvBodySchema } } },
      },
      responses: {
        200: {
          description: 'Imported (or checked, in a dry run)',
          content: {
            'application/json': { schema: ImportReportSchema },
            [NDJSON]: { schema: ImportStreamLineSchema },
          },
        },
        400: problemContent(
          'The file cannot be read as an import: no header, columns other than timestamp,coin,amount,purchase_price_usd ' +
            '(named in `errors`), broken CSV quoting (the line is named) — or a query parameter is not valid',
        ),
        401: problemContent('No API key, or not a valid one (`Authorization: Bearer <API key>`)'),
        413: problemContent(`The file is larger than ${sizeText(maxBytes)} (IMPORT_MAX_BYTES)`),
        415: problemContent('The body is not `text/csv` (UTF-8)'),
        422: problemContent(
          'Refused, nothing recorded: rows are invalid. `errors` lists every failing field as `{line, field, reason}`; the ' +
            'body also carries the report’s counts (`rows`, `valid`, `invalid`, `new`, `already_present`, …). Fix the rows, or ' +
            'send `skip_invalid=true`.',
        ),
        429: problemContent('Two imports are running already; `Retry-After` says when to try again'),
        500: problemContent('Something went wrong on our side (nothing internal is revealed; quote the request id)'),
        503: problemContent(
          'The database did not answer. Before writing began nothing was recorded; part-way, `recorded` says how many rows ' +
            'were (each batch commits whole) — import the same file again to record the rest.',
        ),
      },
    }),
  };
}
