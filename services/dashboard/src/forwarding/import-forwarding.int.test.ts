import { createHash } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { serveDashboard, startFakeUpstream } from '../fake-upstream.fixture.ts';

// POST /api/command/imports through the dashboard's real HTTP server: the CSV file streams to the
// command API as it arrives (never held whole), and each NDJSON progress line comes back as it is written.

const KEY = 'dashboard-key-0123456789abcdef';
const MiB = 1024 * 1024;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function upstream(handle: Parameters<typeof startFakeUpstream>[0]) {
  const fake = await startFakeUpstream(handle);
  cleanups.push(fake.close);
  return fake;
}

async function dashboard(env: Record<string, string>) {
  const served = await serveDashboard(env);
  cleanups.push(served.close);
  return served;
}

/** `megabytes` MiB of CSV rows, each different (so a dropped or repeated chunk would show). */
function csvOf(megabytes: number): string[] {
  const chunks: string[] = [];
  let row = 0;
  for (let m = 0; m < megabytes; m++) {
    let chunk = m === 0 ? 'timestamp,coin,amount,purchase_price_usd\n' : '';
    while (chunk.length < MiB - 64) chunk += `2021-03-01T14:00:00Z,bitcoin,0.${String(++row).padStart(18, '0')},49631.24\n`;
    chunks.push(chunk);
  }
  return chunks;
}

/** A chunked upload (no Content-Length, like a browser streaming a file) the test writes piece by piece. */
function startUpload(url: string, headers: Record<string, string>) {
  const request: ClientRequest = httpRequest(url, { method: 'POST', headers });
  request.flushHeaders();
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.on('response', resolve);
    request.on('error', reject);
  });
  const write = (chunk: string) => new Promise<void>((resolve, reject) => request.write(chunk, (error) => (error ? reject(error) : resolve())));
  return { request, response, write };
}

/** Reads an NDJSON answer line by line; each line must come within `withinMs` or the read fails. */
function lineReader(response: IncomingMessage, withinMs = 5_000) {
  const iterator = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending = '';
  return async function nextLine(): Promise<string | null> {
    for (;;) {
      const end = pending.indexOf('\n');
      if (end >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        return line;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = await Promise.race([
        iterator.next(),
        new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`no complete line within ${withinMs} ms: the answer is being held back`)), withinMs))),
      ]).finally(() => clearTimeout(timer));
      if (next.done) return pending ? pending : null;
      pending += next.value.toString('utf8');
    }
  };
}

async function textOf(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += (chunk as Buffer).toString('utf8');
  return text;
}

describe('forwarding POST /api/command/imports', () => {
  it('streams a large CSV file through as it arrives, with the key, Content-Type and Accept, and each NDJSON line back as it is written', async () => {
    const lines = [
      '{"type":"progress","phase":"writing","done":0,"total":3,"recorded":0}',
      '{"type":"progress","phase":"writing","done":2,"total":3,"recorded":2}',
      '{"type":"report","outcome":"imported","rows":3,"new":3,"recorded":3,"amount_check":0.123456789012345678,"consistency_token":"812.7"}',
    ];
    // The service sends its next line only when the test has received the one before.
    const releases: Array<() => void> = [];
    const command = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
      let sent = 0;
      const sendNext = () => {
        res.write(lines[sent++] + '\n');
        if (sent === lines.length) res.end();
        else releases.push(sendNext);
      };
      sendNext();
    });
    const served = await dashboard({ COMMAND_API_URL: command.url, DASHBOARD_API_KEY: KEY, UPSTREAM_TIMEOUT_MS: '2000' });

    const chunks = csvOf(8); // far over the 64 KiB other calls may send, under the import's 64 MiB
    const upload = startUpload(`${served.url}/api/command/imports?skip_invalid=true`, {
      'content-type': 'text/csv',
      accept: 'application/x-ndjson',
      authorization: 'Bearer from-the-browser',
      cookie: 'session=secret',
    });
    await upload.write(chunks[0]!);
    // The first MiB reaches the service while the rest is not even sent: nothing holds the file back.
    await expect.poll(() => command.bytesArrived, { timeout: 5_000 }).toBeGreaterThanOrEqual(Buffer.byteLength(chunks[0]!) - 64 * 1024);
    expect(command.received).toHaveLength(0);
    for (const chunk of chunks.slice(1)) await upload.write(chunk);
    upload.request.end();

    const response = await upload.response;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers['x-accel-buffering']).toBe('no');
    expect(response.headers['cache-control']).toBe('no-store');
    const nextLine = lineReader(response);
    for (const line of lines) {
      // Byte for byte (every digit), and before the service has written the next one.
      expect(await nextLine()).toBe(line);
      releases.shift()?.();
    }
    expect(await nextLine()).toBeNull();

    const seen = command.received[0]!;
    const sent = chunks.join('');
    expect(seen.url).toBe('/imports?skip_invalid=true');
    expect(seen.body.length).toBe(sent.length);
    expect(createHash('sha256').update(seen.body).digest('hex')).toBe(createHash('sha256').update(sent).digest('hex'));
    expect(seen.headers['content-type']).toBe('text/csv');
    expect(seen.headers['accept']).toBe('application/x-ndjson');
    expect(seen.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(seen.headers['cookie']).toBeUndefined();
  });

  it('holds no copy of the file: once 60 MiB have passed through, the memory they took is free again', async () => {
    // Node's fetch keeps a whole streamed body for re-sending when redirects are not errors; a
    // forced collection shows whether the bytes that went through are still held somewhere.
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const heldBytes = () => {
      collectGarbage();
      return process.memoryUsage().arrayBuffers;
    };
    let answer: ServerResponse | undefined;
    const command = await upstream((_req, res) => (answer = res)); // answers when the test says so
    const served = await dashboard({ COMMAND_API_URL: command.url });
    const before = heldBytes();

    const upload = startUpload(`${served.url}/api/command/imports`, { 'content-type': 'text/csv', accept: 'application/x-ndjson' });
    for (const chunk of csvOf(60)) await upload.write(chunk);
    upload.request.end();
    await expect.poll(() => command.received.length, { timeout: 20_000 }).toBe(1);
    expect(command.received[0]!.body.length).toBeGreaterThan(60 * MiB - 64 * 60);
    // The fixture keeps the body it received as a string (on the V8 heap, not in ArrayBuffers);
    // the upload is done but the request is still open: nothing should hold its chunks now.
    expect((heldBytes() - before) / MiB).toBeLessThan(16);

    answer!.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    expect((await upload.response).statusCode).toBe(200);
  });

  it('refuses a file over IMPORT_MAX_BYTES: at once when declared, when it gets there when streamed; the service never gets a whole request', async () => {
    const command = await upstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const served = await dashboard({ COMMAND_API_URL: command.url, IMPORT_MAX_BYTES: String(MiB) });

    const declared = startUpload(`${served.url}/api/command/imports`, { 'content-type': 'text/csv', 'content-length': String(2 * MiB) });
    declared.request.on('error', () => undefined); // the server may close before the body is sent
    const refusedAtOnce = await declared.response;
    expect(refusedAtOnce.statusCode).toBe(413);
    expect(refusedAtOnce.headers['content-type']).toBe('application/problem+json');
    declared.request.destroy();
    expect(command.bytesArrived).toBe(0);

    const streamed = startUpload(`${served.url}/api/command/imports`, { 'content-type': 'text/csv' });
    streamed.request.on('error', () => undefined);
    const [first, second] = csvOf(2);
    await streamed.write(first!);
    void streamed.write(second!).catch(() => undefined);
    streamed.request.end();
    const refusedOnTheWay = await streamed.response;
    expect(refusedOnTheWay.statusCode).toBe(413);
    const problem = JSON.parse(await textOf(refusedOnTheWay)) as { type: string; detail: string };
    expect(problem.type).toBe('/problems/payload-too-large');
    expect(problem.detail).toBe('the request body may be at most 1 MiB');
    expect(command.received).toHaveLength(0);
  });

  it('gives an import IMPORT_TIMEOUT_MS to answer after the file is sent, not the shorter UPSTREAM_TIMEOUT_MS', async () => {
    // The command API answers only after checking and pricing every row.
    const command = await upstream((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"rows":1}'), 700));
    const patient = await dashboard({ COMMAND_API_URL: command.url, UPSTREAM_TIMEOUT_MS: '200', IMPORT_TIMEOUT_MS: '5000' });
    const csv = 'timestamp,coin,amount,purchase_price_usd\n2021-03-01,bitcoin,0.5,100\n';
    const ok = await fetch(`${patient.url}/api/command/imports?dry_run=true`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('{"rows":1}');

    const impatient = await dashboard({ COMMAND_API_URL: command.url, UPSTREAM_TIMEOUT_MS: '5000', IMPORT_TIMEOUT_MS: '200' });
    const late = await fetch(`${impatient.url}/api/command/imports?dry_run=true`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(late.status).toBe(503);
    expect(((await late.json()) as { type: string }).type).toBe('/problems/upstream-timeout');
  });
});
