import { describe, expect, it } from 'vitest';
import { Decimal, divide, parseJsonExact, parsePositiveDecimal, stringifyJsonExact, sum, toPlain } from './index.ts';

describe('parsePositiveDecimal', () => {
  it.each([
    ['0.5', '0.5'],
    ['0.123456789012345678', '0.123456789012345678'],
    ['0.0000001234', '0.0000001234'],
    ['1e-7', '0.0000001'],
    ['2.50', '2.5'],
    ['999999999999999999.000000000000000001', '999999999999999999.000000000000000001'],
  ])('accepts %s exactly', (text, plain) => {
    const result = parsePositiveDecimal(text);
    expect(result.ok && toPlain(result.value)).toBe(plain);
  });

  it.each([
    ['', 'must not be empty'],
    [' 1', 'plain decimal'],
    ['0x10', 'plain decimal'],
    ['+1', 'plain decimal'],
    ['NaN', 'plain decimal'],
    ['Infinity', 'plain decimal'],
    ['1,5', 'decimal separator'],
    ['0,5', 'decimal separator'],
    ['1 000', 'plain decimal'],
    ['-1', 'greater than 0'],
    ['0', 'greater than 0'],
    ['0.0000000000000000001', 'at most 18 decimal places'],
    ['1e400', 'out of range'],
    ['1e25', 'less than 10^20'],
    ['.5', 'plain decimal'],
  ])('refuses %j (%s)', (text, reason) => {
    const result = parsePositiveDecimal(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });
});

describe('exact JSON', () => {
  it('parses numbers without a float and writes them back digit for digit', () => {
    const text = '{"amount":0.123456789012345678,"price":0.0000001234,"big":123456789012345678901234.5}';
    const parsed = parseJsonExact(text) as Record<string, { value: string }>;
    expect(parsed.amount!.value).toBe('0.123456789012345678');
    expect(stringifyJsonExact(parsed)).toBe(text);
  });

  it('writes decimals as plain JSON numbers, never in exponent form', () => {
    const body = { a: new Decimal('3.4088652e-4'), b: new Decimal('1e21'), c: [new Decimal('-0.5')], d: undefined, s: 'x"y' };
    expect(stringifyJsonExact(body)).toBe('{"a":0.00034088652,"b":1000000000000000000000,"c":[-0.5],"s":"x\\"y"}');
  });

  it('refuses duplicate keys and malformed text', () => {
    expect(() => parseJsonExact('{"a":1,"a":2}')).toThrow();
    expect(() => parseJsonExact('{"a":')).toThrow();
  });
});

describe('arithmetic', () => {
  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    expect(toPlain(sum([new Decimal('0.1'), new Decimal('0.2')]))).toBe('0.3');
  });
  it('divides with half-even rounding and refuses zero divisors', () => {
    expect(toPlain(divide(new Decimal('199.010801'), new Decimal('2.3767'))!)).toBe('83.734085496697101022');
    expect(divide(new Decimal(1), new Decimal(0))).toBeNull();
  });
});
