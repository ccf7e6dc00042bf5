import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, commandApiFixture, type CommandApiFixture } from '../command-api.fixture.ts';

// Every refused request gets its status and a problem body naming the field, and writes nothing.
let fx: CommandApiFixture;

beforeAll(async () => {
  fx = await commandApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

interface Case {
  name: string;
  body: string;
  status: number;
  field: string;
  reason?: RegExp;
  type?: string;
  headers?: Record<string, string>;
  path?: string;
}

const future = new Date(Date.now() + 3_600_000).toISOString();
const cases: Case[] = [
  { name: 'text/plain', body: '{"coin":"bitcoin","amount":1}', headers: { 'content-type': 'text/plain' }, status: 415, field: 'Content-Type', type: 'unsupported-media-type' },
  { name: 'no Content-Type', body: '{"coin":"bitcoin","amount":1}', headers: { 'content-type': '' }, status: 415, field: 'Content-Type' },
  { name: 'malformed JSON', body: '{"coin":"bitcoin","amount":', status: 400, field: 'body', type: 'malformed-json' },
  { name: 'duplicate keys', body: '{"coin":"bitcoin","amount":1,"amount":2}', status: 400, field: 'body', type: 'malformed-json' },
  { name: 'a body over 16 KiB', body: JSON.stringify({ coin: 'bitcoin', amount: 1, note: 'x'.repeat(17_000) }), status: 413, field: 'body', type: 'payload-too-large' },
  { name: 'an unknown field', body: '{"coin":"bitcoin","amount":1,"price":100}', status: 400, field: 'price', reason: /not a known field/ },
  { name: 'an array body', body: '[{"coin":"bitcoin","amount":1}]', status: 400, field: 'body' },
  { name: 'no amount', body: '{"coin":"bitcoin"}', status: 400, field: 'amount', reason: /required/ },
  { name: 'no coin', body: '{"amount":1}', status: 400, field: 'coin', reason: /required/ },
  { name: 'a boolean amount', body: '{"coin":"bitcoin","amount":true}', status: 400, field: 'amount', reason: /number or a decimal string/ },
  { name: 'a negative amount', body: '{"coin":"bitcoin","amount":-1}', status: 400, field: 'amount', reason: /greater than 0/ },
  { name: 'a zero amount', body: '{"coin":"bitcoin","amount":0}', status: 400, field: 'amount', reason: /greater than 0/ },
  { name: '19 decimal places', body: '{"coin":"bitcoin","amount":0.0000000000000000001}', status: 400, field: 'amount', reason: /18 decimal places/ },
  { name: '21 integer digits', body: '{"coin":"bitcoin","amount":123456789012345678901}', status: 400, field: 'amount', reason: /less than 10\^20/ },
  { name: 'an overflowing exponent', body: '{"coin":"bitcoin","amount":1e400}', status: 400, field: 'amount', reason: /out of range/ },
  { name: 'a hex string', body: '{"coin":"bitcoin","amount":"0x10"}', status: 400, field: 'amount', reason: /plain decimal/ },
  { name: 'a string with blanks', body: '{"coin":"bitcoin","amount":" 1"}', status: 400, field: 'amount', reason: /plain decimal/ },
  { name: 'a decimal comma', body: '{"coin":"bitcoin","amount":"0,5"}', status: 400, field: 'amount', reason: /decimal separator/ },
  { name: 'thousands separators', body: '{"coin":"bitcoin","amount":"1,000.5"}', status: 400, field: 'amount', reason: /thousands separators/ },
  { name: 'NaN', body: '{"coin":"bitcoin","amount":"NaN"}', status: 400, field: 'amount', reason: /plain decimal/ },
  { name: 'Infinity', body: '{"coin":"bitcoin","amount":"Infinity"}', status: 400, field: 'amount', reason: /plain decimal/ },
  { name: 'an empty string', body: '{"coin":"bitcoin","amount":""}', status: 400, field: 'amount', reason: /empty/ },
  { name: 'a negative price', body: '{"coin":"bitcoin","amount":1,"purchase_price_usd":-100}', status: 400, field: 'purchase_price_usd', reason: /greater than 0/ },
  { name: 'a zero price', body: '{"coin":"bitcoin","amount":1,"purchase_price_usd":"0"}', status: 400, field: 'purchase_price_usd', reason: /greater than 0/ },
  { name: 'a coin with a blank inside', body: '{"coin":"bit coin","amount":1}', status: 400, field: 'coin', reason: /CoinGecko coin id/ },
  { name: 'an empty coin', body: '{"coin":"  ","amount":1}', status: 400, field: 'coin', reason: /empty/ },
  { name: 'a numeric coin', body: '{"coin":1,"amount":1}', status: 400, field: 'coin' },
  { name: 'a future timestamp', body: `{"coin":"bitcoin","amount":1,"purchase_price_usd":1,"timestamp":"${future}"}`, status: 400, field: 'timestamp', reason: /future/ },
  { name: 'a timestamp without an offset', body: '{"coin":"bitcoin","amount":1,"timestamp":"2021-01-01T10:00:00"}', status: 400, field: 'timestamp', reason: /offset/ },
  { name: 'a date only', body: '{"coin":"bitcoin","amount":1,"timestamp":"2021-01-01"}', status: 400, field: 'timestamp', reason: /ISO 8601/ },
  { name: 'February 30th', body: '{"coin":"bitcoin","amount":1,"timestamp":"2021-02-30T10:00:00Z"}', status: 400, field: 'timestamp', reason: /ISO 8601/ },
  { name: 'a timestamp before Bitcoin', body: '{"coin":"bitcoin","amount":1,"purchase_price_usd":1,"timestamp":"2008-12-31T10:00:00Z"}', status: 400, field: 'timestamp', reason: /2009-01-03/ },
  { name: 'a too long Idempotency-Key', body: '{"coin":"bitcoin","amount":1}', headers: { 'idempotency-key': 'k'.repeat(256) }, status: 400, field: 'idempotency-key', reason: /255/ },
  { name: 'no API key', body: '{"coin":"bitcoin","amount":1}', headers: { authorization: '' }, status: 401, field: 'Authorization' },
  { name: 'a wrong API key', body: '{"coin":"bitcoin","amount":1}', headers: { authorization: 'Bearer not-a-key-but-long-enough-000' }, status: 401, field: 'Authorization' },
  { name: 'an unknown coin (CoinGecko)', body: '{"coin":"no-such-coin","amount":1}', status: 422, field: 'coin', type: 'unknown-coin' },
];

describe('refused requests', () => {
  for (const path of ['/invest', '/investments']) {
    it.each(cases)(`${path}: $name → $status with a problem naming "$field", nothing written`, async (c) => {
      const before = await fx.counts();
      const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...c.headers };
      for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
      const res = await fx.sut().request(path, { method: 'POST', body: c.body, headers });
      expect(res.status).toBe(c.status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const problem = (await res.json()) as { type: string; title: string; status: number; detail: string; request_id: string; instance: string; errors: Array<{ field: string; reason: string }> };
      expect(problem).toMatchObject({ status: c.status, instance: path, request_id: res.headers.get('x-request-id') });
      expect(problem.title.length).toBeGreaterThan(0);
      expect(problem.detail.length).toBeGreaterThan(0);
      if (c.type) expect(problem.type).toBe(`/problems/${c.type}`);
      const failing = problem.errors.find((e) => e.field === c.field);
      expect(failing, JSON.stringify(problem.errors)).toBeDefined();
      if (c.reason) expect(failing!.reason).toMatch(c.reason);
      expect(await fx.counts()).toEqual(before);
    });
  }

  it('names every failing field at once', async () => {
    const res = await fx.sut().request('/invest', {
      method: 'POST',
      body: '{"coin":"","amount":-1,"purchase_price_usd":"abc","timestamp":"yesterday"}',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual(['coin', 'amount', 'purchase_price_usd', 'timestamp']);
  });
});
