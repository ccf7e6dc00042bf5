import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodePosition, InvestmentRecorded } from '@crypto-invest/contracts';
import { PORTFOLIO_CSV } from '@crypto-invest/demo-data';
import { Decimal, sum, toPlain } from '@crypto-invest/money';
import { API_KEY, commandApiFixture, jsonRequest, type CommandApiFixture } from '../command-api.fixture.ts';

// POST /imports in-process against the real primary and the fake CoinGecko over HTTP.
let fx: CommandApiFixture;

beforeAll(async () => {
  fx = await commandApiFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(async () => {
  fx.fake.reset();
  await fx.db.admin.query('truncate investments, events restart identity');
});

const HEADER = 'timestamp,coin,amount,purchase_price_usd';
const PORTFOLIO = readFileSync(PORTFOLIO_CSV, 'utf8');

interface Answer {
  status: number;
  contentType: string | null;
  body: Record<string, unknown> & { errors?: Array<{ line: number; field: string; reason: string }> };
  text: string;
}

async function importCsv(csv: string | Uint8Array | ReadableStream<Uint8Array>, query = '', headers: Record<string, string> = {}, app = fx.sut()): Promise<Answer> {
  const res = await app.request(`/imports${query}`, {
    method: 'POST',
    body: csv,
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${API_KEY}`, ...headers },
    ...(csv instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  const body = res.headers.get('content-type')?.includes('json') && !res.headers.get('content-type')?.includes('ndjson') ? (JSON.parse(text) as Answer['body']) : {};
  return { status: res.status, contentType: res.headers.get('content-type'), body, text };
}

const csvOf = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
const portfolioRows = () => PORTFOLIO.trim().split('\n').slice(1);

describe('POST /imports: the demo portfolio', () => {
  it('records all 580 purchases with their events, exactly, and nothing the second time', async () => {
    const first = await importCsv(PORTFOLIO);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ outcome: 'imported', rows: 580, valid: 580, invalid: 0, new: 580, already_present: 0, recorded: 580, errors: [] });
    expect(await fx.counts()).toMatchObject({ investments: 580, events: 580 });

    // Exact: per coin, the stored sums equal the file's, digit for digit.
    const expected = new Map<string, { amount: Decimal[]; invested: Decimal[] }>();
    for (const line of portfolioRows()) {
      const [, coin, amount, price] = line.split(',') as [string, string, string, string];
      const entry = expected.get(coin) ?? { amount: [], invested: [] };
      entry.amount.push(new Decimal(amount));
      entry.invested.push(new Decimal(amount).times(price));
      expected.set(coin, entry);
    }
    const { rows } = await fx.db.admin.query<{ coin_name: string; amount: string; invested: string }>(
      `select coin_name, sum(amount)::text as amount, sum(total_value_usd)::text as invested from investments group by coin_name`,
    );
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(new Decimal(row.amount).eq(sum(expected.get(row.coin_name)!.amount))).toBe(true);
      expect(new Decimal(row.invested).eq(sum(expected.get(row.coin_name)!.invested))).toBe(true);
    }

    // Every event is a valid InvestmentRecorded of its investment; the last one is the report's consistency token.
    const events = await fx.db.admin.query<{ id: string; transaction_id: string; data: unknown; metadata: Record<string, string>; stream_version: number }>(
      `select id::text, transaction_id::text, data, metadata, stream_version from events order by events.transaction_id, events.id`,
    );
    for (const event of events.rows) expect(InvestmentRecorded.safeParse({ type: 'InvestmentRecorded', data: event.data }).success).toBe(true);
    const last = events.rows.at(-1)!;
    expect(decodePosition(first.body.consistency_token as string)).toEqual({ transactionId: last.transaction_id, eventId: last.id });
    expect(events.rows[0]!.metadata).toMatchObject({ route: 'POST /imports', import_line: '2', principal: expect.stringMatching(/^key_/) });

    const again = await importCsv(PORTFOLIO);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'imported', rows: 580, new: 0, already_present: 580, recorded: 0, consistency_token: null });
    expect(await fx.counts()).toMatchObject({ investments: 580, events: 580 });
  });

  it('makes each row the investment and event POST /invest makes of the same purchase', async () => {
    const body = '{"coin": "ETH", "amount": "0.197759759644370206", "purchase_price_usd": 151.6992135, "timestamp": "2019-01-07T14:00:00Z"}';
    expect((await fx.sut().request('/invest', jsonRequest(body))).status).toBe(200);
    expect((await importCsv(csvOf('2019-01-07T14:00:00Z,ETH,0.197759759644370206,151.6992135'))).body).toMatchObject({ recorded: 1 });

    const { rows } = await fx.db.admin.query(
      `select i.coin_name, i.amount::text, i.purchase_price_usd::text, i.total_value_usd::text, i."timestamp", i.price_source,
              i.voided_at, e.type, e.stream_version, e.data - 'investment_id' as data, e.stream_id = 'investment-' || i.id as own_stream,
              e.data->>'investment_id' = i.id::text as own_id, i.import_row_key is not null as imported
       from investments i join events e on e.stream_id = 'investment-' || i.id order by i.id`,
    );
    const [invested, imported] = rows as Array<Record<string, unknown>>;
    expect(invested!.imported).toBe(false);
    expect(imported!.imported).toBe(true);
    const { imported: _a, ...fromInvest } = invested!;
    const { imported: _b, ...fromImport } = imported!;
    expect(fromImport).toEqual(fromInvest);
    expect(fromImport).toMatchObject({ coin_name: 'ethereum', amount: '0.197759759644370206', type: 'InvestmentRecorded', stream_version: 1, own_stream: true, own_id: true });
  });
});

describe('POST /imports: all or nothing, dry run, skip_invalid', () => {
  const broken = () => {
    const lines = PORTFOLIO.trim().split('\n');
    // File lines 5, 120 and 400 (the header is line 1).
    lines[4] = lines[4]!.replace(/,([0-9.]+),([0-9.]+)$/, ',"0,5",$2'); // a locale decimal
    lines[119] = lines[119]!.replace(/^[^,]+/, '2019-02-30T14:00:00Z'); // no such day
    lines[399] = lines[399]!.replace(/,([0-9.]+)$/, ',-3'); // a negative price
    return lines.join('\r\n') + '\r\n';
  };

  it('refuses a file with three bad rows whole (422), naming each line, field and reason, and records nothing', async () => {
    const answer = await importCsv(broken());
    expect(answer.status).toBe(422);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ type: '/problems/import-refused', outcome: 'refused', rows: 580, valid: 577, invalid: 3, new: 577, recorded: 0 });
    expect(answer.body.errors).toEqual([
      { line: 5, field: 'amount', reason: 'use a point as the decimal separator and no thousands separators (0.5, not 0,5)' },
      { line: 120, field: 'timestamp', reason: '2019-02-30 is not a date in the calendar' },
      { line: 400, field: 'purchase_price_usd', reason: 'must be greater than 0' },
    ]);
    expect(answer.body.detail).toContain('lines 5, 120, 400');
    expect(await fx.counts()).toMatchObject({ investments: 0, events: 0 });
  });

  it('reports without writing in a dry run, and records the 577 good rows with skip_invalid', async () => {
    const dry = await importCsv(broken(), '?dry_run=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ outcome: 'checked', dry_run: true, rows: 580, valid: 577, invalid: 3, new: 577, recorded: 0, importable: false });
    expect(dry.body.errors!.map((e) => e.line)).toEqual([5, 120, 400]);
    const dryWithSkip = await importCsv(broken(), '?dry_run=true&skip_invalid=true');
    expect(dryWithSkip.body).toMatchObject({ outcome: 'checked', importable: true, new: 577 });
    expect(await fx.counts()).toMatchObject({ investments: 0, events: 0 });

    const skipped = await importCsv(broken(), '?skip_invalid=true');
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ outcome: 'imported', recorded: 577, invalid: 3, new: 577, already_present: 0 });
    expect(skipped.body.errors!.map((e) => e.line)).toEqual([5, 120, 400]);
    expect(await fx.counts()).toMatchObject({ investments: 577, events: 577 });

    // The whole file then records exactly the three rows that were missing.
    const whole = await importCsv(PORTFOLIO, '?dry_run=true');
    expect(whole.body).toMatchObject({ new: 3, already_present: 577, invalid: 0 });
    expect((await importCsv(PORTFOLIO)).body).toMatchObject({ recorded: 3, already_present: 577 });
    expect(await fx.counts()).toMatchObject({ investments: 580, events: 580 });
  });
});

describe('POST /imports: row identity', () => {
  const rows = portfolioRows();

  it('records only the new rows of a file that overlaps an earlier one', async () => {
    expect((await importCsv(csvOf(...rows.slice(0, 10)))).body).toMatchObject({ recorded: 10 });
    const overlap = await importCsv(csvOf(...rows.slice(5, 15)));
    expect(overlap.body).toMatchObject({ rows: 10, new: 5, already_present: 5, recorded: 5 });
    expect(await fx.counts()).toMatchObject({ investments: 15, events: 15 });
  });

  it('records two identical purchases in one file twice, and a third copy only once more', async () => {
    const row = '2021-03-01T10:00:00Z,bitcoin,0.001,49631.24';
    expect((await importCsv(csvOf(row, row))).body).toMatchObject({ rows: 2, recorded: 2 });
    expect((await importCsv(csvOf(row, row))).body).toMatchObject({ recorded: 0, already_present: 2 });
    // The same purchase written differently (ticker, trailing zeros, quotes, offset) is the same row.
    const same = '"2021-03-01 11:00+01:00",BTC,0.0010,"49631.240"';
    expect((await importCsv(csvOf(row, same, row))).body).toMatchObject({ rows: 3, new: 1, already_present: 2, recorded: 1 });
    expect(await fx.counts()).toMatchObject({ investments: 3 });
  });
});

describe('POST /imports: prices from CoinGecko', () => {
  it('takes the historical price of the UTC day for an empty price, asking once per coin and day', async () => {
    const answer = await importCsv(csvOf('2020-03-12,bitcoin,0.5,', '2020-03-12T23:59:59Z,btc,1,', '2020-03-13T00:30:00+01:00,bitcoin,2,'));
    expect(answer.body).toMatchObject({ recorded: 3, invalid: 0 });
    const { rows } = await fx.db.admin.query(`select amount::text, purchase_price_usd::text, price_source from investments order by id`);
    expect(rows).toEqual([
      { amount: '0.500000000000000000', purchase_price_usd: '4970.787901000000000000', price_source: 'coingecko' },
      { amount: '1.000000000000000000', purchase_price_usd: '4970.787901000000000000', price_source: 'coingecko' },
      // 00:30 at +01:00 is 23:30 UTC on the 12th.
      { amount: '2.000000000000000000', purchase_price_usd: '4970.787901000000000000', price_source: 'coingecko' },
    ]);
    expect(fx.fake.callsTo('/api/v3/coins/').map((r) => [r.path, r.query.date])).toEqual([['/api/v3/coins/bitcoin/history', '12-03-2020']]);
  });

  it('makes rows whose price cannot be had invalid rows saying why', async () => {
    const answer = await importCsv(csvOf('2020-03-12,not-a-coin,1,', '2016-01-01,cardano,1,', '2020-03-12,not-a-coin,1,5'), '?skip_invalid=true');
    expect(answer.body).toMatchObject({ rows: 3, valid: 1, invalid: 2, recorded: 1 });
    expect(answer.body.errors).toEqual([
      { line: 2, field: 'coin', reason: '"not-a-coin" is not a coin CoinGecko prices' },
      { line: 3, field: 'purchase_price_usd', reason: 'is needed: CoinGecko has no price of cardano on 2016-01-01' },
    ]);
  });

  it('stops asking CoinGecko once it has failed to answer within the budget, and says so on every such row', async () => {
    fx.fake.fail({ status: 503, times: Infinity });
    const app = fx.sut({ prices: { budgetMs: 300, timeoutMs: 100 } });
    const days = ['2020-01-06', '2020-01-13', '2020-01-20', '2020-01-27', '2020-02-03', '2020-02-10', '2020-02-17', '2020-02-24'];
    const answer = await importCsv(csvOf(...days.map((d) => `${d},bitcoin,1,`), '2020-03-02,bitcoin,1,9000'), '', {}, app);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ invalid: 8, valid: 1, recorded: 0 });
    for (const error of answer.body.errors!) {
      expect(error).toMatchObject({ field: 'purchase_price_usd', reason: expect.stringContaining('price unavailable') });
    }
    // At most one budget per lookup running at once, not one per row.
    const distinctDays = new Set(fx.fake.callsTo('/api/v3/coins/').map((r) => r.query.date));
    expect(distinctDays.size).toBeLessThanOrEqual(4);
    expect(await fx.counts()).toMatchObject({ investments: 0 });
  });
});

describe('POST /imports: files as people have them', () => {
  it('reads a UTF-8 BOM, CRLF, quoted fields, any column order, blank lines and dates without a time', async () => {
    const csv =
      '\ufeff"coin","amount",timestamp,purchase_price_usd\r\n' +
      '"ethereum","1.5",2021-01-04,"1000.25"\r\n' +
      '\r\n' +
      ' bitcoin , 0.25 ,"2021-01-05T12:00:00.123+02:00", 30000\r\n' +
      ',,,\r\n';
    const answer = await importCsv(csv);
    expect(answer.body).toMatchObject({ rows: 2, recorded: 2, invalid: 0 });
    const { rows } = await fx.db.admin.query(`select coin_name, amount::text, purchase_price_usd::text, "timestamp" from investments order by id`);
    expect(rows).toEqual([
      { coin_name: 'ethereum', amount: '1.500000000000000000', purchase_price_usd: '1000.250000000000000000', timestamp: new Date('2021-01-04T00:00:00.000Z') },
      { coin_name: 'bitcoin', amount: '0.250000000000000000', purchase_price_usd: '30000.000000000000000000', timestamp: new Date('2021-01-05T10:00:00.123Z') },
    ]);
  });

  it('numbers lines as a spreadsheet does, quoted line breaks and blank lines included', async () => {
    const csv = `${HEADER}\n2021-01-04,bitcoin,1,100\n\n"2021-01-04",bitcoin,"1\n",0,5\n2021-01-04,bitcoin,x,100\n`;
    const answer = await importCsv(csv, '?dry_run=true');
    expect(answer.body.errors).toEqual([
      { line: 4, field: 'row', reason: 'has 5 fields, the header has 4 — a decimal comma such as 0,5? write 0.5 (or quote the field)' },
      { line: 6, field: 'amount', reason: 'must be a plain decimal number such as 0.5 or 1250.75' },
    ]);
  });

  it('refuses a header with other columns, naming them, before reading a row', async () => {
    const extra = await importCsv('timestamp,coin,amount,purchase_price_usd,fee\n2021-01-04,bitcoin,1,100,1\n');
    expect(extra.status).toBe(400);
    expect(extra.body).toMatchObject({
      type: '/problems/invalid-csv-header',
      errors: [{ line: 1, field: 'header', reason: expect.stringContaining('unknown column "fee"') }],
    });
    const missing = await importCsv('timestamp,coin,amount\n2021-01-04,bitcoin,1\n');
    expect(missing.body.errors![0]!.reason).toContain('missing column "purchase_price_usd"');
    const semicolons = await importCsv('timestamp;coin;amount;purchase_price_usd\n2021-01-04;bitcoin;0,5;100\n');
    expect(semicolons.body.errors![0]!.reason).toContain('separated by semicolons');
    const headless = await importCsv('2021-01-04,bitcoin,1,100\n');
    expect(headless.body.errors![0]!.reason).toContain('looks like a row of data');
    const empty = await importCsv('');
    expect(empty).toMatchObject({ status: 400, body: { type: '/problems/invalid-csv-header' } });
    expect(await fx.counts()).toMatchObject({ investments: 0 });
  });

  it('refuses a file whose quoting is broken, naming the line', async () => {
    const answer = await importCsv(`${HEADER}\n2021-01-04,bitcoin,1,100\n"2021-01-05,bitcoin,1,100\n2021-01-06,bitcoin,1,100\n`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ type: '/problems/malformed-csv', errors: [{ line: 3, field: 'row' }] });
    expect(answer.body.detail).toContain('line 3');
    expect(await fx.counts()).toMatchObject({ investments: 0 });
  });
});

describe('POST /imports: HTTP', () => {
  it('needs an API key and a text/csv body', async () => {
    const app = fx.sut();
    const noKey = await app.request('/imports', { method: 'POST', body: csvOf(), headers: { 'content-type': 'text/csv' } });
    expect(noKey.status).toBe(401);
    const json = await importCsv('{}', '', { 'content-type': 'application/json' });
    expect(json).toMatchObject({ status: 415, body: { errors: [{ field: 'Content-Type' }] } });
    const latin1 = await importCsv(csvOf(), '', { 'content-type': 'text/csv; charset=iso-8859-1' });
    expect(latin1.status).toBe(415);
    const badFlag = await importCsv(csvOf(), '?dry_run=yes');
    expect(badFlag).toMatchObject({ status: 400, body: { errors: [{ field: 'dry_run' }] } });
  });

  it('refuses a file over the limit with 413, declared or streamed, and records nothing', async () => {
    const app = fx.sut({ importMaxBytes: 2048 });
    const big = csvOf(...portfolioRows().slice(0, 60));
    const declared = await importCsv(big, '', { 'content-length': String(Buffer.byteLength(big)) }, app);
    expect(declared.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 500) controller.enqueue(bytes.slice(i, i + 500));
        controller.close();
      },
    });
    const answer = await importCsv(streamed, '', {}, app);
    expect(answer).toMatchObject({ status: 413, body: { type: '/problems/payload-too-large' } });
    expect(await fx.counts()).toMatchObject({ investments: 0 });
  });

  it('streams progress lines and then the report as NDJSON when the client accepts it', async () => {
    const rows = portfolioRows();
    const many = csvOf(...rows, ...rows.map((r) => r.replace('T14:00:00Z', 'T15:00:00Z')), ...rows.map((r) => r.replace('T14:00:00Z', 'T16:00:00Z')), ...rows.map((r) => r.replace('T14:00:00Z', 'T17:00:00Z')));
    const answer = await importCsv(many, '', { accept: 'application/x-ndjson' });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/x-ndjson; charset=utf-8');
    const lines = answer.text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const progress = lines.slice(0, -1);
    expect(progress[0]).toEqual({ type: 'progress', phase: 'writing', done: 0, total: 2320, recorded: 0 });
    expect(progress.map((p) => p.done)).toEqual([0, 2000, 2320]);
    expect(progress.at(-1)).toMatchObject({ recorded: 2320 });
    expect(lines.at(-1)).toMatchObject({ type: 'report', outcome: 'imported', recorded: 2320, consistency_token: expect.any(String) });
    expect(await fx.counts()).toMatchObject({ investments: 2320, events: 2320 });

    // Refusals stay problem+json (before anything is streamed); a dry run is one report line.
    const refused = await importCsv(csvOf('2021-01-04,bitcoin,0,100'), '', { accept: 'application/x-ndjson' });
    expect(refused).toMatchObject({ status: 422, contentType: 'application/problem+json' });
    const dry = await importCsv(csvOf('2021-01-04,bitcoin,1,100'), '?dry_run=true', { accept: 'application/x-ndjson' });
    expect(JSON.parse(dry.text)).toMatchObject({ type: 'report', outcome: 'checked', new: 1 });
  });

  it('runs two imports at a time and answers 429 to a third', async () => {
    const app = fx.sut();
    const gates: Array<ReadableStreamDefaultController<Uint8Array>> = [];
    const hanging = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`${HEADER}\n2021-01-04,bitcoin,1,100\n`));
          gates.push(controller);
        },
      });
    const first = importCsv(hanging(), '', {}, app);
    const second = importCsv(hanging(), '', {}, app);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = await importCsv(csvOf(), '', {}, app);
    expect(third).toMatchObject({ status: 429, body: { type: '/problems/import-busy' } });
    for (const gate of gates) gate.close();
    // Both staged the same row; the UNIQUE row key lets exactly one of them record it.
    const answers = [(await first).body, (await second).body];
    expect(answers.map((a) => a.recorded).sort()).toEqual([0, 1]);
    expect(await fx.counts()).toMatchObject({ investments: 1, events: 1 });
    expect((await importCsv(csvOf(), '', {}, app)).status).toBe(200);
    // Staged rows are gone once the imports are over.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fx.db.admin.query('select count(*)::int as n from import_rows')).rows[0]).toEqual({ n: 0 });
  });
});

it('keeps every digit of 18-decimal amounts and prices (no float anywhere)', async () => {
  await importCsv(csvOf('2021-01-04,pepe,12345678901234567.123456789012345678,0.000000000000000001'));
  const { rows } = await fx.db.admin.query<{ amount: string; total: string }>(`select amount::text, total_value_usd::text as total from investments`);
  expect(rows[0]!.amount).toBe('12345678901234567.123456789012345678');
  expect(toPlain(new Decimal(rows[0]!.total))).toBe('0.012345678901234567123456789012345678');
});
