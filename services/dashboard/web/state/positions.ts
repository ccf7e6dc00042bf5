import { comparePositions, decodePosition } from '@crypto-invest/contracts';

/**
 * Projection positions (`<transaction id>.<event id>`, the consistency token's form) as the panels
 * use them: data is only ever replaced by data at least as fresh, so figures never flick back.
 */

/** -1, 0, 1 like a comparator; null when either side is not a position. */
export function comparePositionTexts(a: string | null, b: string | null): number | null {
  const pa = a ? decodePosition(a) : undefined;
  const pb = b ? decodePosition(b) : undefined;
  if (!pa || !pb) return null;
  return comparePositions(pa, pb);
}

/** The newer of two positions (either may be missing). */
export function newerPosition(a: string | null, b: string | null): string | null {
  if (!a) return b && decodePosition(b) ? b : null;
  if (!b) return decodePosition(a) ? a : null;
  const order = comparePositionTexts(a, b);
  if (order === null) return decodePosition(a) ? a : decodePosition(b) ? b : null;
  return order >= 0 ? a : b;
}

/** True when `candidate` is known to be older than `shown` (so it must not replace it). */
export function isOlder(candidate: string | null, shown: string | null): boolean {
  const order = comparePositionTexts(candidate, shown);
  return order !== null && order < 0;
}

/** True when `position` is known to be at or past `target`. */
export function hasReachedPosition(position: string | null, target: string | null): boolean {
  if (!target) return true;
  const order = comparePositionTexts(position, target);
  return order !== null && order >= 0;
}
