import { createApp } from '@crypto-invest/command-api/src/app.ts';
import { createLogger } from '@crypto-invest/logger';
import { createPool, type Pool } from '@crypto-invest/postgres';
import { createPriceService } from '@crypto-invest/prices';
import { freshDatabase, recordInvestments, startFakeCoinGecko, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFingerprint } from '../database-fingerprint.ts';
import {
  anyJsonText,
  bounded,
  headerValue,
  hostileQuery,
  invalidCoinJson,
  invalidDecimalJson,
  invalidTimestampJson,
  isClientProblem,
  nastyString,
  notAJsonObject,
  notAnId,
  notJsonMediaType,
  readAnswer,
  type ProblemAnswer,
} from './hostile-input.ts';
import { Coverage, documentedOperations } from './operations.ts';

// Thousands of generated malformed and hostile requests to every endpoint of the command
// API, in-process with its real dependencies (the primary as crypto_command, the price
// service against the local fake CoinGecko): every answer is a 4xx problem+json — never
// a 5xx, never a hang — and the database is unchanged, row for row.
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 500);
const KEY = 'bad-input-key-0123456789abcdefghij';
const QUERY_API = 'http://127.0.0.1:8001';
const ANSWER_WITHIN_MS = 10_000;

let db: TestDatabase;
let pool: Pool;
let fake: FakeCoinGecko;
let app: ReturnType<typeof createApp>;
let coverage: Coverage;
let before: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  fake = await startFakeCoinGecko();
  const logger = createLogger({ service: 'command-api-bad-input', level: 'silent' });
  pool = createPool({ url: db.url('command'), name: 'bad-input', max: 10, logger });
  app = createApp({
    config: {
      auth: { mode: 'required', keys: [KEY] },
      queryApiPublicUrl: QUERY_API,
      idempotency: { ttlHours: 24 },
      imports: { maxBytes: 256 * 1024 },
      writeRateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000 },
      cors: { origins: ['http://127.0.0.1:8501'] },
    },
    logger,
    pool,
    prices: createPriceService({ baseUrl: fake.url, logger, budgetMs: 2_000 }),
  });
  // Something to lose: investments, a voided one, an answered Idempotency-Key.
  const written = await recordInvestments(pool, [
    { coin: 'bitcoin', amount: '0.5', purchasePriceUsd: '30000.12' },
    { coin: 'ethereum', amount: '2.000000000000000001', purchasePriceUsd: '1500' },
    { coin: 'cardano', amount: '1000', purchasePriceUsd: '0.000000000000000001' },
  ]);
  const voided = await app.request(`/investments/${written[2]!.investmentId}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } });
  expect(voided.status).toBe(200);
  const keyed = await app.request('/invest', {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': 'seeded-key' },
    body: '{"coin":"dogecoin","amount":10,"purchase_price_usd":"0.1"}',
  });
  expect(keyed.status).toBe(200);
  coverage = new Coverage(await documentedOperations((path) => Promise.resolve(app.request(path))));
  before = await databaseFingerprint(db.admin);
});

afterAll(async () => {
  await pool?.end();
  await fake?.close();
  await db?.drop();
});

async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<ProblemAnswer> {
  const response = await bounded(Promise.resolve(app.request(path, { method, headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) })), ANSWER_WITHIN_MS, `${method} ${path}`);
  const answer = await readAnswer(response);
  if (answer.status >= 400 && answer.status < 500) coverage.note(method, path);
  return answer;
}

const auth = { authorization: `Bearer ${KEY}` };
const json = { ...auth, 'content-type': 'application/json' };
const expectProblem = (answer: ProblemAnswer, statuses: number[]) => {
  expect(isClientProblem(answer), JSON.stringify(answer).slice(0, 500)).toBe(true);
  expect(statuses).toContain(answer.status);
};

const writeRoute = fc.oneof(
  fc.constant({ method: 'POST', path: '/invest' }),
  fc.constant({ method: 'POST', path: '/investments' }),
  fc.constant({ method: 'POST', path: '/imports' }),
  fc.oneof(notAnId(), fc.nat().map(String)).map((id) => ({ method: 'DELETE', path: `/investments/${id}` })),
);
const VALID = { coin: '"bitcoin"', amount: '1.5', purchase_price_usd: '"100.25"', timestamp: '"2021-01-01T10:00:00Z"' };
type Field = keyof typeof VALID;
const INVALID: Record<Field, () => fc.Arbitrary<string>> = {
  coin: invalidCoinJson,
  amount: invalidDecimalJson,
  purchase_price_usd: invalidDecimalJson,
  timestamp: invalidTimestampJson,
};

/** A purchase body with at least one field that breaks a rule (the others valid, broken or missing). */
const brokenPurchase = fc
  .record({
    broken: fc.constantFrom<Field | 'unknown field'>('coin', 'amount', 'purchase_price_usd', 'timestamp', 'unknown field'),
    others: fc.record({
      coin: fc.oneof(fc.constant(VALID.coin), invalidCoinJson()),
      amount: fc.oneof(fc.constant(VALID.amount), invalidDecimalJson()),
      purchase_price_usd: fc.oneof(fc.constant(VALID.purchase_price_usd), fc.constant(undefined), invalidDecimalJson()),
      timestamp: fc.oneof(fc.constant(VALID.timestamp), fc.constant(undefined), invalidTimestampJson()),
    }),
    brokenValue: fc.oneof(...(['coin', 'amount', 'purchase_price_usd', 'timestamp'] as Field[]).map((f) => INVALID[f]().map((v) => ({ field: f, v })))),
    unknown: fc.tuple(nastyString().filter((k) => !Object.keys(VALID).includes(k)), anyJsonText()),
  })
  .map(({ broken, others, brokenValue, unknown }) => {
    // A Map, not an object: an unknown field may well be called __proto__.
    const fields = new Map<string, string | undefined>(Object.entries(others));
    if (broken === 'unknown field') fields.set(unknown[0], unknown[1]);
    else fields.set(brokenValue.field, brokenValue.v);
    return `{${[...fields.entries()]
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
      .join(',')}}`;
  });

describe('command API: malformed and hostile requests', () => {
  it('refuses every write without a valid API key with 401, whatever else the request holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        writeRoute,
        fc.option(fc.oneof(headerValue(), fc.constantFrom(`Bearer ${KEY}x`, `Bearer ${KEY.slice(1)}`, `Basic ${KEY}`, `Bearer  ${KEY} ${KEY}`, KEY))),
        fc.option(fc.oneof(notJsonMediaType(), fc.constant('application/json'))),
        fc.oneof(anyJsonText(), nastyString()),
        hostileQuery(),
        async (route, authorization, contentType, body, query) => {
          const headers: Record<string, string> = {};
          if (authorization !== null) headers.authorization = authorization;
          if (contentType !== null) headers['content-type'] = contentType;
          const answer = await call(route.method, `${route.path}?${query}`, { headers, body });
          expectProblem(answer, [401]);
          expect(answer.body?.errors).toEqual([expect.objectContaining({ field: 'Authorization' })]);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('refuses purchases with a field that breaks a rule (400 naming it), and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/invest', '/investments'), brokenPurchase, async (path, body) => {
        const answer = await call('POST', path, { headers: json, body });
        expectProblem(answer, [400, 413]);
        if (answer.status === 400) expect((answer.body?.errors as unknown[] | undefined)?.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('refuses bodies that are not a JSON object (400), not JSON (415), too large (413) or not UTF-8 (400)', async () => {
    const body = fc.oneof(
      notAJsonObject().map((text) => ({ text, contentType: 'application/json', statuses: [400] })),
      fc.tuple(notJsonMediaType(), fc.constant('{"coin":"bitcoin","amount":1,"purchase_price_usd":1}')).map(([contentType, text]) => ({ text, contentType, statuses: [415] })),
      fc.integer({ min: 16 * 1024, max: 200_000 }).map((n) => ({ text: `{"coin":"bitcoin","amount":1,"purchase_price_usd":1,"note":"${'x'.repeat(n)}"}`, contentType: 'application/json', statuses: [413] })),
      fc.uint8Array({ minLength: 1, maxLength: 100 }).map((bytes) => ({ text: new Uint8Array([0x7b, 0xff, 0xfe, ...bytes]), contentType: 'application/json; charset=utf-8', statuses: [400] })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/invest', '/investments'), body, async (path, { text, contentType, statuses }) => {
        const answer = await call('POST', path, { headers: { ...auth, 'content-type': contentType }, body: text });
        expectProblem(answer, statuses);
      }),
      { numRuns: RUNS },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('refuses a malformed Idempotency-Key (400) whatever other hostile headers come with it', async () => {
    const badKey = fc.oneof(
      fc.string({ minLength: 256, maxLength: 2_000, unit: fc.constantFrom(...'abcXYZ019-_:.') }),
      fc.tuple(fc.stringMatching(/^[a-z0-9]{1,20}$/), fc.constantFrom(' ', 'é', 'ÿ', '\u00a0'), fc.stringMatching(/^[a-z0-9]{1,20}$/)).map(([a, c, b]) => a + c + b),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/invest', '/investments'),
        badKey,
        fc.record({ 'x-request-id': headerValue(), 'x-consistency-token': headerValue(), accept: headerValue(), origin: headerValue(), 'x-forwarded-for': headerValue() }, { requiredKeys: [] }),
        hostileQuery(),
        async (path, key, extra, query) => {
          const answer = await call('POST', `${path}?${query}`, {
            headers: { ...extra, ...json, 'idempotency-key': key },
            body: '{"coin":"bitcoin","amount":"0.25","purchase_price_usd":"20000"}',
          });
          expectProblem(answer, [400]);
          expect(answer.body?.errors).toEqual([expect.objectContaining({ field: 'idempotency-key' })]);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('refuses voiding what is not an investment id (400) or no investment (404)', async () => {
    const id = fc.oneof(
      notAnId().map((text) => ({ text, statuses: [400, 404] })),
      fc.bigInt({ min: 10n ** 12n, max: 10n ** 30n }).map((n) => ({ text: String(n), statuses: [400, 404] })),
    );
    await fc.assert(
      fc.asyncProperty(id, hostileQuery(), async ({ text, statuses }, query) => {
        const answer = await call('DELETE', `/investments/${text}?${query}`, { headers: auth });
        expectProblem(answer, statuses);
      }),
      { numRuns: RUNS },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('refuses CSV imports that cannot go through (415, 400, 422), writing nothing', async () => {
    const HEADER = 'timestamp,coin,amount,purchase_price_usd';
    const validRow = fc.tuple(fc.integer({ min: 1, max: 900 }), fc.constantFrom('bitcoin', 'ETH', 'cardano'), fc.integer({ min: 1, max: 10_000 })).map(
      ([day, coin, n]) => `${new Date(Date.UTC(2019, 0, 1) + day * 86_400_000).toISOString().slice(0, 10)},${coin},${n}.5,${n * 3}.25`,
    );
    const invalidRow = fc.oneof(
      brokenRowField('amount'),
      brokenRowField('price'),
      brokenRowField('timestamp'),
      brokenRowField('coin'),
    );
    const file = fc.oneof(
      // not CSV
      fc.tuple(notJsonMediaType().filter((m) => m !== 'text/csv'), fc.constant(`${HEADER}\n2021-01-01,bitcoin,1,100\n`)).map(([contentType, text]) => ({ contentType, text, query: '', statuses: [415] })),
      // a header that is not the import's
      fc.tuple(fc.array(nastyString(), { minLength: 1, maxLength: 6 }), fc.array(validRow, { maxLength: 3 })).filter(([columns]) => !isImportHeader(columns)).map(([columns, rows]) => ({
        contentType: 'text/csv',
        text: [columns.map(csvField).join(','), ...rows].join('\n'),
        query: '',
        statuses: [400, 413, 422],
      })),
      // the right header, valid rows and at least one invalid one: all or nothing refuses the file
      fc.tuple(fc.array(validRow, { maxLength: 5 }), invalidRow, fc.array(validRow, { maxLength: 5 })).map(([a, bad, b]) => ({
        contentType: 'text/csv',
        text: [HEADER, ...a, bad, ...b].join('\r\n'),
        query: '',
        statuses: [400, 422],
      })),
      // query parameters that are not the import's
      fc.tuple(fc.constantFrom('dry_run', 'skip_invalid', 'force', '__proto__'), fc.constantFrom('maybe', 'yes', '1', '', 'TRUE', 'tru')).map(([name, value]) => ({
        contentType: 'text/csv',
        text: `${HEADER}\n2021-01-01,bitcoin,1,100\n`,
        query: `${name}=${value}`,
        statuses: [400],
      })),
    );
    await fc.assert(
      fc.asyncProperty(file, async ({ contentType, text, query, statuses }) => {
        const answer = await call('POST', `/imports?${query}`, { headers: { ...auth, 'content-type': contentType }, body: text });
        expectProblem(answer, statuses);
      }),
      { numRuns: RUNS },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('sends the seed’s reads to the query API (307, same path, no header injection) whatever their query string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/history', '/stats'), hostileQuery(), async (path, query) => {
        const response = await bounded(Promise.resolve(app.request(`${path}?${query}`)), ANSWER_WITHIN_MS, path);
        expect(response.status).toBe(307);
        const location = response.headers.get('location') ?? '';
        expect(location.startsWith(`${QUERY_API}${path}`)).toBe(true);
        expect(location).not.toMatch(/[\r\n]/);
      }),
      { numRuns: RUNS / 5 },
    );
  });

  it('answers 404 problem+json to paths and methods it does not have', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'PATCH', 'POST', 'DELETE'),
        fc.oneof(fc.webPath(), nastyString().map((s) => '/' + encodeURIComponent(s))),
        async (method, path) => {
          if (/^\/(invest|investments(\/[^/]+)?|imports|history|stats|health|ready|metrics|openapi\.json|docs(\/.*)?)$/.test(path)) return;
          const answer = await call(method, path || '/', { headers: auth });
          expectProblem(answer, [404, 405]);
        },
      ),
      { numRuns: RUNS / 2 },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('reached every documented operation that takes input', () => {
    // /health, /ready: no input; /history, /stats: a redirect whatever the input (tested above).
    expect(coverage.missed(['GET /health', 'GET /ready', 'GET /history', 'GET /stats'])).toEqual([]);
  });
});

/** A CSV row whose `field` breaks the rules of POST /invest. */
function brokenRowField(field: 'amount' | 'price' | 'timestamp' | 'coin'): fc.Arbitrary<string> {
  const bad = {
    amount: fc.constantFrom('-1', '0', '0,5', 'abc', '1e400', '0.0000000000000000001', '123456789012345678901'),
    price: fc.constantFrom('-100', '0', 'NaN', 'x1', '1 000', '"12,5"'),
    timestamp: fc.constantFrom('yesterday', '2021-02-30', '01/03/2021', '2021-01-01T10:00:00', '2999-01-01', '2008-12-31'),
    coin: fc.constantFrom('bit coin', '<script>', "'; drop table investments; --", '"a,b"', '💸'),
  }[field];
  return bad.map((value) => {
    const row = { timestamp: '2021-03-01', coin: 'bitcoin', amount: '1.5', price: '100' };
    return [field === 'timestamp' ? value : row.timestamp, field === 'coin' ? value : row.coin, field === 'amount' ? value : row.amount, field === 'price' ? value : row.price].join(',');
  });
}

function isImportHeader(columns: string[]): boolean {
  const wanted = ['timestamp', 'coin', 'amount', 'purchase_price_usd'];
  const got = columns.map((c) => c.trim().toLowerCase().replace(/^\ufeff/, ''));
  return got.length === wanted.length && wanted.every((w) => got.includes(w));
}

const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
