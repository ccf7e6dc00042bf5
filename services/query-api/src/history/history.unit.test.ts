import { describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { decodeCursor, encodeCursor } from './history-cursor.ts';
import { historyQuery, toInvestmentView } from './history-query.ts';
import { nextPageLink, parseHistoryRequest } from './history-request.ts';

const fieldsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return ((error as DomainError).extra.fields ?? []).map((f) => f.field);
  }
  throw new Error('expected a DomainError');
};

describe('history cursor', () => {
  it('round-trips a position and is opaque (base64url)', () => {
    const cursor = { timestamp: '2021-03-14T09:30:00.123Z', id: '9223372036854775807' };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it('refuses what it did not issue', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const text of [
      '',
      'abc',
      'a'.repeat(300),
      'bad chars!',
      b64('2|2021-03-14T09:30:00.123Z|1'),
      b64('1|2021-03-14T09:30:00Z|1'),
      b64('1|2021-02-30T09:30:00.000Z|1'),
      b64('1|2021-03-14T09:30:00.123Z|0'),
      b64('1|2021-03-14T09:30:00.123Z|9223372036854775808'),
      b64('1|2021-03-14T09:30:00.123Z|-1'),
    ]) {
      expect(decodeCursor(text), text).toBeUndefined();
    }
  });
});

describe('parseHistoryRequest', () => {
  it('normalises filters: coin lower-cased, a bare date is 00:00 UTC, voided excluded by default', () => {
    expect(parseHistoryRequest({ coin: ' Bitcoin ', from: '2021-01-01', to: '2021-02-01T10:00:00+02:00' }, 500)).toEqual({
      filter: { coin: 'bitcoin', from: '2021-01-01T00:00:00Z', to: '2021-02-01T10:00:00+02:00', includeVoided: false },
    });
  });

  it('pages only with a limit, continuing after a cursor', () => {
    const cursor = encodeCursor({ timestamp: '2021-01-01T00:00:00.000Z', id: '5' });
    expect(parseHistoryRequest({ limit: '50', cursor, include_voided: 'true' }, 500)).toEqual({
      filter: { coin: undefined, from: undefined, to: undefined, includeVoided: true },
      page: { limit: 50, after: { timestamp: '2021-01-01T00:00:00.000Z', id: '5' } },
    });
  });

  it('names every bad field', () => {
    expect(fieldsOf(() => parseHistoryRequest({ limit: '0' }, 500))).toEqual(['limit']);
    expect(fieldsOf(() => parseHistoryRequest({ limit: '501' }, 500))).toEqual(['limit']);
    expect(fieldsOf(() => parseHistoryRequest({ limit: '1e2' }, 500))).toEqual(['limit']);
    expect(fieldsOf(() => parseHistoryRequest({ cursor: 'x', limit: '5' }, 500))).toEqual(['cursor']);
    expect(fieldsOf(() => parseHistoryRequest({ cursor: encodeCursor({ timestamp: '2021-01-01T00:00:00.000Z', id: '5' }) }, 500))).toEqual(['cursor']);
    expect(fieldsOf(() => parseHistoryRequest({ coin: 'BTC!', from: '2021-13-01', to: 'tomorrow' }, 500))).toEqual(['coin', 'from', 'to']);
    expect(fieldsOf(() => parseHistoryRequest({ to: '2021-01-01T00:00:00' }, 500))).toEqual(['to']);
    expect(fieldsOf(() => parseHistoryRequest({ from: '2021-02-01', to: '2021-02-01' }, 500))).toEqual(['to']);
  });

  it('builds the next link relative to the request, keeping the filters', () => {
    expect(nextPageLink('http://localhost:8001/history?coin=bitcoin&limit=2&cursor=old', 'NEW')).toBe(
      '<history?coin=bitcoin&limit=2&cursor=NEW>; rel="next"',
    );
    expect(nextPageLink('http://localhost:8501/api/query/history?limit=2', 'C')).toBe('<history?limit=2&cursor=C>; rel="next"');
  });
});

describe('historyQuery', () => {
  it('has only the conditions asked for, in index order, and asks one row past the page', () => {
    const all = historyQuery({ includeVoided: true });
    expect(all.text).not.toContain('where');
    expect(all.text).toContain('order by investments."timestamp" desc, investments.id desc');
    expect(all.text).not.toContain('limit');

    const page = historyQuery(
      { coin: 'bitcoin', from: '2021-01-01T00:00:00Z', to: '2021-02-01T00:00:00Z', includeVoided: false },
      { limit: 50, after: { timestamp: '2021-01-15T00:00:00.000Z', id: '42' } },
    );
    expect(page.text).toContain(
      'where investments.coin_name = $1 and investments."timestamp" >= $2::timestamptz and investments."timestamp" < $3::timestamptz ' +
        'and investments.voided_at is null and (investments."timestamp", investments.id) < ($4::timestamptz, $5::bigint)',
    );
    expect(page.text).toMatch(/limit 51$/);
    expect(page.values).toEqual(['bitcoin', '2021-01-01T00:00:00Z', '2021-02-01T00:00:00Z', '2021-01-15T00:00:00.000Z', '42']);
  });

  it('trims trailing zeros in SQL, so the text is what Decimal#toFixed would write', () => {
    expect(historyQuery({ includeVoided: true }).text).toContain('trim_scale(amount)::text as amount');
  });

  it('maps a row to the Investment view with exact decimals and an integer id', () => {
    const view = toInvestmentView({
      id: '9007199254740993',
      coin_name: 'shiba-inu',
      amount: '99999999999999999999.999999999999999999',
      purchase_price_usd: '0.000000000000000001',
      total_value_usd: '99.999999999999999999999999999999999999',
      timestamp: '2021-01-01T00:00:00.000Z',
      price_source: 'user',
      voided_at: null,
    });
    expect(view.id).toBe(9007199254740993n);
    expect(view.amount.value).toBe('99999999999999999999.999999999999999999');
    expect(view.purchase_price_usd.value).toBe('0.000000000000000001');
    expect(view.voided).toBe(false);
  });
});
