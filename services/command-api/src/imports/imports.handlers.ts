import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Context } from 'hono';
import { DomainError } from '@crypto-invest/contracts';
import { sendJson, type ApiKeyAuth, type AppEnv, type Metrics, type OpenAPIHono } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import { stringifyJsonExact } from '@crypto-invest/money';
import { ImportTooLarge } from './csv-records.ts';
import {
  ImportInterrupted,
  stageImportFile,
  tokenOf,
  writeStagedImport,
  type ImportDeps,
  type ImportLimits,
  type StagedImport,
  type WriteProgress,
  type WrittenImport,
} from './import-file.ts';
import { importReport, type ImportReport } from './import-report.ts';
import { discardStagedRows } from './imports.store.ts';
import { fileTooLarge, importRoutes, NDJSON } from './imports.routes.ts';

export interface ImportsDeps extends ImportDeps {
  auth: ApiKeyAuth;
  metrics: Metrics;
  limits: ImportLimits;
}

/** Imports running at once: each holds a window of rows, price lookups and a connection at a time. */
export const MAX_CONCURRENT_IMPORTS = 2;

/** Mounts POST /imports. */
export function mountImports(app: OpenAPIHono<AppEnv>, deps: ImportsDeps): void {
  const routes = importRoutes(deps.auth, deps.limits.maxBytes);
  const imports = deps.metrics.counter('imports_total', 'CSV imports, by outcome (checked = dry run)', ['outcome']);
  const importedRows = deps.metrics.counter('import_rows_total', 'Rows of CSV imports, by what became of them', ['result']);
  let running = 0;

  app.openapi(routes.importCsv, async (c) => {
    const { dry_run: dryRun, skip_invalid: skipInvalid } = c.req.valid('query');
    if (running >= MAX_CONCURRENT_IMPORTS) {
      throw new DomainError('rate_limited', 'import-busy', 'Imports are busy', `${MAX_CONCURRENT_IMPORTS} imports are running already; try again when one has finished`, {
        retryAfterSeconds: 5,
      });
    }
    running++;
    const log = c.get('logger');
    const importId = randomUUID();
    let streaming = false;
    const finish = () => {
      running--;
      // Staged rows are scratch: dropped whatever happened (a failure here is only logged; a later import sweeps them).
      discardStagedRows(deps.pool, importId).catch((error: unknown) => log.warn({ err: error, import_id: importId }, 'could not drop staged import rows'));
    };
    try {
      const started = performance.now();
      const staged = await stageImportFile(deps, deps.limits, importId, requestBody(c)).catch((error: unknown) => {
        if (error instanceof ImportTooLarge) return error;
        throw error;
      });
      if (staged instanceof ImportTooLarge) return fileTooLarge(c, staged.maxBytes) as never;
      log.info(
        { import_id: importId, rows: staged.rows, valid: staged.valid, invalid: staged.invalid, already_present: staged.alreadyPresent, price_lookups: staged.priceLookups, ms: Math.round(performance.now() - started) },
        'import file checked',
      );
      const report = (outcome: ImportReport['outcome'], written?: WrittenImport) => reportOf(staged, { outcome, dryRun, skipInvalid, written });

      if (dryRun) {
        imports.inc({ outcome: 'checked' });
        return answer(c, report('checked')) as never;
      }
      if (staged.invalid > 0 && !skipInvalid) {
        imports.inc({ outcome: 'refused' });
        importedRows.inc({ result: 'invalid' }, staged.invalid);
        const { message, errors, ...rest } = report('refused');
        throw new DomainError('unprocessable', 'import-refused', 'Import refused', message, { fields: errors, ...rest });
      }

      const metadata = { request_id: c.get('requestId'), principal: c.get('principal'), route: 'POST /imports', import_id: importId };
      const write = (onProgress?: (progress: WriteProgress) => void) =>
        writeStagedImport(deps, staged, { batchRows: deps.limits.batchRows, metadata, signal: c.req.raw.signal, ...(onProgress ? { onProgress } : {}) }).then(
          (written) => {
            const done = report('imported', written);
            imports.inc({ outcome: 'imported' });
            importedRows.inc({ result: 'recorded' }, done.recorded);
            importedRows.inc({ result: 'already_present' }, done.already_present);
            importedRows.inc({ result: 'invalid' }, done.invalid);
            log.info(
              { import_id: importId, recorded: done.recorded, already_present: done.already_present, invalid: done.invalid, stopped: written.stopped, consistency_token: done.consistency_token, ms: Math.round(performance.now() - started) },
              written.stopped ? 'import stopped: the client went away' : 'import recorded',
            );
            return done;
          },
        );

      if (acceptsNdjson(c)) {
        streaming = true;
        return streamLines(c, async (send) => {
          try {
            send({ type: 'progress', phase: 'writing', done: 0, total: staged.valid, recorded: 0 });
            const done = await write((progress) => send({ type: 'progress', phase: 'writing', ...progress }));
            send({ type: 'report', ...done });
          } catch (error) {
            send(failedLine(error, log, importId));
          } finally {
            finish();
          }
        }) as never;
      }
      return answer(c, await write().catch((error: unknown) => interruptedProblem(error, log, importId))) as never;
    } finally {
      if (!streaming) finish();
    }
  });
}

function reportOf(
  staged: StagedImport,
  input: { outcome: ImportReport['outcome']; dryRun: boolean; skipInvalid: boolean; written?: WrittenImport | undefined },
): ImportReport {
  const recorded = input.written?.recorded ?? 0;
  // After writing, what was not recorded was present (also when a concurrent import of the same rows got there first).
  const newRows = input.written ? recorded : staged.valid - staged.alreadyPresent;
  return importReport({
    outcome: input.outcome,
    dryRun: input.dryRun,
    skipInvalid: input.skipInvalid,
    counts: { rows: staged.rows, valid: staged.valid, invalid: staged.invalid, new: newRows, already_present: staged.valid - newRows },
    recorded,
    errors: staged.errors,
    errorsTruncated: staged.errorsTruncated,
    consistencyToken: tokenOf(input.written?.position),
  });
}

/** The request body as bytes, read as they arrive (never buffered whole). */
function requestBody(c: Context<AppEnv>): AsyncIterable<Uint8Array> {
  const body = c.req.raw.body;
  if (!body) return Readable.from([]);
  return Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
}

function acceptsNdjson(c: Context<AppEnv>): boolean {
  return (c.req.header('accept') ?? '').toLowerCase().includes(NDJSON);
}

/** A 200 report: one NDJSON line when the client streams, plain JSON otherwise. */
function answer(c: Context<AppEnv>, report: ImportReport): Response {
  if (acceptsNdjson(c)) return c.body(stringifyJsonExact({ type: 'report', ...report }) + '\n', 200, { 'content-type': `${NDJSON}; charset=utf-8` });
  return sendJson(c, 200, report);
}

/** A 200 NDJSON stream whose lines `produce` sends; it ends when `produce` settles. */
function streamLines(c: Context<AppEnv>, produce: (send: (line: object) => void) => Promise<void>): Response {
  const encoder = new TextEncoder();
  let open = true;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (line: object) => {
        if (open) controller.enqueue(encoder.encode(stringifyJsonExact(line) + '\n'));
      };
      void produce(send).finally(() => {
        if (open) controller.close();
        open = false;
      });
    },
    cancel() {
      // The client went away: the write loop sees the request's abort signal and stops after its batch.
      open = false;
    },
  });
  return c.body(stream, 200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
}

function interruptedDetail(error: ImportInterrupted): string {
  return error.recorded
    ? `writing stopped after ${error.recorded} rows were recorded (the database failed); import the same file again to record the rest (rows already recorded are skipped)`
    : 'writing failed (the database did not answer); nothing was recorded, please retry';
}

/** A failure while writing, as the last NDJSON line. */
function failedLine(error: unknown, log: Logger, importId: string) {
  const interrupted = error instanceof ImportInterrupted ? error : new ImportInterrupted(0, undefined, error);
  log.error({ err: interrupted.cause, import_id: importId, recorded: interrupted.recorded }, 'import interrupted');
  return {
    type: 'failed',
    status: 503,
    title: 'Import interrupted',
    detail: interruptedDetail(interrupted),
    recorded: interrupted.recorded,
    consistency_token: tokenOf(interrupted.position),
  };
}

/** A failure while writing, as a 503 problem (plain JSON answers). */
function interruptedProblem(error: unknown, log: Logger, importId: string): never {
  if (!(error instanceof ImportInterrupted)) throw error;
  log.error({ err: error.cause, import_id: importId, recorded: error.recorded }, 'import interrupted');
  throw new DomainError('unavailable', 'import-interrupted', 'Import interrupted', interruptedDetail(error), {
    retryAfterSeconds: 1,
    recorded: error.recorded,
    consistency_token: tokenOf(error.position),
  });
}
