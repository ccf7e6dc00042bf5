import { Decimal } from './decimal.ts';

/** What a field holding money or a coin amount may look like on the way in. */
export interface DecimalRules {
  /** Most digits after the point once trailing zeros are dropped (default 18). */
  maxScale?: number;
  /** Most digits before the point (default 20: supplies in the trillions and then some). */
  maxIntegerDigits?: number;
}

export type DecimalInputResult = { ok: true; value: Decimal } | { ok: false; reason: string };

// The JSON number grammar (RFC 8259 §6). Decimal strings must follow it too:
// no blanks, no `+`, no hex, no thousands separators, no NaN or Infinity.
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const MAX_TEXT = 64;

/**
 * Parses a decimal that arrived as the text of a JSON number or as a decimal string
 * and checks it is a positive amount we can store exactly. Never goes through a float.
 */
export function parsePositiveDecimal(text: string, rules: DecimalRules = {}): DecimalInputResult {
  const maxScale = rules.maxScale ?? 18;
  const maxIntegerDigits = rules.maxIntegerDigits ?? 20;
  if (text.length === 0) return { ok: false, reason: 'must not be empty' };
  if (text.length > MAX_TEXT) return { ok: false, reason: `must be at most ${MAX_TEXT} characters` };
  if (text.includes(',') && /^[0-9.,]+$/.test(text)) {
    return { ok: false, reason: 'use a point as the decimal separator and no thousands separators (0.5, not 0,5)' };
  }
  if (!JSON_NUMBER.test(text)) return { ok: false, reason: 'must be a plain decimal number such as 0.5 or 1250.75' };
  const exponent = /[eE]([+-]?[0-9]+)$/.exec(text);
  // Refuse absurd exponents before decimal.js expands them into huge strings.
  if (exponent && Math.abs(Number(exponent[1])) > 60) return { ok: false, reason: 'is out of range' };
  const value = new Decimal(text);
  if (value.isNegative() || value.isZero()) return { ok: false, reason: 'must be greater than 0' };
  if (value.decimalPlaces() > maxScale) return { ok: false, reason: `must have at most ${maxScale} decimal places` };
  const integerDigits = value.truncated().isZero() ? 0 : value.truncated().toFixed().length;
  if (integerDigits > maxIntegerDigits) return { ok: false, reason: `must be less than 10^${maxIntegerDigits}` };
  return { ok: true, value };
}
