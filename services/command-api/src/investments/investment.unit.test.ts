import { describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { Decimal, LosslessNumber, toPlain } from '@crypto-invest/money';
import {
  decideInvestment,
  investmentRecorded,
  investmentVoided,
  parseRecordInvestment,
  planPrice,
  requestFingerprint,
  type RecordInvestmentBody,
  type StoredInvestment,
} from './investment.ts';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const num = (text: string) => new LosslessNumber(text);
const parse = (body: RecordInvestmentBody) => parseRecordInvestment(body, NOW);

function fields(body: RecordInvestmentBody) {
  try {
    parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).extra.fields;
  }
  throw new Error('expected a validation error');
}

describe('parseRecordInvestment', () => {
  it('turns a JSON number into an exact Decimal and normalises the coin', () => {
    const command = parse({ coin: '  Shiba-Inu ', amount: num('123456789.123456789012345678'), purchase_price_usd: num('0.0000001234') });
    expect(command.coin).toBe('shiba-inu');
    expect(toPlain(command.amount)).toBe('123456789.123456789012345678');
    expect(toPlain(command.purchasePriceUsd!)).toBe('0.0000001234');
    expect(command.timestamp).toBeUndefined();
  });

  it('accepts decimal strings and exponent notation within the limits', () => {
    const command = parse({ coin: 'bitcoin', amount: '0.50', purchase_price_usd: num('8.12345678e-6') });
    expect(toPlain(command.amount)).toBe('0.5');
    expect(toPlain(command.purchasePriceUsd!)).toBe('0.00000812345678');
  });

  it('keeps the ticker symbol it resolved', () => {
    expect(parse({ coin: 'ETH', amount: '1' })).toMatchObject({ coin: 'ethereum', symbol: 'eth' });
  });

  it('takes null as "not given" for the price and the timestamp', () => {
    const command = parse({ coin: 'bitcoin', amount: '1', purchase_price_usd: null, timestamp: null });
    expect(command.purchasePriceUsd).toBeUndefined();
    expect(command.timestamp).toBeUndefined();
  });

  it('reads timestamps with an offset to the millisecond, in UTC', () => {
    expect(parse({ coin: 'bitcoin', amount: '1', timestamp: '2024-05-01T13:30:00.123456+02:00' }).timestamp!.toISOString()).toBe(
      '2024-05-01T11:30:00.123Z',
    );
    // a clock a few seconds ahead is tolerated
    expect(parse({ coin: 'bitcoin', amount: '1', timestamp: '2024-05-01T12:00:04Z' }).timestamp!.toISOString()).toBe('2024-05-01T12:00:04.000Z');
  });

  it.each([
    [{ coin: 'bitcoin', amount: '1', timestamp: '2024-05-01T12:00:06Z' }, 'timestamp', 'must not be in the future'],
    [{ coin: 'bitcoin', amount: '1', timestamp: '2024-05-01 12:00:00Z' }, 'timestamp', 'ISO 8601'],
    [{ coin: 'bitcoin', amount: '1', timestamp: '2024-05-01T12:00:00' }, 'timestamp', 'offset'],
    [{ coin: 'bitcoin', amount: '1', timestamp: '2009-01-02T23:59:59Z' }, 'timestamp', '2009-01-03'],
    [{ coin: 'bitcoin', amount: num('1e-19') }, 'amount', '18 decimal places'],
    [{ coin: 'bitcoin', amount: num('1e20') }, 'amount', 'less than 10^20'],
    [{ coin: 'bitcoin', amount: '1', purchase_price_usd: num('-0.1') }, 'purchase_price_usd', 'greater than 0'],
    [{ coin: 'bit coin', amount: '1' }, 'coin', 'CoinGecko coin id'],
  ] as const)('refuses %j (%s: %s)', (body, field, reason) => {
    const problems = fields(body as RecordInvestmentBody);
    expect(problems).toHaveLength(1);
    expect(problems![0]!.field).toBe(field);
    expect(problems![0]!.reason).toContain(reason);
  });
});

describe('planPrice', () => {
  const command = (extra: object = {}) => ({ coin: 'bitcoin', amount: new Decimal(1), ...extra });

  it('takes the user’s price when given, whatever the timestamp', () => {
    const plan = planPrice(command({ purchasePriceUsd: new Decimal('100'), timestamp: new Date('2020-01-01T00:00:00Z') }), NOW);
    expect(plan).toMatchObject({ source: 'user' });
  });

  it('asks CoinGecko for the current price without a timestamp or for earlier today (UTC)', () => {
    expect(planPrice(command(), NOW)).toEqual({ source: 'coingecko', at: 'now' });
    expect(planPrice(command({ timestamp: new Date('2024-05-01T00:00:00Z') }), NOW)).toEqual({ source: 'coingecko', at: 'now' });
  });

  it('asks CoinGecko for the historical price of an earlier UTC day', () => {
    expect(planPrice(command({ timestamp: new Date('2024-04-30T23:59:59.999Z') }), NOW)).toEqual({ source: 'coingecko', at: 'day', day: '2024-04-30' });
  });
});

describe('decideInvestment and its events', () => {
  const stored: StoredInvestment = {
    id: '42',
    coin: 'ethereum',
    amount: new Decimal('0.197759759644370206'),
    purchasePriceUsd: new Decimal('151.6992135'),
    totalValueUsd: new Decimal('29.999999999999999953032981'),
    timestamp: new Date('2019-01-07T14:00:00Z'),
    priceSource: 'user',
    voidedAt: null,
  };

  it('records a purchase without a timestamp at "now"', () => {
    const decided = decideInvestment({ coin: 'bitcoin', amount: new Decimal('0.5') }, new Decimal('34235.19345'), 'coingecko', NOW);
    expect(decided).toEqual({ coin: 'bitcoin', amount: new Decimal('0.5'), purchasePriceUsd: new Decimal('34235.19345'), timestamp: NOW, priceSource: 'coingecko' });
  });

  it('puts the facts, as decimal strings and nothing derived, into InvestmentRecorded', () => {
    expect(investmentRecorded(stored)).toEqual({
      type: 'InvestmentRecorded',
      data: {
        investment_id: '42',
        coin: 'ethereum',
        amount: '0.197759759644370206',
        purchase_price_usd: '151.6992135',
        timestamp: '2019-01-07T14:00:00.000Z',
        price_source: 'user',
      },
    });
  });

  it('carries the original facts into InvestmentVoided', () => {
    expect(investmentVoided(stored, new Date('2024-05-02T00:00:00Z')).data).toEqual({
      investment_id: '42',
      coin: 'ethereum',
      amount: '0.197759759644370206',
      purchase_price_usd: '151.6992135',
      timestamp: '2019-01-07T14:00:00.000Z',
      voided_at: '2024-05-02T00:00:00.000Z',
    });
  });
});

describe('requestFingerprint', () => {
  const fingerprint = (route: string, body: RecordInvestmentBody) => requestFingerprint(route, parse(body));

  it('is the same for the same command however its numbers are written', () => {
    expect(fingerprint('POST /invest', { coin: 'BTC', amount: num('0.5') })).toBe(fingerprint('POST /invest', { coin: 'bitcoin', amount: '0.50' }));
  });

  it('differs by route, amount, price and timestamp', () => {
    const base = fingerprint('POST /invest', { coin: 'bitcoin', amount: '1' });
    expect(new Set([
      base,
      fingerprint('POST /investments', { coin: 'bitcoin', amount: '1' }),
      fingerprint('POST /invest', { coin: 'bitcoin', amount: '2' }),
      fingerprint('POST /invest', { coin: 'bitcoin', amount: '1', purchase_price_usd: '1' }),
      fingerprint('POST /invest', { coin: 'bitcoin', amount: '1', timestamp: '2024-01-01T00:00:00Z' }),
      fingerprint('POST /invest', { coin: 'ethereum', amount: '1' }),
    ]).size).toBe(6);
  });
});
