import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { EVENTS_CHANNEL, InvestmentRecorded } from '@crypto-invest/contracts';
import { Decimal, toPlain } from '@crypto-invest/money';
import { waitFor } from '@crypto-invest/testing';
import { API_KEY, commandApiFixture, jsonRequest, type CommandApiFixture } from '../command-api.fixture.ts';

// POST /invest and POST /investments against the real primary and the fake CoinGecko.
let fx: CommandApiFixture;

beforeAll(async () => {
  fx = await commandApiFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(() => fx.fake.reset());

const BITCOIN_NOW = '34235.19345'; // the last close in the demo data, which the fake serves as "now"

async function post(path: string, body: string, headers: Record<string, string> = {}, app = fx.sut()) {
  const res = await app.request(path, jsonRequest(body, headers));
  return { res, text: await res.text() };
}

async function row(id: number | string) {
  const { rows } = await fx.db.admin.query(
    `select coin_name, amount::text, purchase_price_usd::text, total_value_usd::text, "timestamp", price_source, voided_at
     from investments where id = $1`,
    [String(id)],
  );
  return rows[0];
}

async function eventOf(id: number | string) {
  const { rows } = await fx.db.admin.query(
    `select id::text, transaction_id::text, stream_id, stream_version, type, data, metadata from events where stream_id = $1 order by id`,
    [`investment-${id}`],
  );
  return rows;
}

describe('the seed contract: POST /invest', () => {
  it('records bitcoin 0.5, ethereum 2.5 and cardano 1000 at CoinGecko prices and answers 200 with the investment wrapper', async () => {
    const expected: Array<[string, string, string]> = [
      ['bitcoin', '0.5', BITCOIN_NOW],
      ['ethereum', '2.5', '2324.679449'],
      ['cardano', '1000', '1.41805266'],
    ];
    for (const [coin, amount, price] of expected) {
      fx.fake.reset();
      const { res, text } = await post('/invest', `{"coin": "${coin}", "amount": ${amount}}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = JSON.parse(text);
      const total = toPlain(new Decimal(amount).times(price));
      expect(body).toMatchObject({
        status: 'success',
        investment: { coin, amount: Number(amount), price_per_coin_usd: Number(price), total_value_usd: Number(total) },
        coin_name: coin,
        amount: Number(amount),
        purchase_price_usd: Number(price),
        total_value_usd: Number(total),
        price_source: 'coingecko',
      });
      expect(body.message).toContain(`${amount} ${coin}`);
      expect(typeof body.id).toBe('number');
      expect(body.investment.id).toBe(body.id);
      expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(body.investment.timestamp).toBe(body.timestamp);
      // every digit, as written by CoinGecko
      expect(text).toContain(`"purchase_price_usd":${price}`);
      expect(text).toContain(`"total_value_usd":${total}`);
      expect(await row(body.id)).toMatchObject({ coin_name: coin, price_source: 'coingecko' });
      expect(fx.fake.callsTo('/api/v3/simple/price').map((r) => r.query)).toEqual([{ ids: coin, vs_currencies: 'usd', precision: 'full' }]);

      // the consistency token is the event's position, in the body and in a header
      const [event] = await eventOf(body.id);
      expect(body.consistency_token).toBe(`${event.transaction_id}.${event.id}`);
      expect(res.headers.get('x-consistency-token')).toBe(body.consistency_token);
    }
  });

  it('answers an unknown coin with 422 and a negative amount with 400, each with a detail, and writes nothing', async () => {
    const before = await fx.counts();
    const unknown = await post('/invest', '{"coin": "no-such-coin", "amount": 1}');
    expect(unknown.res.status).toBe(422);
    expect(unknown.res.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(unknown.text)).toMatchObject({ type: '/problems/unknown-coin', status: 422, errors: [{ field: 'coin' }] });
    expect(JSON.parse(unknown.text).detail).toContain('"no-such-coin"');

    const negative = await post('/invest', '{"coin": "bitcoin", "amount": -0.5}');
    expect(negative.res.status).toBe(400);
    expect(JSON.parse(negative.text)).toMatchObject({
      type: '/problems/validation-failed',
      status: 400,
      detail: 'amount: must be greater than 0',
      errors: [{ field: 'amount', reason: 'must be greater than 0' }],
    });
    expect(await fx.counts()).toEqual(before);
  });
});

describe('exact amounts and prices', () => {
  it('stores bitcoin 0.1 @ 100 and 0.2 @ 100 as 0.1 and 0.2, worth 10 and 20', async () => {
    const first = await post('/invest', '{"coin": "bitcoin", "amount": 0.1, "purchase_price_usd": 100}');
    const second = await post('/invest', '{"coin": "bitcoin", "amount": 0.2, "purchase_price_usd": 100}');
    expect(first.text).toContain('"amount":0.1,"purchase_price_usd":100,');
    expect(first.text).toContain('"total_value_usd":10,');
    expect(second.text).toContain('"amount":0.2,"purchase_price_usd":100,');
    expect(second.text).toContain('"total_value_usd":20,');
    const { rows } = await fx.db.admin.query(
      `select amount = 0.1 and total_value_usd = 10 as first_exact, amount::text, total_value_usd::text, price_source
       from investments where id = $1
       union all
       select amount = 0.2 and total_value_usd = 20, amount::text, total_value_usd::text, price_source from investments where id = $2`,
      [String(JSON.parse(first.text).id), String(JSON.parse(second.text).id)],
    );
    expect(rows).toEqual([
      { first_exact: true, amount: '0.100000000000000000', total_value_usd: '10.000000000000000000000000000000000000', price_source: 'user' },
      { first_exact: true, amount: '0.200000000000000000', total_value_usd: '20.000000000000000000000000000000000000', price_source: 'user' },
    ]);
  });

  it('keeps an 18-decimal amount and a price of 0.0000001234 digit for digit, from the request text to the response text and the event', async () => {
    const amount = '123456789.123456789012345678';
    const price = '0.0000001234';
    const total = toPlain(new Decimal(amount).times(price)); // 15.2345677778395677741234567... exact, 28 decimals
    const { res, text } = await post('/investments', `{"coin":"pepe","amount":${amount},"purchase_price_usd":${price}}`);
    expect(res.status).toBe(201);
    expect(text).toContain(`"amount":${amount},"purchase_price_usd":${price},"total_value_usd":${total},`);
    const id = JSON.parse(text).id;
    expect(await row(id)).toMatchObject({ amount: '123456789.123456789012345678', purchase_price_usd: '0.000000123400000000' });
    const [event] = await eventOf(id);
    expect(event.data).toMatchObject({ amount, purchase_price_usd: price });
  });

  it('accepts decimal strings and exponent notation, and answers with plain digits', async () => {
    const { res, text } = await post('/investments', '{"coin":"shiba-inu","amount":"1500000","purchase_price_usd":8.12345678e-6}');
    expect(res.status).toBe(201);
    expect(text).toContain('"amount":1500000,"purchase_price_usd":0.00000812345678,"total_value_usd":12.18518517,');
  });

  it('reads a tiny CoinGecko price sent in exponent notation exactly', async () => {
    fx.fake.setPrice('pepe', '1.234e-7');
    const { text } = await post('/invest', '{"coin":"pepe","amount":1000000}');
    expect(text).toContain('"purchase_price_usd":0.0000001234,');
    expect(text).toContain('"total_value_usd":0.1234,');
  });
});

describe('one transaction: investment + event + NOTIFY', () => {
  it('writes the InvestmentRecorded event with the facts only, and NOTIFYs the projector with the event id after the commit', async () => {
    const listener = new pg.Client({ connectionString: fx.db.url('admin') });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(n.payload ?? ''));
    await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    try {
      const { res, text } = await post(
        '/investments',
        '{"coin":"ethereum","amount":"0.197759759644370206","purchase_price_usd":151.6992135,"timestamp":"2019-01-07T15:00:00+01:00"}',
        { 'x-request-id': 'req-event-test-1' },
      );
      expect(res.status).toBe(201);
      const id = JSON.parse(text).id;
      const events = await eventOf(id);
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event).toMatchObject({ stream_id: `investment-${id}`, stream_version: 1, type: 'InvestmentRecorded' });
      expect(InvestmentRecorded.parse({ type: event.type, data: event.data })).toBeTruthy();
      expect(event.data).toEqual({
        investment_id: String(id),
        coin: 'ethereum',
        amount: '0.197759759644370206',
        purchase_price_usd: '151.6992135',
        timestamp: '2019-01-07T14:00:00.000Z',
        price_source: 'user',
      });
      expect(event.metadata).toMatchObject({ request_id: 'req-event-test-1', route: 'POST /investments' });
      await waitFor(() => payloads.includes(event.id), { what: 'the NOTIFY of the event' });
      expect(payloads).toEqual([event.id]);
    } finally {
      await listener.end();
    }
  });

  it('leaves no investment (and sends no NOTIFY) when the event insert fails', async () => {
    const listener = new pg.Client({ connectionString: fx.db.url('admin') });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(n.payload ?? ''));
    await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    // Any new event row is refused from here on: the insert of the event fails after the investment's insert succeeded.
    await fx.db.admin.query('alter table events add constraint refuse_new_events check (false) not valid');
    try {
      const before = await fx.counts();
      const { res, text } = await post('/invest', '{"coin":"bitcoin","amount":1,"purchase_price_usd":100}');
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal error' });
      expect(text).not.toContain('refuse_new_events');
      expect(await fx.counts()).toEqual(before);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(payloads).toEqual([]);
    } finally {
      await fx.db.admin.query('alter table events drop constraint refuse_new_events');
      await listener.end();
    }
    // and the same request then goes through whole
    const { res } = await post('/invest', '{"coin":"bitcoin","amount":1,"purchase_price_usd":100}');
    expect(res.status).toBe(200);
  });
});

describe('POST /investments', () => {
  it('answers 201 with Location, the flat Investment view and the consistency token', async () => {
    const { res, text } = await post('/investments', '{"coin":"  Litecoin ","amount":2,"purchase_price_usd":"55.5","timestamp":"2021-05-01T10:00:00.123Z"}');
    expect(res.status).toBe(201);
    const body = JSON.parse(text);
    expect(res.headers.get('location')).toBe(`/investments/${body.id}`);
    expect(res.headers.get('x-consistency-token')).toBe(body.consistency_token);
    expect(body).toEqual({
      id: body.id,
      coin_name: 'litecoin',
      amount: 2,
      purchase_price_usd: 55.5,
      total_value_usd: 111,
      timestamp: '2021-05-01T10:00:00.123Z',
      price_source: 'user',
      voided: false,
      voided_at: null,
      consistency_token: body.consistency_token,
    });
    expect(body.consistency_token).toMatch(/^\d+\.\d+$/);
  });

  it('resolves a listed ticker symbol to its CoinGecko id and says so', async () => {
    const { res, text } = await post('/invest', '{"coin":"BTC","amount":1,"purchase_price_usd":100}');
    expect(res.status).toBe(200);
    const body = JSON.parse(text);
    expect(body.coin_name).toBe('bitcoin');
    expect(body.message).toContain("BTC is CoinGecko's bitcoin");
  });
});

describe('prices', () => {
  it('makes no outgoing call when the price is given', async () => {
    const { res } = await post('/invest', '{"coin":"bitcoin","amount":0.5,"purchase_price_usd":30000}');
    expect(res.status).toBe(200);
    expect(fx.fake.requests).toEqual([]);
  });

  it('uses the historical price of the purchase’s UTC day for a past timestamp without a price', async () => {
    // 01:00 at +02:00 on the 13th is 23:00 UTC on the 12th
    const { res, text } = await post('/investments', '{"coin":"bitcoin","amount":2,"timestamp":"2020-03-13T01:00:00+02:00"}');
    expect(res.status).toBe(201);
    expect(JSON.parse(text)).toMatchObject({ purchase_price_usd: 4970.787901, price_source: 'coingecko', timestamp: '2020-03-12T23:00:00.000Z' });
    expect(text).toContain('"total_value_usd":9941.575802,');
    expect(fx.fake.callsTo('/api/v3/').map((r) => [r.path, r.query.date])).toEqual([['/api/v3/coins/bitcoin/history', '12-03-2020']]);
  });

  it('uses the current price for a purchase earlier today (UTC)', async () => {
    const now = new Date();
    const earlier = new Date(Math.max(now.getTime() - 60_000, Date.parse(now.toISOString().slice(0, 10))));
    const { text } = await post('/investments', `{"coin":"bitcoin","amount":1,"timestamp":"${earlier.toISOString()}"}`);
    expect(JSON.parse(text)).toMatchObject({ purchase_price_usd: Number(BITCOIN_NOW), timestamp: earlier.toISOString() });
    expect(fx.fake.callsTo('/api/v3/').map((r) => r.path)).toEqual(['/api/v3/simple/price']);
  });

  it('asks for the price (422) when CoinGecko has none for that day, and writes nothing', async () => {
    const before = await fx.counts();
    const { res, text } = await post('/invest', '{"coin":"bitcoin","amount":1,"timestamp":"2012-06-01T12:00:00Z"}');
    expect(res.status).toBe(422);
    expect(JSON.parse(text)).toMatchObject({ type: '/problems/historical-price-unavailable', errors: [{ field: 'purchase_price_usd' }] });
    expect(JSON.parse(text).detail).toContain('give purchase_price_usd');
    expect(await fx.counts()).toEqual(before);
  });

  it('records the investment when CoinGecko answers 429 with Retry-After, then 200', async () => {
    fx.fake.fail({ status: 429, retryAfter: 1, times: 1 });
    const { res, text } = await post('/invest', '{"coin":"bitcoin","amount":0.25}');
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ purchase_price_usd: Number(BITCOIN_NOW), price_source: 'coingecko' });
    const calls = fx.fake.callsTo('/api/v3/simple/price');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1_000);
  });

  it('answers 503 "price unavailable, give purchase_price_usd" within the budget when CoinGecko answers 429 forever, and writes nothing', async () => {
    fx.fake.fail({ status: 429, retryAfter: 1, times: Infinity });
    const before = await fx.counts();
    const budgetMs = 2_500;
    const started = Date.now();
    const { res, text } = await post('/invest', '{"coin":"bitcoin","amount":0.25}', {}, fx.sut({ prices: { budgetMs } }));
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const problem = JSON.parse(text);
    expect(problem).toMatchObject({ type: '/problems/price-unavailable', status: 503, errors: [{ field: 'purchase_price_usd' }] });
    expect(problem.detail).toMatch(/^price unavailable, give purchase_price_usd/);
    expect(fx.fake.callsTo('/api/v3/simple/price').length).toBeGreaterThanOrEqual(2);
    // a bound, not a speed claim: the budget caps the whole lookup
    expect(elapsed).toBeLessThan(budgetMs + 1_000);
    expect(await fx.counts()).toEqual(before);
  });

  it('answers 503 when CoinGecko is down (5xx) throughout', async () => {
    fx.fake.fail({ status: 502, times: Infinity });
    const { res } = await post('/invest', '{"coin":"ethereum","amount":1}', {}, fx.sut({ prices: { budgetMs: 800 } }));
    expect(res.status).toBe(503);
  });
});

describe('authentication', () => {
  it('refuses writes without a valid API key (401) and writes nothing', async () => {
    const before = await fx.counts();
    const app = fx.sut();
    const none = await app.request('/invest', { method: 'POST', body: '{"coin":"bitcoin","amount":1}', headers: { 'content-type': 'application/json' } });
    const wrong = await app.request('/invest', jsonRequest('{"coin":"bitcoin","amount":1}', { authorization: `Bearer ${API_KEY.replace('test', 'fake')}` }));
    for (const res of [none, wrong]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ status: 401, errors: [{ field: 'Authorization' }] });
    }
    expect(await fx.counts()).toEqual(before);
  });
});
