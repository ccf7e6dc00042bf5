import { Decimal as DecimalJs } from 'decimal.js';

/**
 * The project's one decimal type. Precision is far beyond any figure we store
 * (NUMERIC(38,18) operands, sums of 36-decimal products), so arithmetic is exact
 * until a division, which callers round explicitly. Exponent notation is
 * switched off so `toString()` always writes every digit.
 */
export const Decimal = DecimalJs.clone({
  precision: 120,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

export function isDecimal(value: unknown): value is Decimal {
  return DecimalJs.isDecimal(value);
}

/** Plain positional text with every significant digit and no trailing zeros: `0.00034088652`, `10`. */
export function toPlain(value: Decimal): string {
  if (value.isZero()) return '0';
  return value.toFixed();
}

/** Sum of decimals, exact. */
export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

/**
 * a ÷ b rounded half-even to `scale` decimal places (default 18, the scale of a stored price),
 * or null when b is zero — a coin whose holdings reach zero has no average price.
 */
export function divide(a: Decimal, b: Decimal, scale = 18): Decimal | null {
  if (b.isZero()) return null;
  return a.div(b).toDecimalPlaces(scale, Decimal.ROUND_HALF_EVEN);
}
