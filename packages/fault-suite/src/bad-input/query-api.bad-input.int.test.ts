import { createLogger } from '@crypto-invest/logger';
import { createPool, type Pool } from '@crypto-invest/postgres';
import { createApp, type QueryApi } from '@crypto-invest/query-api/src/app.ts';
import { loadQueryApiConfig } from '@crypto-invest/query-api/src/config.ts';
import { freshDatabase, recordInvestments, type TestDatabase } from '@crypto-invest/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFingerprint } from '../database-fingerprint.ts';
import { bounded, brokenDecimalText, headerValue, isClientProblem, nastyString, readAnswer, type ProblemAnswer } from './hostile-input.ts';
import { Coverage, documentedOperations } from './operations.ts';

// The query API (in-process, reading the run's real replica as crypto_query) under thousands
// of malformed query strings and headers: each is a 400 naming the parameter, never a 5xx or
// a hang, and nothing in the database changes.
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 500);
const ANSWER_WITHIN_MS = 10_000;

let db: TestDatabase;
let replica: Pool;
let sut: QueryApi;
let coverage: Coverage;
let before: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  await recordInvestments(db.admin, [
    { coin: 'bitcoin', amount: '0.5', purchasePriceUsd: '30000.12', timestamp: '2021-03-01T10:00:00Z' },
    { coin: 'ethereum', amount: '2', purchasePriceUsd: '1500', timestamp: '2021-03-02T10:00:00Z' },
  ]);
  await db.replicaCaughtUp();
  const config = loadQueryApiConfig({ REPLICA_URLS: db.url('query', 'replica'), LOG_LEVEL: 'silent', CONSISTENCY_WAIT_MS: '100' });
  const logger = createLogger({ service: 'query-api-bad-input', level: 'silent' });
  replica = createPool({ url: config.replicaUrls[0]!, name: 'query-bad-input', max: 5, connectTimeoutMs: 1_500, logger });
  sut = createApp({ config, logger, replicas: [replica], currentPrices: async () => new Map() });
  await sut.start();
  coverage = new Coverage(await documentedOperations((path) => Promise.resolve(sut.app.request(path))));
  before = await databaseFingerprint(db.admin);
});

afterAll(async () => {
  sut?.stop();
  await replica?.end();
  await db?.drop();
});

async function call(method: string, path: string, headers: Record<string, string> = {}): Promise<ProblemAnswer> {
  const response = await bounded(Promise.resolve(sut.app.request(path, { method, headers })), ANSWER_WITHIN_MS, `${method} ${path}`);
  const answer = await readAnswer(response);
  if (answer.status >= 400 && answer.status < 500) coverage.note(method, path);
  return answer;
}

const withBadChar = (base: fc.Arbitrary<string>) =>
  // Inside the text, never at its ends: a client's blanks around a value are trimmed, not refused.
  fc.tuple(base, fc.constantFrom(' ', '/', '<', "'", ';', '💸', '\u0000', '*', '%', '?'), fc.nat()).map(([text, bad, at]) => {
    const i = 1 + (at % Math.max(1, text.length - 1));
    return text.slice(0, i) + bad + (text.slice(i) || 'x');
  });

const INVALID = {
  coin: fc.oneof(fc.constantFrom('', ' ', 'a'.repeat(101), '-bitcoin', '.x', '💸'), withBadChar(fc.stringMatching(/^[a-z]{1,12}$/))),
  from: fc.oneof(fc.constantFrom('2021-02-30', '2021-13-01', 'yesterday', '2021-01-01T10:00', '2021-01-01T10:00:00', '01/03/2021', '', 'NaN'), withBadChar(fc.constant('2021-03-01'))),
  to: fc.oneof(fc.constantFrom('2021-02-29', '2021-00-10', 'tomorrow', '2021-01-01 10:00', '9999-99-99'), withBadChar(fc.constant('2021-03-01T00:00:00Z'))),
  include_voided: fc.oneof(fc.constantFrom('yes', 'TRUE', '1', '', 'True', 'on'), nastyString().filter((s) => s !== 'true' && s !== 'false')),
  limit: fc.oneof(fc.constantFrom('0', '501', '-1', '1.5', '1e2', ' 5', '5 ', 'abc', '99999', '0x10', ''), fc.integer({ min: 501, max: 1e9 }).map(String), brokenDecimalText()),
  cursor: fc.oneof(fc.base64String({ maxLength: 80 }).map((s) => s.replace(/=+$/, '')), nastyString()),
  // (An empty `after=` counts as no token.)
  after: fc.oneof(fc.constantFrom('1', '1.', '.1', '1.2.3', '-1.2', '1.-2', 'a.b', `${'9'.repeat(21)}.1`), withBadChar(fc.constant('748.1052')), nastyString().filter((s) => s.trim() !== '')),
};
const VALID = { coin: 'bitcoin', from: '2020-01-01', to: '2022-01-01T00:00:00Z', include_voided: 'true', limit: '10' };
type Param = keyof typeof INVALID;

/** A history query with at least one broken parameter (the others valid, broken or absent). */
const brokenHistoryQuery = fc
  .record({
    broken: fc.constantFrom(...(Object.keys(INVALID) as Param[])),
    values: fc.record(Object.fromEntries((Object.keys(INVALID) as Param[]).map((p) => [p, INVALID[p]])) as Record<Param, fc.Arbitrary<string>>),
    keep: fc.subarray(Object.keys(VALID) as Array<keyof typeof VALID>),
  })
  .map(({ broken, values, keep }) => {
    const params = new URLSearchParams();
    for (const p of keep) params.set(p, VALID[p]);
    params.set(broken, values[broken]);
    // A cursor is refused on its own, but to test the cursor text itself it needs a limit.
    if (broken === 'cursor' && !params.has('limit')) params.set('limit', '10');
    return { broken, query: params.toString() };
  });

describe('query API: malformed and hostile requests', () => {
  it('refuses a history query with a broken parameter (400 naming it)', async () => {
    await fc.assert(
      fc.asyncProperty(brokenHistoryQuery, async ({ broken, query }) => {
        const answer = await call('GET', `/history?${query}`);
        expect(isClientProblem(answer), JSON.stringify(answer).slice(0, 400)).toBe(true);
        expect(answer.status).toBe(400);
        const fields = ((answer.body?.errors ?? []) as Array<{ field: string }>).map((e) => e.field);
        expect(fields.some((f) => f === broken || (broken === 'from' && f === 'to'))).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('refuses a consistency token that is not one (header or ?after=), on /history and /stats', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/history', '/stats'), INVALID.after, fc.boolean(), async (path, token, asHeader) => {
        // A header can only carry printable ASCII (and a client's blanks around it are trimmed).
        const sendable = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(token);
        const answer =
          asHeader && sendable
            ? await call('GET', path === '/history' ? '/history?limit=5' : path, { 'x-consistency-token': token })
            : await call('GET', `${path}?${new URLSearchParams({ after: token })}`);
        expect(isClientProblem(answer), JSON.stringify(answer).slice(0, 400)).toBe(true);
        expect(answer.status).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a statistics bucket it does not have', async () => {
    await fc.assert(
      fc.asyncProperty(nastyString().filter((s) => !['auto', 'day', 'week', 'month'].includes(s)), async (bucket) => {
        const answer = await call('GET', `/stats?${new URLSearchParams({ daily_bucket: bucket })}`);
        expect(isClientProblem(answer), JSON.stringify(answer).slice(0, 400)).toBe(true);
        expect(answer.status).toBe(400);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('answers 4xx problem+json to methods and paths it does not have, whatever the headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
        fc.oneof(fc.constantFrom('/history', '/stats', '/stream', '/health', '/ready'), fc.webPath(), nastyString().map((s) => '/' + encodeURIComponent(s))),
        fc.record({ authorization: headerValue(), 'content-type': headerValue(), 'x-request-id': headerValue() }, { requiredKeys: [] }),
        async (method, path, headers) => {
          if (method === 'GET' && /^\/(history|stats|stream|health|ready|metrics|openapi\.json|docs(\/.*)?)?$/.test(path)) return;
          const answer = await call(method, path || '/', headers);
          expect(isClientProblem(answer), `${method} ${path}: ${JSON.stringify(answer).slice(0, 300)}`).toBe(true);
        },
      ),
      { numRuns: RUNS / 2 },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('reached every documented operation that takes input', () => {
    // /health, /ready and /stream take no input.
    expect(coverage.missed(['GET /health', 'GET /ready', 'GET /stream'])).toEqual([]);
  });
});
