import { isLosslessNumber, LosslessNumber, parse as losslessParse } from 'lossless-json';
import { isDecimal, toPlain } from './decimal.ts';

export { LosslessNumber, isLosslessNumber };

/**
 * Parses JSON keeping every number as the exact text it was written with
 * (a `LosslessNumber`), so `0.123456789012345678` keeps all its digits.
 * Duplicate keys are refused. Throws SyntaxError on malformed input.
 */
export function parseJsonExact(text: string): unknown {
  return losslessParse(text);
}

/**
 * JSON text in which every Decimal is written as a JSON number with all its digits
 * (`0.00034088652`, never `3.4088652e-4`). Dates become ISO strings; `undefined`
 * members are left out, as JSON.stringify does. Strings use the native escaper.
 */
export function stringifyJsonExact(value: unknown): string {
  return write(value) ?? 'null';
}

function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (isDecimal(value)) return toPlain(value);
  if (isLosslessNumber(value)) return value.value;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i]) ?? 'null';
    }
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value as object)) {
    const text = write((value as Record<string, unknown>)[key]);
    if (text === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + text;
    first = false;
  }
  return out + '}';
}
