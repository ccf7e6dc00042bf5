import { describe, expect, it } from 'vitest';
import { hasReachedPosition, isOlder, newerPosition } from './positions.ts';

describe('positions', () => {
  it('orders by transaction id first, then event id, as numbers (not text)', () => {
    expect(newerPosition('9.100', '10.1')).toBe('10.1');
    expect(newerPosition('10.9', '10.10')).toBe('10.10');
    expect(isOlder('10.9', '10.10')).toBe(true);
    expect(isOlder('10.10', '10.10')).toBe(false);
  });

  it('treats missing or malformed positions as unknown', () => {
    expect(newerPosition(null, '5.5')).toBe('5.5');
    expect(newerPosition('5.5', null)).toBe('5.5');
    expect(newerPosition('garbage', '5.5')).toBe('5.5');
    expect(newerPosition(null, 'garbage')).toBeNull();
    expect(isOlder(null, '5.5')).toBe(false);
  });

  it('knows when data includes a write', () => {
    expect(hasReachedPosition('12.3', '12.3')).toBe(true);
    expect(hasReachedPosition('12.4', '12.3')).toBe(true);
    expect(hasReachedPosition('12.2', '12.3')).toBe(false);
    expect(hasReachedPosition(null, '12.3')).toBe(false);
    expect(hasReachedPosition(null, null)).toBe(true);
  });
});
