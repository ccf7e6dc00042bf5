import { ApiError, problemOf, type Problem } from './api-error.ts';
import { parseExact, toInteger, type Exact } from './exact-json.ts';
import type { UploadTransport } from './file-upload.ts';
import type { components } from './generated/command-api.d.ts';
import type { ImportFailure, ImportListener, ImportProgress, ImportReport, ImportResult, ImportRowError } from './model.ts';
import { NdjsonLines } from './ndjson-lines.ts';

type Schemas = components['schemas'];
type StreamLine = Schemas['ImportProgress'] | Schemas['ImportReportLine'] | Schemas['ImportFailedLine'];

const NDJSON = 'application/x-ndjson';
const CSV_HEADERS = { 'content-type': 'text/csv' };

export interface ImportCalls {
  /** A dry run: the command API reads and checks every row and records nothing. */
  checkImport(file: Blob, listener: ImportListener, signal?: AbortSignal): Promise<ImportReport>;
  /** Records the file's new rows (`skipInvalid`: the valid ones when some are invalid), reporting progress. */
  importFile(file: Blob, options: { skipInvalid: boolean }, listener: ImportListener, signal?: AbortSignal): Promise<ImportResult>;
}

/**
 * `POST /api/command/imports` (the command API's `POST /imports`, through the dashboard server,
 * which adds the API key). The file is the body, as it is; answers are parsed losslessly.
 */
export function createImportCalls(options: { origin: string; upload: UploadTransport }): ImportCalls {
  const url = (query: string) => `${options.origin}/api/command/imports?${query}`;

  return {
    async checkImport(file, listener, signal) {
      let status = 0;
      let text = '';
      await options.upload(
        { url: url('dry_run=true'), body: file, headers: { ...CSV_HEADERS, accept: 'application/json' }, signal },
        {
          uploadProgress: (sent, total) => listener.uploading?.(sent, total),
          uploaded: () => listener.checking?.(),
          answerStarted: (answerStatus) => (status = answerStatus),
          received: (piece) => (text += piece),
        },
      );
      if (status === 200) return toImportReport(parseExact<Schemas['ImportReport']>(text));
      throw refusalOrError(status, text);
    },

    async importFile(file, { skipInvalid }, listener, signal) {
      let status = 0;
      let streaming = false;
      let problemText = '';
      let last: ImportProgress | undefined;
      let result: ImportResult | undefined;
      const lines = new NdjsonLines();
      const take = (line: string) => {
        const parsed = parseExact<StreamLine>(line);
        if (parsed.type === 'progress') {
          last = toImportProgress(parsed);
          listener.writing?.(last);
        } else if (parsed.type === 'report') {
          result = { kind: 'imported', report: toImportReport(parsed) };
        } else if (parsed.type === 'failed') {
          result = { kind: 'failed', failure: toImportFailure(parsed) };
        }
      };
      try {
        await options.upload(
          { url: url(skipInvalid ? 'skip_invalid=true' : 'skip_invalid=false'), body: file, headers: { ...CSV_HEADERS, accept: NDJSON }, signal },
          {
            uploadProgress: (sent, total) => listener.uploading?.(sent, total),
            uploaded: () => listener.checking?.(),
            answerStarted: (answerStatus, contentType) => {
              status = answerStatus;
              streaming = answerStatus === 200 && (contentType ?? '').toLowerCase().startsWith(NDJSON);
            },
            received: (piece) => {
              if (streaming) lines.push(piece).forEach(take);
              else problemText += piece;
            },
          },
        );
      } catch (error) {
        // The connection broke while rows were being written: what is recorded stays.
        if (streaming && error instanceof ApiError && error.status === null) return brokenOff(last);
        throw error;
      }
      if (streaming) {
        lines.end().forEach(take);
        return result ?? brokenOff(last);
      }
      if (status === 200) throw new ApiError(200, { detail: 'the command API answered in a form the dashboard does not read' });
      const refusal = refusalOrError(status, problemText);
      if (refusal instanceof ImportRefusal) return { kind: 'refused', report: refusal.report };
      throw refusal;
    },
  };
}

/** A 422 `import-refused` carries the report (counts and the errors by line); anything else is an ApiError. */
class ImportRefusal extends ApiError {
  constructor(
    problem: Problem,
    readonly report: ImportReport,
  ) {
    super(422, problem);
  }
}

function refusalOrError(status: number, text: string): ApiError {
  const problem = problemOf(text);
  if (status === 422 && problem && (problem.type ?? '').endsWith('/import-refused')) {
    return new ImportRefusal(problem, toImportReport({ ...(problem as unknown as Schemas['ImportReport']), message: problem.detail ?? '' }));
  }
  return new ApiError(status, problem);
}

function brokenOff(last: ImportProgress | undefined): ImportResult {
  return {
    kind: 'failed',
    failure: {
      detail:
        'the connection broke off before the import finished. Rows recorded by then stay; import the same file again to record the rest (rows already recorded are skipped).',
      recorded: last?.recorded ?? 0,
      consistencyToken: null,
    },
  };
}

type Counted<T> = Exact<T> | T;

export function toImportReport(raw: Counted<Schemas['ImportReport']>): ImportReport {
  return {
    outcome: raw.outcome,
    rows: toInteger(raw.rows),
    valid: toInteger(raw.valid),
    invalid: toInteger(raw.invalid),
    newRows: toInteger(raw.new),
    alreadyPresent: toInteger(raw.already_present),
    recorded: toInteger(raw.recorded),
    errors: (raw.errors ?? []).map(toRowError),
    errorsTruncated: raw.errors_truncated === true,
    consistencyToken: raw.consistency_token ?? null,
    message: raw.message,
  };
}

function toRowError(raw: Counted<Schemas['ImportRowError']>): ImportRowError {
  return { line: toInteger(raw.line), field: raw.field, reason: raw.reason };
}

function toImportProgress(raw: Exact<Schemas['ImportProgress']>): ImportProgress {
  return { done: toInteger(raw.done), total: toInteger(raw.total), recorded: toInteger(raw.recorded) };
}

function toImportFailure(raw: Exact<Schemas['ImportFailedLine']>): ImportFailure {
  return { detail: raw.detail, recorded: toInteger(raw.recorded), consistencyToken: raw.consistency_token ?? null };
}
