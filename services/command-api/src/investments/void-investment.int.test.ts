import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvestmentVoided } from '@crypto-invest/contracts';
import { API_KEY, commandApiFixture, jsonRequest, type CommandApiFixture } from '../command-api.fixture.ts';

// DELETE /investments/{id}: voiding corrects a mistake; the row is marked and the event written together.
let fx: CommandApiFixture;

beforeAll(async () => {
  fx = await commandApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

const VOID_AT = new Date('2024-06-01T08:30:00.250Z');

async function record(body = '{"coin":"ethereum","amount":"1.5","purchase_price_usd":"2000.25","timestamp":"2021-03-01T12:00:00Z"}') {
  const res = await fx.sut().request('/investments', jsonRequest(body));
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number };
}

const remove = (id: number | string, app = fx.sut({ now: () => VOID_AT }), headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) =>
  app.request(`/investments/${id}`, { method: 'DELETE', headers });

async function eventsOf(id: number) {
  const { rows } = await fx.db.admin.query(
    'select id::text, transaction_id::text, stream_version, type, data from events where stream_id = $1 order by id',
    [`investment-${id}`],
  );
  return rows;
}

describe('DELETE /investments/{id}', () => {
  it('voids the investment and writes InvestmentVoided with the original facts, in one transaction', async () => {
    const { id } = await record();
    const res = await remove(id);
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body).toEqual({
      id,
      coin_name: 'ethereum',
      amount: 1.5,
      purchase_price_usd: 2000.25,
      total_value_usd: 3000.375,
      timestamp: '2021-03-01T12:00:00.000Z',
      price_source: 'user',
      voided: true,
      voided_at: '2024-06-01T08:30:00.250Z',
      consistency_token: body.consistency_token,
    });
    expect(text).toContain('"total_value_usd":3000.375,');
    const events = await eventsOf(id);
    expect(events.map((e) => [e.type, e.stream_version])).toEqual([
      ['InvestmentRecorded', 1],
      ['InvestmentVoided', 2],
    ]);
    const voided = events[1]!;
    expect(InvestmentVoided.parse({ type: voided.type, data: voided.data }).data).toEqual({
      investment_id: String(id),
      coin: 'ethereum',
      amount: '1.5',
      purchase_price_usd: '2000.25',
      timestamp: '2021-03-01T12:00:00.000Z',
      voided_at: '2024-06-01T08:30:00.250Z',
    });
    expect(body.consistency_token).toBe(`${voided.transaction_id}.${voided.id}`);
    expect(res.headers.get('x-consistency-token')).toBe(body.consistency_token);
    const { rows } = await fx.db.admin.query('select voided_at from investments where id = $1', [id]);
    expect(rows[0].voided_at.toISOString()).toBe('2024-06-01T08:30:00.250Z');
  });

  it('is harmless twice: 200 with the same view, no token, no second event', async () => {
    const { id } = await record();
    await remove(id);
    const before = await fx.counts();
    const again = await remove(id, fx.sut({ now: () => new Date('2030-01-01T00:00:00Z') }));
    expect(again.status).toBe(200);
    const body = await again.json();
    expect(body).toMatchObject({ id, voided: true, voided_at: '2024-06-01T08:30:00.250Z' });
    expect(body).not.toHaveProperty('consistency_token');
    expect(again.headers.get('x-consistency-token')).toBeNull();
    expect(await fx.counts()).toEqual(before);
  });

  it('writes one event when two voids race', async () => {
    const { id } = await record();
    const answers = await Promise.all([remove(id), remove(id), remove(id)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const tokens = (await Promise.all(answers.map((r) => r.json() as Promise<{ consistency_token?: string }>))).filter((b) => b.consistency_token);
    expect(tokens).toHaveLength(1);
    expect((await eventsOf(id)).filter((e) => e.type === 'InvestmentVoided')).toHaveLength(1);
  });

  it('answers 404 for an unknown id and 400 for one that is not a positive integer, and writes nothing', async () => {
    const before = await fx.counts();
    for (const [id, status, type] of [
      ['987654321', 404, 'investment-not-found'],
      ['9223372036854775808', 404, 'investment-not-found'],
      ['abc', 400, 'validation-failed'],
      ['0', 400, 'validation-failed'],
      ['-1', 400, 'validation-failed'],
      ['1.5', 400, 'validation-failed'],
      ['12345678901234567890', 400, 'validation-failed'],
    ] as const) {
      const res = await remove(id);
      expect(res.status, id).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await res.json()) as { detail: string };
      expect(problem).toMatchObject({ type: `/problems/${type}`, status, errors: [{ field: 'id' }] });
      expect(problem.detail.length).toBeGreaterThan(0);
    }
    expect(await fx.counts()).toEqual(before);
  });

  it('needs an API key', async () => {
    const { id } = await record();
    const res = await remove(id, fx.sut(), {});
    expect(res.status).toBe(401);
    expect((await eventsOf(id)).map((e) => e.type)).toEqual(['InvestmentRecorded']);
  });
});
