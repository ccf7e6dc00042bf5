import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import type { UploadCallbacks, UploadRequest, UploadTransport } from './file-upload.ts';
import { createImportCalls } from './imports-api.ts';
import type { ImportListener, ImportProgress } from './model.ts';
import { NdjsonLines } from './ndjson-lines.ts';

/**
 * A transport that answers as a server would through XHR: upload progress, then the status,
 * then the body in the given pieces (cut anywhere, mid-line included), or a broken connection.
 */
function fakeTransport(answer: { status: number; contentType: string; pieces: string[]; breaksAfterPieces?: boolean }) {
  const requests: UploadRequest[] = [];
  const upload: UploadTransport = async (request, callbacks: UploadCallbacks) => {
    requests.push(request);
    callbacks.uploadProgress(request.body.size / 2, request.body.size);
    callbacks.uploadProgress(request.body.size, request.body.size);
    callbacks.uploaded();
    callbacks.answerStarted(answer.status, answer.contentType);
    for (const piece of answer.pieces) callbacks.received(piece);
    if (answer.breaksAfterPieces) throw new ApiError(null, null);
  };
  return { upload, requests };
}

function recordingListener() {
  const events: string[] = [];
  const progress: ImportProgress[] = [];
  const listener: ImportListener = {
    uploading: (sent, total) => events.push(`uploading ${sent}/${total}`),
    checking: () => events.push('checking'),
    writing: (p) => {
      events.push('writing');
      progress.push(p);
    },
  };
  return { listener, events, progress };
}

const CSV = new Blob(['timestamp,coin,amount,purchase_price_usd\n2021-03-01,bitcoin,0.5,100\n'], { type: 'text/csv' });
const REPORT =
  '"outcome":"imported","dry_run":false,"skip_invalid":false,"rows":3,"valid":3,"invalid":0,"new":2,"already_present":1,"recorded":2,"importable":true,"errors":[],"errors_truncated":false,"consistency_token":"7391.1024","message":"Imported: recorded 2 investments; 1 row already present."';

describe('the import calls', () => {
  it('dry-runs the file as text/csv for a JSON report, telling upload progress and when the check begins', async () => {
    const dryRun =
      '{"outcome":"checked","dry_run":true,"skip_invalid":false,"rows":4,"valid":2,"invalid":2,"new":2,"already_present":0,"recorded":0,"importable":false,' +
      '"errors":[{"line":3,"field":"amount","reason":"use a point as the decimal separator"},{"line":5,"field":"coin","reason":"unknown coin"},{"line":5,"field":"timestamp","reason":"is in the future"}],' +
      '"errors_truncated":false,"consistency_token":null,"message":"Dry run, nothing recorded."}';
    const { upload, requests } = fakeTransport({ status: 200, contentType: 'application/json', pieces: [dryRun.slice(0, 50), dryRun.slice(50)] });
    const { listener, events } = recordingListener();
    const report = await createImportCalls({ origin: 'http://dashboard.test', upload }).checkImport(CSV, listener);

    expect(requests[0]!.url).toBe('http://dashboard.test/api/command/imports?dry_run=true');
    expect(requests[0]!.headers).toEqual({ 'content-type': 'text/csv', accept: 'application/json' });
    expect(requests[0]!.body).toBe(CSV);
    expect(events).toEqual([`uploading ${CSV.size / 2}/${CSV.size}`, `uploading ${CSV.size}/${CSV.size}`, 'checking']);
    expect(report).toEqual({
      outcome: 'checked',
      rows: 4,
      valid: 2,
      invalid: 2,
      newRows: 2,
      alreadyPresent: 0,
      recorded: 0,
      errors: [
        { line: 3, field: 'amount', reason: 'use a point as the decimal separator' },
        { line: 5, field: 'coin', reason: 'unknown coin' },
        { line: 5, field: 'timestamp', reason: 'is in the future' },
      ],
      errorsTruncated: false,
      consistencyToken: null,
      message: 'Dry run, nothing recorded.',
    });
  });

  it('imports with NDJSON: progress from lines cut anywhere, then the report with its consistency token', async () => {
    const body =
      '{"type":"progress","phase":"writing","done":0,"total":3,"recorded":0}\n' +
      '{"type":"progress","phase":"writing","done":2,"total":3,"recorded":1}\r\n\n' +
      `{"type":"report",${REPORT}}\n`;
    const pieces = [body.slice(0, 7), body.slice(7, 90), body.slice(90, 91), body.slice(91)];
    const { upload, requests } = fakeTransport({ status: 200, contentType: 'application/x-ndjson; charset=utf-8', pieces });
    const { listener, events, progress } = recordingListener();
    const result = await createImportCalls({ origin: '', upload }).importFile(CSV, { skipInvalid: true }, listener);

    expect(requests[0]!.url).toBe('/api/command/imports?skip_invalid=true');
    expect(requests[0]!.headers).toEqual({ 'content-type': 'text/csv', accept: 'application/x-ndjson' });
    expect(events.slice(2)).toEqual(['checking', 'writing', 'writing']);
    expect(progress).toEqual([
      { done: 0, total: 3, recorded: 0 },
      { done: 2, total: 3, recorded: 1 },
    ]);
    expect(result).toEqual({
      kind: 'imported',
      report: expect.objectContaining({ outcome: 'imported', rows: 3, newRows: 2, alreadyPresent: 1, recorded: 2, consistencyToken: '7391.1024' }),
    });
  });

  it('says when writing failed part-way, with what was recorded and its token', async () => {
    const body =
      '{"type":"progress","phase":"writing","done":0,"total":5000,"recorded":0}\n' +
      '{"type":"progress","phase":"writing","done":2000,"total":5000,"recorded":2000}\n' +
      '{"type":"failed","status":503,"title":"Import interrupted","detail":"writing stopped after 2000 rows were recorded","recorded":2000,"consistency_token":"80.2000"}';
    const { upload } = fakeTransport({ status: 200, contentType: 'application/x-ndjson', pieces: [body] });
    const result = await createImportCalls({ origin: '', upload }).importFile(CSV, { skipInvalid: false }, {});
    expect(result).toEqual({ kind: 'failed', failure: { detail: 'writing stopped after 2000 rows were recorded', recorded: 2000, consistencyToken: '80.2000' } });
  });

  it('treats a connection broken mid-stream as a failure after the rows last reported, and one broken before any answer as unreachable', async () => {
    const progress = '{"type":"progress","phase":"writing","done":4000,"total":9000,"recorded":3000}\n{"type":"prog';
    const broken = fakeTransport({ status: 200, contentType: 'application/x-ndjson', pieces: [progress], breaksAfterPieces: true });
    const result = await createImportCalls({ origin: '', upload: broken.upload }).importFile(CSV, { skipInvalid: false }, {});
    expect(result).toMatchObject({ kind: 'failed', failure: { recorded: 3000, consistencyToken: null } });
    expect(result.kind === 'failed' && result.failure.detail).toMatch(/import the same file again to record the rest/);

    const down: UploadTransport = async () => {
      throw new ApiError(null, null);
    };
    const failure = await createImportCalls({ origin: '', upload: down }).importFile(CSV, { skipInvalid: false }, {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).unreachable).toBe(true);
  });

  it('reads a 422 refusal as a report with every bad row by line, and other problems as ApiErrors with their fields', async () => {
    const refusal =
      '{"type":"/problems/import-refused","title":"Import refused","status":422,"detail":"Import refused, nothing recorded: 1 row is invalid (line 4).",' +
      '"errors":[{"line":4,"field":"amount","reason":"must be greater than 0"}],"outcome":"refused","dry_run":false,"skip_invalid":false,' +
      '"rows":5,"valid":4,"invalid":1,"new":4,"already_present":0,"recorded":0,"importable":false,"errors_truncated":false,"consistency_token":null,"request_id":"r1"}';
    const refused = fakeTransport({ status: 422, contentType: 'application/problem+json', pieces: [refusal] });
    const result = await createImportCalls({ origin: '', upload: refused.upload }).importFile(CSV, { skipInvalid: false }, {});
    expect(result).toEqual({
      kind: 'refused',
      report: {
        outcome: 'refused',
        rows: 5,
        valid: 4,
        invalid: 1,
        newRows: 4,
        alreadyPresent: 0,
        recorded: 0,
        errors: [{ line: 4, field: 'amount', reason: 'must be greater than 0' }],
        errorsTruncated: false,
        consistencyToken: null,
        message: 'Import refused, nothing recorded: 1 row is invalid (line 4).',
      },
    });

    const badHeader =
      '{"type":"/problems/validation-failed","title":"Invalid","status":400,"detail":"the header has a column fee that is not imported","errors":[{"field":"fee","reason":"is not a column of an import"}]}';
    const invalid = fakeTransport({ status: 400, contentType: 'application/problem+json', pieces: [badHeader] });
    const failure = await createImportCalls({ origin: '', upload: invalid.upload }).checkImport(CSV, {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(400);
    expect((failure as ApiError).message).toBe('the header has a column fee that is not imported');
    expect((failure as ApiError).fieldErrors).toEqual({ fee: 'is not a column of an import' });
  });
});

describe('NdjsonLines', () => {
  it('gives whole lines only, across pieces, without CR or blank lines, and the last line at the end', () => {
    const lines = new NdjsonLines();
    expect(lines.push('{"a":1}\r\n{"b"')).toEqual(['{"a":1}']);
    expect(lines.push(':2}\n\n')).toEqual(['{"b":2}']);
    expect(lines.push('{"c":3}')).toEqual([]);
    expect(lines.end()).toEqual(['{"c":3}']);
    expect(lines.end()).toEqual([]);
  });
});
