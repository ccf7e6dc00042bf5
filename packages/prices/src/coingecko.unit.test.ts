import { describe, expect, it } from 'vitest';
import { LosslessNumber, toPlain } from '@crypto-invest/money';
import { createCoinGeckoApi, parseRetryAfter, PRO_API_URL, PUBLIC_API_URL, storagePrice } from './coingecko.ts';

const price = (text: string) => {
  const value = storagePrice(new LosslessNumber(text));
  return value && toPlain(value);
};

describe('storagePrice', () => {
  it.each([
    ['34235.19345', '34235.19345'],
    ['1.234e-7', '0.0000001234'],
    ['8.12345678E-6', '0.00000812345678'],
    ['0.123456789012345678', '0.123456789012345678'],
    // more than 18 decimals: rounded half-even to the stored scale
    ['1.2345678901234567895e-3', '0.001234567890123457'],
    ['0.0000000000000000015', '0.000000000000000002'],
    ['123456789012345678.5', '123456789012345678.5'],
  ])('reads %s exactly as %s', (text, plain) => {
    expect(price(text)).toBe(plain);
  });

  it.each(['0', '-1', '0.0000000000000000004', '1e20', '1e400'])('has no price for %s (never 0)', (text) => {
    expect(price(text)).toBeNull();
  });

  it('has no price for a string, null or a missing member', () => {
    expect(storagePrice('1.5')).toBeNull();
    expect(storagePrice(null)).toBeNull();
    expect(storagePrice(undefined)).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('createCoinGeckoApi', () => {
  it('uses the public host by default, the pro host with a pro key, and a given base URL as it is', () => {
    expect(createCoinGeckoApi({}).baseUrl).toBe(PUBLIC_API_URL);
    expect(createCoinGeckoApi({ demoApiKey: 'demo' }).baseUrl).toBe(PUBLIC_API_URL);
    expect(createCoinGeckoApi({ proApiKey: 'pro' }).baseUrl).toBe(PRO_API_URL);
    expect(createCoinGeckoApi({ proApiKey: 'pro', baseUrl: 'http://127.0.0.1:9/api/v3/' }).baseUrl).toBe('http://127.0.0.1:9/api/v3');
  });

  it('refuses a demo and a pro key together', () => {
    expect(() => createCoinGeckoApi({ demoApiKey: 'a', proApiKey: 'b' })).toThrow(/not both/);
  });
});
