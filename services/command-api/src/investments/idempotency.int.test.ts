import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '@crypto-invest/http';
import { waitFor } from '@crypto-invest/testing';
import { API_KEY, commandApiFixture, jsonRequest, OTHER_API_KEY, type CommandApiFixture } from '../command-api.fixture.ts';
import { claimKey, pruneExpiredKeys, storeResponse } from './idempotency.ts';

// Idempotency-Key: a retry returns the first response and writes nothing.
let fx: CommandApiFixture;

beforeAll(async () => {
  fx = await commandApiFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(() => fx.fake.reset());

let keys = 0;
const newKey = () => `key-${process.pid}-${Date.now()}-${++keys}`;

async function send(app: ReturnType<CommandApiFixture['sut']>, path: string, body: string, key: string, apiKey = API_KEY) {
  const res = await app.request(path, jsonRequest(body, { 'idempotency-key': key, authorization: `Bearer ${apiKey}` }));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function rowsFor(key: string) {
  const { rows } = await fx.db.admin.query<{ investments: number; events: number }>(
    `select count(distinct i.id)::int as investments, count(e.id)::int as events
     from idempotency_keys k
     join investments i on i.id = ((k.response_body::jsonb) ->> 'id')::bigint
     join events e on e.stream_id = 'investment-' || i.id
     where k.key = $1`,
    [key],
  );
  return rows[0]!;
}

describe('Idempotency-Key', () => {
  it('returns the first response again for the same key and body, and writes nothing more', async () => {
    const app = fx.sut();
    const key = newKey();
    const first = await send(app, '/invest', '{"coin":"bitcoin","amount":0.5}', key);
    expect(first.status).toBe(200);
    const before = await fx.counts();
    // the same command, written differently: a decimal string with a trailing zero
    const again = await send(fx.sut(), '/invest', '{"amount":"0.50", "coin":" Bitcoin"}', key);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-consistency-token')).toBe(first.headers.get('x-consistency-token'));
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await fx.counts()).toEqual(before);
    // the retry was answered without asking CoinGecko again
    expect(fx.fake.callsTo('/api/v3/simple/price')).toHaveLength(1);
  });

  it('replays the 201 of POST /investments with its Location', async () => {
    const key = newKey();
    const first = await send(fx.sut(), '/investments', '{"coin":"ethereum","amount":1,"purchase_price_usd":2000}', key);
    const again = await send(fx.sut(), '/investments', '{"coin":"ethereum","amount":1,"purchase_price_usd":2000}', key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.text).toBe(first.text);
  });

  it('refuses the same key with a different body or on the other route (422), and writes nothing', async () => {
    const key = newKey();
    await send(fx.sut(), '/invest', '{"coin":"bitcoin","amount":1,"purchase_price_usd":100}', key);
    const before = await fx.counts();
    for (const [path, body] of [
      ['/invest', '{"coin":"bitcoin","amount":2,"purchase_price_usd":100}'],
      ['/invest', '{"coin":"bitcoin","amount":1,"purchase_price_usd":100,"timestamp":"2021-01-01T00:00:00Z"}'],
      ['/investments', '{"coin":"bitcoin","amount":1,"purchase_price_usd":100}'],
    ] as const) {
      const res = await send(fx.sut(), path, body, key);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(res.text)).toMatchObject({ type: '/problems/idempotency-key-reused', errors: [{ field: 'Idempotency-Key' }] });
    }
    expect(await fx.counts()).toEqual(before);
  });

  it('records exactly one investment and one event for 50 concurrent retries with one key', async () => {
    const key = newKey();
    const before = await fx.counts();
    const app = fx.sut();
    const body = '{"coin":"cardano","amount":"1000.000000000000000001","purchase_price_usd":1.2}';
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(app, '/invest', body, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);
    const after = await fx.counts();
    expect({ investments: after.investments - before.investments, events: after.events - before.events }).toEqual({ investments: 1, events: 1 });
    expect(await rowsFor(key)).toEqual({ investments: 1, events: 1 });
  });

  it('records exactly one investment for 50 concurrent retries that wait for one CoinGecko price', async () => {
    fx.fake.setDelay(200);
    const key = newKey();
    const before = await fx.counts();
    const app = fx.sut();
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(app, '/investments', '{"coin":"dogecoin","amount":42}', key)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const after = await fx.counts();
    expect(after.investments - before.investments).toBe(1);
    expect(after.events - before.events).toBe(1);
    expect(fx.fake.callsTo('/api/v3/simple/price')).toHaveLength(1);
  });

  it('makes a concurrent duplicate wait on the claimed key until the first commits, then replays its response', async () => {
    const scope = { principal: 'claim-test', key: newKey() };
    const first = await fx.pool.connect();
    const second = await fx.pool.connect();
    try {
      await first.query('begin');
      expect(await claimKey(first, scope, 'fingerprint-1', 24)).toEqual({ claimed: true });
      await second.query('begin');
      let settled = false;
      const waiting = claimKey(second, scope, 'fingerprint-1', 24).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false); // blocked on the first transaction's key row
      await storeResponse(first, scope, { status: 200, body: '{"id":1}', headers: { 'X-Consistency-Token': '1.1' } });
      await first.query('commit');
      expect(await waiting).toEqual({ claimed: false, response: { status: 200, body: '{"id":1}', headers: { 'X-Consistency-Token': '1.1' } } });
      await second.query('commit');

      // a first transaction that rolls back leaves the key free for the next
      const other = { principal: 'claim-test', key: newKey() };
      await first.query('begin');
      await claimKey(first, other, 'fingerprint-2', 24);
      await second.query('begin');
      const next = claimKey(second, other, 'fingerprint-2', 24);
      await first.query('rollback');
      expect(await next).toEqual({ claimed: true });
      await second.query('rollback');
    } finally {
      first.release();
      second.release();
    }
  });

  it('keeps keys apart per API key', async () => {
    const key = newKey();
    const body = '{"coin":"bitcoin","amount":3,"purchase_price_usd":100}';
    const mine = await send(fx.sut(), '/invest', body, key, API_KEY);
    const theirs = await send(fx.sut(), '/invest', body, key, OTHER_API_KEY);
    expect(JSON.parse(mine.text).id).not.toBe(JSON.parse(theirs.text).id);
    const { rows } = await fx.db.admin.query('select principal from idempotency_keys where key = $1 order by principal', [key]);
    expect(rows.map((r) => r.principal)).toEqual([keyId(OTHER_API_KEY), keyId(API_KEY)].sort());
  });

  it('keeps a key for at least 24 hours, then lets it be used again and prunes it', async () => {
    const key = newKey();
    const body = '{"coin":"bitcoin","amount":4,"purchase_price_usd":100}';
    const first = await send(fx.sut(), '/invest', body, key);
    const { rows } = await fx.db.admin.query<{ kept: boolean }>(
      `select expires_at - created_at >= interval '24 hours' as kept from idempotency_keys where key = $1`,
      [key],
    );
    expect(rows).toEqual([{ kept: true }]);

    // a day later the key has expired: the same request is a new one
    await fx.db.admin.query(`update idempotency_keys set expires_at = now() - interval '1 second' where key = $1`, [key]);
    const later = await send(fx.sut(), '/invest', body, key);
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(JSON.parse(later.text).id).not.toBe(JSON.parse(first.text).id);
  });

  it('deletes expired keys in small batches, and a write with a key sets that off now and then', async () => {
    const expired = async (principal: string) =>
      (await fx.db.admin.query<{ n: number }>('select count(*)::int as n from idempotency_keys where principal = $1', [principal])).rows[0]!.n;
    const addExpired = (principal: string, count: number) =>
      fx.db.admin.query(
        `insert into idempotency_keys (principal, key, request_hash, response_status, response_body, expires_at)
         select $1, 'old-' || n, 'x', 200, '{}', now() - interval '1 hour' from generate_series(1, $2::int) n`,
        [principal, count],
      );
    await addExpired('expired-batch', 30);
    const live = newKey();
    await send(fx.sut(), '/invest', '{"coin":"bitcoin","amount":5,"purchase_price_usd":100}', live);
    for (let deleted = -1; deleted !== 0; ) {
      deleted = await pruneExpiredKeys(fx.pool, 20);
      expect(deleted).toBeLessThanOrEqual(20);
    }
    expect(await expired('expired-batch')).toBe(0);
    const { rows } = await fx.db.admin.query('select 1 from idempotency_keys where key = $1', [live]);
    expect(rows).toHaveLength(1);

    await addExpired('expired-by-a-write', 5);
    await send(fx.sut(), '/invest', '{"coin":"bitcoin","amount":6,"purchase_price_usd":100}', newKey());
    await waitFor(async () => (await expired('expired-by-a-write')) === 0, { what: 'expired keys pruned after a write' });
  });
});
