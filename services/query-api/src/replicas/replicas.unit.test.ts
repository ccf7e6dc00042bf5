import { describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { createLogger } from '@crypto-invest/logger';
import type { Pool } from '@crypto-invest/postgres';
import { ReadSources, type ReadSource } from './read-sources.ts';
import { lsnToBigInt, ReplayLagClock } from './replication-health.ts';
import { withSnapshot } from './snapshot.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

/**
 * A stand-in for a pg pool whose queries answer from a script, to drive the retry
 * rules through errors PostgreSQL raises rarely and at moments a test cannot choose
 * (a recovery conflict cancelling a read). Real servers are in the .int tests.
 */
function scriptedPool(script: Array<Error | 'ok'>): Pool & { statements: string[] } {
  const statements: string[] = [];
  const pool = {
    statements,
    totalCount: 0,
    idleCount: 0,
    options: { max: 10 },
    async connect() {
      const step = script.shift();
      if (step instanceof Error && (step as Error & { code?: string }).code === 'ECONNREFUSED') throw step;
      return {
        async query(text: string) {
          statements.push(text);
          if (text === 'select 1' && step instanceof Error) throw step;
          return { rows: [{ one: 1 }] };
        },
        release() {},
      };
    },
  };
  return pool as unknown as Pool & { statements: string[] };
}

const sqlError = (code: string) => Object.assign(new Error(`error ${code}`), { code });

function sourcesOf(...pools: Pool[]) {
  const replicas: ReadSource[] = pools.map((pool, i) => ({ name: `replica-${i + 1}`, role: 'replica', pool, address: `r${i + 1}` }));
  return new ReadSources({ replicas, maxLagMs: 1000, healthCheckIntervalMs: 1000, logger });
}

describe('withSnapshot', () => {
  it('retries a read cancelled by a recovery conflict (40001) once, on the same replica', async () => {
    const pool = scriptedPool([sqlError('40001'), 'ok']);
    const { value } = await withSnapshot(sourcesOf(pool), async ({ client }) => (await client.query('select 1')).rows);
    expect(value).toEqual([{ one: 1 }]);
    expect(pool.statements).toEqual([
      'begin isolation level repeatable read read only',
      'select 1',
      'rollback',
      'begin isolation level repeatable read read only',
      'select 1',
      'commit',
    ]);
  });

  it('answers 503 when the conflict happens again', async () => {
    const pool = scriptedPool([sqlError('40001'), sqlError('40001')]);
    await expect(withSnapshot(sourcesOf(pool), ({ client }) => client.query('select 1'))).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'replica-unavailable',
    });
  });

  it('moves to the next replica when one cannot be reached, and marks it down', async () => {
    const down = scriptedPool([sqlError('ECONNREFUSED')]);
    const up = scriptedPool(['ok']);
    const sources = sourcesOf(down, up);
    const { source } = await withSnapshot(sources, ({ client }) => client.query('select 1'));
    expect(source.name).toBe('replica-2');
    expect(sources.healthOf(sources.replicas[0]!).reachable).toBe(false);
    // The one that is down goes last from now on.
    expect(sources.candidates().map((s) => s.name)).toEqual(['replica-2', 'replica-1']);
  });

  it('retries once on a fresh connection when a pooled one was dropped by the server (a restart)', async () => {
    const pool = scriptedPool([Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined }), 'ok']);
    const sources = sourcesOf(pool);
    const { value } = await withSnapshot(sources, async ({ client }) => (await client.query('select 1')).rows);
    expect(value).toEqual([{ one: 1 }]);
    expect(sources.healthOf(sources.replicas[0]!).reachable).toBe(true);
  });

  it('lets a bad query through as the error it is (a 500, not a 503)', async () => {
    const pool = scriptedPool([sqlError('42P01')]);
    const failure = await withSnapshot(sourcesOf(pool), ({ client }) => client.query('select 1')).catch((e: unknown) => e);
    expect(failure).not.toBeInstanceOf(DomainError);
  });
});

describe('ReadSources.candidates', () => {
  it('takes healthy replicas in turn', () => {
    const sources = sourcesOf(scriptedPool([]), scriptedPool([]), scriptedPool([]));
    const firsts = Array.from({ length: 6 }, () => sources.candidates()[0]!.name);
    expect(firsts).toEqual(['replica-1', 'replica-2', 'replica-3', 'replica-1', 'replica-2', 'replica-3']);
  });
});

describe('ReplayLagClock', () => {
  const sample = (replayed: string, knownEnd: string) => ({ inRecovery: true, streaming: true, replayedLsn: replayed, knownEndLsn: knownEnd });

  it('reads LSNs as byte positions', () => {
    expect(lsnToBigInt('0/5000788')).toBe(0x5000788n);
    expect(lsnToBigInt('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
  });

  it('shows no lag for a replica that keeps up, however idle it was before', () => {
    const clock = new ReplayLagClock();
    expect(clock.observe(sample('0/100', '0/100'), 0).lagSeconds).toBe(0);
    // A write arrives after an hour of quiet and is caught mid-replay.
    expect(clock.observe(sample('0/100', '0/180'), 3_600_000)).toMatchObject({ lagBytes: 128, lagSeconds: 0 });
    expect(clock.observe(sample('0/180', '0/180'), 3_600_100)).toMatchObject({ lagBytes: 0, lagSeconds: 0 });
  });

  it('measures how long known WAL has waited for replay', () => {
    const clock = new ReplayLagClock();
    clock.observe(sample('0/100', '0/200'), 1_000);
    clock.observe(sample('0/100', '0/300'), 2_000);
    expect(clock.observe(sample('0/100', '0/300'), 3_000).lagSeconds).toBe(2);
    // What was known at 1 s is replayed; what arrived at 2 s still waits.
    expect(clock.observe(sample('0/200', '0/300'), 3_500).lagSeconds).toBe(1.5);
  });
});
