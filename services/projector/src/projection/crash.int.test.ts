import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, recordInvestment, voidInvestment, waitFor, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProjector, type ProjectorProcess } from '../test-support/process.ts';
import { projectionCounts, readModel, sqlAggregate } from '../test-support/read-model.ts';

const INVESTMENTS = 5_000;
const WRITERS = 4;
const COINS = ['bitcoin', 'ethereum', 'cardano', 'dogecoin', 'litecoin', 'binancecoin'];

// The real projector process, SIGKILLed at random instants while 5,000 investments
// (and some voids) stream in, and also made to kill itself right after writing a
// batch and moving its checkpoint but before COMMIT. Whatever the instant, the read
// model ends equal to the SQL aggregate and every event is counted exactly once.
describe('crash safety of the projector process', () => {
  let db: TestDatabase;
  let command: pg.Pool;
  let logDir: string;
  let current: ProjectorProcess | undefined;

  beforeAll(async () => {
    db = await freshDatabase();
    command = new pg.Pool({ connectionString: db.url('command'), max: WRITERS });
    logDir = await mkdtemp(join(tmpdir(), 'projector-crash-'));
  });
  afterAll(async () => {
    await current?.kill();
    await command.end();
    await db.drop();
    await rm(logDir, { recursive: true, force: true });
  });

  it('SIGKILL at random points under a stream of 5,000 investments, and before a COMMIT, still ends equal to the SQL aggregate', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const settings = { BATCH_SIZE: '25', POLL_INTERVAL_MS: '200' };

    let written = 0;
    let voided = 0;
    const writer = async (n: number) => {
      const mine: string[] = [];
      for (let i = n; i < INVESTMENTS; i += WRITERS) {
        const w = await recordInvestment(command, {
          coin: COINS[i % COINS.length]!,
          amount: `${(i % 97) + 1}.${String(i).padStart(6, '0')}`,
          purchasePriceUsd: `${(i * 37) % 5000}.${String(i % 1000).padStart(3, '0')}1`,
          timestamp: new Date(Date.UTC(2019, 0, 1) + i * 3_600_000 * 5).toISOString(),
        });
        written++;
        mine.push(w.investmentId);
        if (i % 17 === 0) {
          const victim = mine.splice(Math.floor(mine.length / 2), 1)[0]!;
          if (await voidInvestment(command, victim)) voided++;
        }
        if (i % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 15)); // a stream, not one burst
      }
    };
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, n) => writer(n)));
    let writersDone = false;
    void writing.then(() => (writersDone = true));

    let randomKills = 0;
    let faultKills = 0;
    while (!writersDone || randomKills + faultKills < 6) {
      const fault = (randomKills + faultKills) % 3 === 2;
      const env = fault ? { ...settings, FAULT_KILL_BEFORE_COMMIT_AT_BATCH: String(1 + Math.floor(random() * 4)) } : settings;
      // The fault run may kill itself before its first health check: it is not waited for.
      current = await spawnProjector(db.url('projector'), env, logDir, { healthy: !fault });
      if (fault) {
        // It kills itself after writing a batch and moving the checkpoint, before COMMIT.
        expect(await current.proc.exited).toBe('SIGKILL');
        const dying = current;
        await waitFor(() => dying.lines.some((l) => l.includes('fault injection: SIGKILL after applying a batch, before COMMIT')), {
          timeoutMs: 2_000,
          what: `the fault-injection log line; it logged:\n${dying.lines.slice(-10).join('\n')}`,
        });
        faultKills++;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 200 + random() * 1_500));
        expect(await current.kill()).toBe('SIGKILL');
        randomKills++;
      }
      if (randomKills + faultKills > 40) throw new Error('the writers did not finish');
    }
    await writing;
    expect(written).toBe(INVESTMENTS);

    // A last, undisturbed run catches up with everything.
    current = await spawnProjector(db.url('projector'), settings, logDir);
    await waitFor(
      async () => {
        const c = await projectionCounts(db.admin);
        return c.position === c.newest;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the projector to catch up' },
    );
    const counts = await projectionCounts(db.admin);
    expect(counts.applied).toBe(counts.events); // each event counted exactly once
    expect(Number(counts.events)).toBe(INVESTMENTS + voided);

    const model = await readModel(db.admin);
    const expected = await sqlAggregate(db.admin);
    expect(model).toMatchObject(expected);
    expect(Object.keys(model.days)).toHaveLength(Object.keys(expected.days).length);
    expect(Number(model.totals.count)).toBe(INVESTMENTS - voided);
    expect(randomKills).toBeGreaterThanOrEqual(4);
    expect(faultKills).toBeGreaterThanOrEqual(2);
    const status = await current.admin('/admin/status');
    expect(status).toMatchObject({ state: 'idle', lag: { events: 0 } });
    await current.stop();
  });
});
