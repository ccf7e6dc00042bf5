import { Decimal } from '@crypto-invest/money';
import { describe, expect, it } from 'vitest';
import {
  formatAmount,
  formatDateTime,
  formatDay,
  formatFractionAsPercent,
  formatPriceUsd,
  formatSignedPercent,
  formatSignedUsd,
  formatUsd,
  formatUsdCompact,
  groupThousands,
} from './format.ts';

const d = (text: string) => new Decimal(text);

describe('groupThousands', () => {
  it.each([
    ['0', '0'],
    ['999', '999'],
    ['1000', '1,000'],
    ['1234567.891', '1,234,567.891'],
    ['-1234.5', '−1,234.5'],
    ['0.000001234', '0.000001234'],
    ['123456789012345678901234', '123,456,789,012,345,678,901,234'],
  ])('%s → %s', (plain, shown) => expect(groupThousands(plain)).toBe(shown));
});

describe('formatUsd', () => {
  it.each([
    ['0', '$0.00'],
    ['10', '$10.00'],
    ['199.010801', '$199.01'],
    ['1234567.895', '$1,234,567.90'],
    ['0.66', '$0.66'],
    ['0.005', '$0.005000'],
    ['0.0000081234567', '$0.000008123'],
    ['-42.5', '−$42.50'],
    ['-0.00000123', '−$0.000001230'],
  ])('%s → %s', (value, shown) => expect(formatUsd(d(value))).toBe(shown));

  it('never writes exponent form, even for values decimal.js would print that way by default', () => {
    expect(formatUsd(d('6.44e-6'))).toBe('$0.000006440');
    expect(formatUsd(d('1e21'))).toBe('$1,000,000,000,000,000,000,000.00');
  });

  it('rounds only the text: the value passed in is untouched', () => {
    const value = d('0.125');
    expect(formatUsd(value)).toBe('$0.13');
    expect(value.toFixed()).toBe('0.125');
  });
});

describe('formatPriceUsd', () => {
  it.each([
    ['57807.9', '$57,807.90'],
    ['1', '$1.00'],
    ['0.6601', '$0.6601'],
    ['0.00000644', '$0.000006440'],
    ['0.00000812345678', '$0.000008123'],
    ['0.0000000123', '$0.00000001230'],
    ['0', '$0.00'],
  ])('%s → %s', (value, shown) => expect(formatPriceUsd(d(value))).toBe(shown));
});

describe('formatAmount', () => {
  it('shows every digit of an amount, grouped', () => {
    expect(formatAmount(d('0.123456789012345678'))).toBe('0.123456789012345678');
    expect(formatAmount(d('1000000'))).toBe('1,000,000');
    expect(formatAmount(d('2.3767'))).toBe('2.3767');
    expect(formatAmount(d('1e-18'))).toBe('0.000000000000000001');
    expect(formatAmount(d('0'))).toBe('0');
  });
});

describe('signed figures and percentages', () => {
  it('marks gains and losses', () => {
    expect(formatSignedUsd(d('12.344'))).toBe('+$12.34');
    expect(formatSignedUsd(d('-0.5'))).toBe('−$0.50');
    expect(formatSignedUsd(d('0'))).toBe('$0.00');
    expect(formatSignedUsd(d('-0.001'))).toBe('−$0.001000');
    expect(formatSignedPercent(d('12.345'))).toBe('+12.35%');
    expect(formatSignedPercent(d('-3'))).toBe('−3.00%');
    expect(formatSignedPercent(d('-0.001'))).toBe('0.00%');
  });

  it('writes a fraction as a percentage', () => {
    expect(formatFractionAsPercent(d('0.5'))).toBe('50.00%');
    expect(formatFractionAsPercent(d('0.123456'))).toBe('12.35%');
    expect(formatFractionAsPercent(d('1'))).toBe('100.00%');
  });
});

describe('dates and axes', () => {
  it('writes times in the browser time zone (UTC in these tests)', () => {
    expect(formatDateTime('2021-03-05T14:03:09.123Z')).toBe('2021-03-05 14:03');
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatDay('2021-03-05')).toBe('5 Mar 2021');
  });

  it('abbreviates axis figures', () => {
    expect(formatUsdCompact(0)).toBe('$0');
    expect(formatUsdCompact(950)).toBe('$950');
    expect(formatUsdCompact(12_500)).toBe('$12.5k');
    expect(formatUsdCompact(3_200_000)).toBe('$3.2M');
    expect(formatUsdCompact(45_000_000)).toBe('$45M');
    expect(formatUsdCompact(2.5)).toBe('$2.5');
  });
});
