import { describe, expect, it } from 'vitest';
import { createIdempotencyKeys, placeApiErrors, validateDraft, type RecordDraft } from './record-form.ts';

const bitcoin = { id: 'bitcoin', symbol: 'BTC', name: 'Bitcoin' };
const now = new Date('2024-06-01T12:00:00.000Z');
const draft = (patch: Partial<RecordDraft>): RecordDraft => ({ coin: bitcoin, amount: '0.5', price: '', when: '', ...patch });

describe('validateDraft', () => {
  it('builds the command with the decimals exactly as typed and the CoinGecko id', () => {
    expect(validateDraft(draft({ amount: '0.123456789012345678', price: '0.0000001234' }), now)).toEqual({
      ok: true,
      command: { coin: 'bitcoin', amount: '0.123456789012345678', purchase_price_usd: '0.0000001234' },
    });
  });

  it('leaves out the price and time when they are not given (the API then fetches the price, now)', () => {
    expect(validateDraft(draft({ amount: ' 2.5 ' }), now)).toEqual({ ok: true, command: { coin: 'bitcoin', amount: '2.5' } });
  });

  it('turns the local date and time into an ISO instant (UTC in these tests)', () => {
    const result = validateDraft(draft({ when: '2021-03-05T14:30' }), now);
    expect(result.ok && result.command.timestamp).toBe('2021-03-05T14:30:00.000Z');
  });

  it.each([
    [{ coin: null }, 'coin', 'Choose a coin from the list'],
    [{ amount: '' }, 'amount', 'Enter the amount of coins you bought'],
    [{ amount: '0' }, 'amount', 'Amount must be greater than 0'],
    [{ amount: '-1' }, 'amount', 'Amount must be greater than 0'],
    [{ amount: '1,5' }, 'amount', 'Amount use a point as the decimal separator'],
    [{ amount: 'abc' }, 'amount', 'Amount must be a plain decimal number'],
    [{ amount: '0.0000000000000000001' }, 'amount', 'Amount must have at most 18 decimal places'],
    [{ price: '0x10' }, 'price', 'Price must be a plain decimal number'],
    [{ price: '0' }, 'price', 'Price must be greater than 0'],
    [{ when: '2024-06-01T12:01' }, 'when', 'The purchase date cannot be in the future'],
    [{ when: 'yesterday' }, 'when', 'Enter a date and time'],
  ] as const)('refuses %j on %s', (patch, field, message) => {
    const result = validateDraft(draft(patch), now);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[field]).toContain(message);
  });

  it('reports every bad field at once', () => {
    const result = validateDraft({ coin: null, amount: '', price: 'x', when: '' }, now);
    expect(!result.ok && Object.keys(result.errors).sort()).toEqual(['amount', 'coin', 'price']);
  });
});

describe('placeApiErrors', () => {
  it("puts the API's field errors beside the form fields and keeps the rest", () => {
    expect(
      placeApiErrors({ amount: 'must have at most 18 decimal places', purchase_price_usd: 'must be greater than 0', coin: 'unknown coin "btcx"', 'Idempotency-Key': 'reused with another body' }),
    ).toEqual({
      fields: { amount: 'Must have at most 18 decimal places', price: 'Must be greater than 0', coin: 'Unknown coin "btcx"' },
      other: ['Idempotency-Key: reused with another body'],
    });
    expect(placeApiErrors({ timestamp: 'must not be in the future' }).fields).toEqual({ when: 'Must not be in the future' });
  });
});

describe('createIdempotencyKeys', () => {
  it('keeps one key for retries of the same purchase and a new one for a different or a settled one', () => {
    let n = 0;
    const keys = createIdempotencyKeys(() => `key-${++n}`);
    const command = { coin: 'bitcoin', amount: '0.5' };
    expect(keys.keyFor(command)).toBe('key-1');
    expect(keys.keyFor({ ...command })).toBe('key-1');
    expect(keys.keyFor({ ...command, amount: '0.6' })).toBe('key-2');
    keys.settled();
    expect(keys.keyFor({ ...command, amount: '0.6' })).toBe('key-3');
  });
});
