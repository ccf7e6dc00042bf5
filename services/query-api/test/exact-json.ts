import { isLosslessNumber, parseJsonExact } from '@crypto-invest/money';

/**
 * Parses a response body losslessly and turns every number into its exact text,
 * so tests compare digits (`'0.000000000000000001'`), never floats.
 */
export async function exactJson(response: Response): Promise<unknown> {
  return numbersAsText(parseJsonExact(await response.text()));
}

function numbersAsText(value: unknown): unknown {
  if (isLosslessNumber(value)) return value.value;
  if (Array.isArray(value)) return value.map(numbersAsText);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbersAsText(v)]));
  return value;
}
