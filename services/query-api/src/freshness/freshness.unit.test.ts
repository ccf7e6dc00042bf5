import { describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { CoalescedPoll } from './coalesced-poll.ts';
import { consistencyTarget } from './consistency.ts';

describe('consistencyTarget', () => {
  it('reads the header or ?after=, the later of the two when both are given', () => {
    expect(consistencyTarget(undefined, undefined)).toBeUndefined();
    expect(consistencyTarget('10.5', undefined)).toEqual({ transactionId: '10', eventId: '5' });
    expect(consistencyTarget(undefined, '11.2')).toEqual({ transactionId: '11', eventId: '2' });
    expect(consistencyTarget('10.5', '11.2')).toEqual({ transactionId: '11', eventId: '2' });
    expect(consistencyTarget('12.1', '11.2')).toEqual({ transactionId: '12', eventId: '1' });
  });

  it('names the bad source of a malformed token', () => {
    for (const [header, query, field] of [
      ['x', undefined, 'X-Consistency-Token'],
      [undefined, '1.2.3', 'after'],
      [undefined, '99999999999999999999.1', 'after'],
    ] as const) {
      try {
        consistencyTarget(header, query);
        throw new Error('accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).extra.fields?.[0]?.field).toBe(field);
      }
    }
  });
});

describe('CoalescedPoll', () => {
  it('shares one query among concurrent callers, and gives late arrivals the next one', async () => {
    let started = 0;
    const releases: Array<() => void> = [];
    const poll = new CoalescedPoll(() => {
      const n = ++started;
      return new Promise<number>((resolve) => releases.push(() => resolve(n)));
    });
    const a = poll.next();
    const b = poll.next(); // arrives while query 1 is in flight: must not get its answer
    const c = poll.next();
    expect(started).toBe(1);
    releases[0]!();
    expect(await a).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started).toBe(2);
    releases[1]!();
    expect(await b).toBe(2);
    expect(await c).toBe(2);
  });

  it('passes a failure to the callers of that query only', async () => {
    let calls = 0;
    const poll = new CoalescedPoll(async () => {
      calls += 1;
      if (calls === 1) throw new Error('down');
      return calls;
    });
    await expect(poll.next()).rejects.toThrow('down');
    await expect(poll.next()).resolves.toBe(2);
  });
});
