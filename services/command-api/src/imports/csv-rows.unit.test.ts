import { describe, expect, it } from 'vitest';
import { toPlain } from '@crypto-invest/money';
import { checkImportRow, importRowHash, isBlankRow, normaliseTimestamp, readHeader, type ImportHeader } from './csv-rows.ts';

const NOW = new Date('2024-06-01T12:00:00Z');
const header = (fields: string[]): ImportHeader => {
  const checked = readHeader(fields);
  if (!checked.ok) throw new Error(checked.reason);
  return checked.header;
};
const STANDARD = header(['timestamp', 'coin', 'amount', 'purchase_price_usd']);
const check = (fields: string[], h = STANDARD) => checkImportRow(fields, h, NOW);

describe('readHeader', () => {
  it('takes the four columns in any order, in any case, with blanks around them', () => {
    const h = header([' Coin', 'AMOUNT ', 'purchase_price_usd', 'timestamp']);
    expect(h).toEqual({ index: { coin: 0, amount: 1, purchase_price_usd: 2, timestamp: 3 }, width: 4 });
  });

  it('refuses other columns, missing and repeated ones, naming each', () => {
    const extra = readHeader(['timestamp', 'coin', 'amount', 'purchase_price_usd', 'Fee']);
    expect(extra).toEqual({
      ok: false,
      reason: 'the header must name exactly the columns timestamp,coin,amount,purchase_price_usd (in any order): unknown column "Fee"',
    });
    const wrong = readHeader(['date', 'coin', 'coin', '']);
    expect(wrong.ok).toBe(false);
    const reason = (wrong as { reason: string }).reason;
    for (const part of ['unknown column "date"', 'column "coin" appears twice', 'column 4 has no name', 'missing column "timestamp"', 'missing column "amount"', 'missing column "purchase_price_usd"']) {
      expect(reason).toContain(part);
    }
  });

  it('says what is wrong with semicolon- or tab-separated files, UTF-16 and files without a header', () => {
    expect(readHeader(['timestamp;coin;amount;purchase_price_usd'])).toMatchObject({ ok: false, reason: expect.stringContaining('separated by semicolons') });
    expect(readHeader(['timestamp\tcoin\tamount\tpurchase_price_usd'])).toMatchObject({ ok: false, reason: expect.stringContaining('separated by tabs') });
    expect(readHeader(['\u0000t\u0000i\u0000m\u0000e'])).toMatchObject({ ok: false, reason: expect.stringContaining('UTF-16') });
    expect(readHeader(['2021-01-04', 'bitcoin', '0.5', '100'])).toMatchObject({ ok: false, reason: expect.stringContaining('looks like a row of data') });
  });
});

describe('checkImportRow', () => {
  it('turns a row into the command POST /invest would make of it', () => {
    const row = check(['2021-03-01T14:30:00Z', 'BTC', '0.50', '49631.240']);
    expect(row.ok).toBe(true);
    if (!row.ok) return;
    expect(row.command.coin).toBe('bitcoin');
    expect(row.command.symbol).toBe('btc');
    expect(toPlain(row.command.amount)).toBe('0.5');
    expect(toPlain(row.command.purchasePriceUsd!)).toBe('49631.24');
    expect(row.command.timestamp.toISOString()).toBe('2021-03-01T14:30:00.000Z');
  });

  it('leaves the price out when the field is empty (CoinGecko’s price of the day is then used)', () => {
    const row = check(['2021-03-01', 'ethereum', '1', '']);
    expect(row.ok && row.command.purchasePriceUsd).toBeUndefined();
  });

  it('refuses locale decimals with a message that says so, never reading 0,5 as 5 or 0', () => {
    expect(check(['2021-03-01', 'bitcoin', '0,5', '1.234,56'])).toEqual({
      ok: false,
      problems: [
        { field: 'amount', reason: 'use a point as the decimal separator and no thousands separators (0.5, not 0,5)' },
        { field: 'purchase_price_usd', reason: 'use a point as the decimal separator and no thousands separators (0.5, not 0,5)' },
      ],
    });
  });

  it('explains a row with too many fields (an unquoted decimal comma) or too few', () => {
    expect(check(['2021-03-01', 'bitcoin', '0', '5', '100'])).toEqual({
      ok: false,
      problems: [{ field: 'row', reason: 'has 5 fields, the header has 4 — a decimal comma such as 0,5? write 0.5 (or quote the field)' }],
    });
    expect(check(['2021-03-01', 'bitcoin', '0.5'])).toMatchObject({ ok: false, problems: [{ field: 'row', reason: expect.stringContaining('has 3 fields, the header has 4') }] });
  });

  it('names every failing field with the body rules of POST /invest, in column order', () => {
    const row = check(['', 'Not A Coin!', '-1', '0']);
    expect(row).toEqual({
      ok: false,
      problems: [
        { field: 'timestamp', reason: 'is required: a date (2021-03-01) or a date-time with a time zone (2021-03-01T14:30:00Z)' },
        { field: 'coin', reason: expect.stringContaining('must be a CoinGecko coin id') },
        { field: 'amount', reason: 'must be greater than 0' },
        { field: 'purchase_price_usd', reason: 'must be greater than 0' },
      ],
    });
  });

  it('refuses purchases in the future and before Bitcoin', () => {
    expect(check(['2024-06-02', 'bitcoin', '1', '1'])).toEqual({ ok: false, problems: [{ field: 'timestamp', reason: 'must not be in the future' }] });
    expect(check(['2008-12-31', 'bitcoin', '1', '1'])).toMatchObject({ ok: false, problems: [{ field: 'timestamp', reason: expect.stringContaining('2009-01-03') }] });
  });

  it('maps columns by the header, whatever their order', () => {
    const h = header(['purchase_price_usd', 'amount', 'coin', 'timestamp']);
    const row = checkImportRow(['100', '2', 'eth', '2021-01-01'], h, NOW);
    expect(row.ok && [row.command.coin, toPlain(row.command.amount), toPlain(row.command.purchasePriceUsd!)]).toEqual(['ethereum', '2', '100']);
  });
});

describe('normaliseTimestamp', () => {
  it.each([
    ['2021-03-01', '2021-03-01T00:00:00Z'],
    ['2021-03-01T14:30:00Z', '2021-03-01T14:30:00Z'],
    ['2021-03-01 14:30:00Z', '2021-03-01T14:30:00Z'],
    ['2021-03-01T14:30Z', '2021-03-01T14:30:00Z'],
    ['2021-03-01t14:30:05.123z', '2021-03-01T14:30:05.123Z'],
    ['2021-03-01T14:30:00+02:00', '2021-03-01T14:30:00+02:00'],
    ['2021-03-01T14:30:00+0200', '2021-03-01T14:30:00+02:00'],
    ['2021-03-01T14:30-05', '2021-03-01T14:30:00-05:00'],
    ['2020-02-29', '2020-02-29T00:00:00Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(normaliseTimestamp(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['2021-03-01T14:30:00', 'has no time zone: add Z for UTC or an offset such as +02:00 (a date alone means 00:00 UTC)'],
    ['2021-02-29', '2021-02-29 is not a date in the calendar'],
    ['2021-13-01T00:00Z', '2021-13-01 is not a date in the calendar'],
    ['2021-03-01T24:00:00Z', '24:00:00 is not a time of day'],
    ['01/03/2021', 'must be an ISO 8601 date (2021-03-01) or date-time with a time zone (2021-03-01T14:30:00Z); dates such as 01/03/2021 are ambiguous, write 2021-03-01'],
    ['1614556800', 'must be an ISO 8601 date (2021-03-01) or date-time with a time zone (2021-03-01T14:30:00Z)'],
  ])('refuses %s: %s', (text, reason) => {
    expect(normaliseTimestamp(text)).toEqual({ ok: false, reason });
  });
});

describe('importRowHash', () => {
  const command = (fields: string[]) => {
    const row = check(fields);
    if (!row.ok) throw new Error(JSON.stringify(row.problems));
    return row.command;
  };

  it('is the same for the same purchase however it is written', () => {
    const a = importRowHash(command(['2021-03-01', 'bitcoin', '0.5', '100']));
    expect(importRowHash(command(['2021-03-01T01:00:00+01:00', 'BTC', '0.500', '100.0']))).toBe(a);
    expect(importRowHash(command(['2021-03-01T00:00:00.000Z', ' bitcoin ', '5e-1', '1e2']))).toBe(a);
  });

  it('differs when any fact differs, and an empty price is not any price', () => {
    const base = importRowHash(command(['2021-03-01', 'bitcoin', '0.5', '100']));
    const others = [
      ['2021-03-01T00:00:00.001Z', 'bitcoin', '0.5', '100'],
      ['2021-03-01', 'ethereum', '0.5', '100'],
      ['2021-03-01', 'bitcoin', '0.500000000000000001', '100'],
      ['2021-03-01', 'bitcoin', '0.5', '100.000000000000000001'],
      ['2021-03-01', 'bitcoin', '0.5', ''],
    ].map((fields) => importRowHash(command(fields)));
    expect(new Set([base, ...others]).size).toBe(6);
  });
});

it('treats a row of empty fields as blank (the ,,, lines spreadsheets leave)', () => {
  expect(isBlankRow(['', ' ', ''])).toBe(true);
  expect(isBlankRow(['', 'bitcoin'])).toBe(false);
});
