import { Decimal, isLosslessNumber, parseJsonExact, type LosslessNumber } from '@crypto-invest/money';

/**
 * A response body as `parseJsonExact` returns it: the shape of the OpenAPI type `T`, with every
 * JSON number kept as a LosslessNumber holding the exact text the service wrote (a plain
 * JSON.parse would round 0.123456789012345678). Decoders turn those into Decimals or integers.
 */
export type Exact<T> = T extends number
  ? LosslessNumber
  : T extends ReadonlyArray<infer Item>
    ? Array<Exact<Item>>
    : T extends object
      ? { [K in keyof T]: Exact<T[K]> }
      : T;

export function parseExact<T>(text: string): Exact<T> {
  return parseJsonExact(text) as Exact<T>;
}

/** A decimal of a response, exact. Also takes a decimal string, the other form the contract allows. */
export function toDecimal(value: LosslessNumber | string): Decimal {
  return new Decimal(isLosslessNumber(value) ? value.value : value);
}

export function toDecimalOrNull(value: LosslessNumber | string | null | undefined): Decimal | null {
  return value === null || value === undefined ? null : toDecimal(value);
}

/** An id or a count: a JSON integer that fits a JS number exactly (else it is refused, not rounded). */
export function toInteger(value: LosslessNumber | number): number {
  const text = isLosslessNumber(value) ? value.value : String(value);
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) throw new TypeError(`expected a safe integer, got ${text}`);
  return n;
}
