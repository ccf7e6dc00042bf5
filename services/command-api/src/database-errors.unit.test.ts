import { DomainError } from '@crypto-invest/contracts';
import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from './database-errors.ts';

const detailOf = (error: unknown) => {
  try {
    databaseUnavailable(error);
  } catch (thrown) {
    return thrown instanceof DomainError ? { status: thrown.kind, type: thrown.code, detail: thrown.detail } : thrown;
  }
  throw new Error('databaseUnavailable returned');
};

describe('databaseUnavailable', () => {
  it('says nothing was recorded when the database was never reached or timed out', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ]) {
      expect(detailOf(error)).toMatchObject({ status: 'unavailable', type: 'database-unavailable', detail: expect.stringContaining('nothing was recorded') });
    }
  });

  it('says the write may have been recorded when the connection was lost under it, and how to retry safely', () => {
    for (const error of [new Error('Connection terminated unexpectedly'), Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })]) {
      const answer = detailOf(error) as { detail: string };
      expect(answer.detail).toMatch(/may or may not have been recorded/);
      expect(answer.detail).toMatch(/same Idempotency-Key/);
      expect(answer.detail).not.toMatch(/nothing was recorded/);
    }
  });

  it('passes other errors on', () => {
    const bug = new TypeError('a bug');
    expect(detailOf(bug)).toBe(bug);
  });
});
