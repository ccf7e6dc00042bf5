import { describe, expect, it } from 'vitest';
import { createLogger } from '@crypto-invest/logger';
import { DomainError } from '@crypto-invest/contracts';
import { Decimal, LosslessNumber, parsePositiveDecimal } from '@crypto-invest/money';
import { createRoute, createServiceApp, exactJsonBody, problemContent, requireApiKey, sendJson, z } from './index.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const DecimalInput = z.union([z.string(), z.instanceof(LosslessNumber)]).openapi({ type: 'number', description: 'exact decimal' });

function buildSut() {
  const { app } = createServiceApp({ service: 'test', logger });
  const route = createRoute({
    method: 'post',
    path: '/echo',
    middleware: [requireApiKey({ mode: 'required', keys: ['k'.repeat(32)] }), exactJsonBody({ maxBytes: 256 })] as const,
    request: { body: { required: true, content: { 'application/json': { schema: z.object({ amount: DecimalInput, note: z.string().optional() }).strict() } } } },
    responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ amount: z.number() }) } } }, 400: problemContent('bad'), 401: problemContent('no key'), 413: problemContent('big'), 415: problemContent('type') },
  });
  app.openapi(route, (c) => {
    const { amount } = c.req.valid('json');
    const parsed = parsePositiveDecimal(typeof amount === 'string' ? amount : amount.value);
    if (!parsed.ok) throw new DomainError('invalid', 'validation-failed', 'Your request is not valid', `amount: ${parsed.reason}`, { fields: [{ field: 'amount', reason: parsed.reason }] });
    return sendJson(c, 200, { amount: parsed.value, doubled: parsed.value.times(2), tiny: new Decimal('1e-12') });
  });
  app.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  return app;
}

const auth = { authorization: `Bearer ${'k'.repeat(32)}` };
const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json', ...auth }) =>
  buildSut().request('/echo', { method: 'POST', body, headers });

describe('createServiceApp', () => {
  it('keeps every digit of a JSON number from request to response', async () => {
    const res = await post('{"amount":0.123456789012345678}');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"amount":0.123456789012345678,"doubled":0.246913578024691356,"tiny":0.000000000001}');
  });

  it('answers problems for wrong media type, malformed JSON, big bodies, unknown fields, bad values and missing keys', async () => {
    const cases: Array<[Response | Promise<Response>, number, string]> = [
      [post('{"amount":1}', { 'content-type': 'text/plain', ...auth }), 415, 'Content-Type'],
      [post('{"amount":', undefined), 400, 'body'],
      [post(JSON.stringify({ amount: 1, note: 'x'.repeat(300) })), 413, 'body'],
      [post('{"amount":1,"extra":true}'), 400, 'extra'],
      [post('{"amount":-1}'), 400, 'amount'],
      [post('{}'), 400, 'amount'],
      [post('{"amount":1}', { 'content-type': 'application/json' }), 401, 'Authorization'],
    ];
    for (const [response, status, field] of cases) {
      const res = await response;
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as { status: number; detail: string; errors?: Array<{ field: string }>; request_id: string };
      expect(body.status).toBe(status);
      expect(body.detail.length).toBeGreaterThan(0);
      expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.errors?.map((e) => e.field)).toContain(field);
    }
  });

  it('says what is wrong with a value of the wrong type, and "is required" only when it is missing', async () => {
    const reasons = async (body: string) => ((await (await post(body)).json()) as { errors: Array<{ field: string; reason: string }> }).errors;
    expect(await reasons('{"amount":"1","note":123}')).toEqual([{ field: 'note', reason: 'must be a string, not a number' }]);
    expect(await reasons('{"amount":"1","note":["x"]}')).toEqual([{ field: 'note', reason: 'must be a string, not an array' }]);
    expect(await reasons('[]')).toEqual([{ field: 'body', reason: 'must be a JSON object, not an array' }]);
    expect(await reasons('null')).toEqual([{ field: 'body', reason: 'must be a JSON object, not null' }]);
    expect(await reasons('{}')).toEqual([{ field: 'amount', reason: 'is required' }]);
  });

  it('reveals nothing internal in a 500', async () => {
    const res = await buildSut().request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal error' });
  });

  it('serves an OpenAPI 3.1 document and the offline Swagger UI assets', async () => {
    const { mountDocs } = await import('./docs.ts');
    const { app } = createServiceApp({ service: 'test', logger });
    mountDocs(app, { title: 't', version: '1', description: 'd' });
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    const page = await (await app.request('/docs')).text();
    expect(page).toContain('docs/assets/swagger-ui-bundle.js');
    const asset = await app.request('/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});
