export { Decimal, ZERO, isDecimal, toPlain, sum, divide } from './decimal.ts';
export { parsePositiveDecimal, type DecimalRules, type DecimalInputResult } from './input.ts';
export { parseJsonExact, stringifyJsonExact, LosslessNumber, isLosslessNumber } from './json.ts';
