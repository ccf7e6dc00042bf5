import { freshDatabase, recordInvestment, waitFor, writeInvestmentRecorded, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readProjectionProgress } from '../projection/projection-status.ts';
import { projectionCounts, readModel, testProjector, type TestProjector } from '../test-support/read-model.ts';

// Transaction A starts first and commits last. Its event has the smaller id, so a
// reader that takes "id > last id" and sees B's event first skips A's forever.
describe('commit-safe reading of the event log', () => {
  let db: TestDatabase;
  let command: pg.Pool;
  let writerA: pg.Client;
  let sut: TestProjector;

  beforeEach(async () => {
    db = await freshDatabase();
    command = new pg.Pool({ connectionString: db.url('command'), max: 2 });
    writerA = new pg.Client({ connectionString: db.url('command'), application_name: 'writer-a' });
    await writerA.connect();
    sut = testProjector(db, { pollIntervalMs: 300, stallReportAfterMs: 1_000 });
  });
  afterEach(async () => {
    await writerA.end().catch(() => undefined);
    await sut.close();
    await command.end();
    await db.drop();
  });

  it('A open with bitcoin 1 @ 100, B commits ethereum 1 @ 10, the projector runs, A commits: one poll applies both, once each', async () => {
    await writerA.query('begin');
    const a = await writeInvestmentRecorded(writerA, { coin: 'bitcoin', amount: '1', purchasePriceUsd: '100' });
    const b = await recordInvestment(command, { coin: 'ethereum', amount: '1', purchasePriceUsd: '10' });
    expect(BigInt(a.eventId)).toBeLessThan(BigInt(b.eventId));

    // The projector runs while A is open: B's event is committed but must wait behind A.
    expect(await sut.projector.catchUp()).toBe(0);
    expect((await readModel(db.admin)).coins).toEqual({});
    const progress = await readProjectionProgress(sut.pool, 60_000);
    expect(progress.heldBackEvents).toBe(1n);
    expect(progress.checkpoint.eventsApplied).toBe(0n);

    await writerA.query('commit');
    expect(await sut.projector.catchUp()).toBe(2); // one poll

    const model = await readModel(db.admin);
    expect(model.coins.bitcoin).toMatchObject({ amount: '1', invested: '100', count: '1' });
    expect(model.coins.ethereum).toMatchObject({ amount: '1', invested: '10', count: '1' });
    expect(model.totals).toEqual({ invested: '110', count: '2', coins: '2' });
    expect(await sut.projector.catchUp()).toBe(0);
    const counts = await projectionCounts(db.admin);
    expect(counts).toMatchObject({ applied: '2', events: '2' });
    expect(counts.position).toBe(`${b.position.transactionId}.${b.eventId}`); // B's transaction committed last and sorts last
  });

  it('the running projector reports the stall with the blocking session, and catches up within one poll once A commits', async () => {
    sut.projector.start();
    await waitFor(async () => (await sut.projector.status()).role === 'active', { what: 'the projector to become active' });

    await writerA.query('begin');
    // The command role's sessions end an idle transaction after 15 s: a stuck writer cannot stall us forever.
    expect((await writerA.query('show idle_in_transaction_session_timeout')).rows[0]).toEqual({ idle_in_transaction_session_timeout: '15s' });
    await writeInvestmentRecorded(writerA, { coin: 'bitcoin', amount: '1', purchasePriceUsd: '100' });
    const pidA = (await writerA.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    await recordInvestment(command, { coin: 'ethereum', amount: '1', purchasePriceUsd: '10' });

    const stalled = await waitFor(
      async () => {
        const status = await sut.projector.status();
        return status.state === 'stalled' ? status : undefined;
      },
      { timeoutMs: 5_000, what: 'a stall report' },
    );
    expect(stalled.progress!.stall).toMatchObject({
      heldBackEvents: 1n,
      blocking: { pid: pidA, user: 'crypto_command', applicationName: 'writer-a', state: 'idle in transaction' },
    });
    expect((await readModel(db.admin)).coins).toEqual({});

    await writerA.query('commit');
    const committedAt = Date.now();
    await waitFor(async () => (await readModel(db.admin)).totals.invested === '110', { timeoutMs: 2_000, intervalMs: 5, what: 'both events applied' });
    // Woken by A's NOTIFY, or at worst by the next poll (300 ms here).
    expect(Date.now() - committedAt).toBeLessThan(300 + 700);
    await waitFor(async () => (await sut.projector.status()).state === 'idle', { what: 'the stall to clear' });
    expect(await projectionCounts(db.admin)).toMatchObject({ applied: '2', events: '2' });
  });
});
