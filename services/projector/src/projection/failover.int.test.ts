import { freshDatabase, recordInvestment, recordInvestments, voidInvestment, waitFor, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProjector, type ProjectorProcess } from '../test-support/process.ts';
import { projectionCounts, readModel, sqlAggregate, testProjector } from '../test-support/read-model.ts';

const role = async (p: ProjectorProcess) => ((await p.admin('/admin/status')).instance as { role: string }).role;

describe('one active projector', () => {
  let db: TestDatabase;
  let command: pg.Pool;
  const processes: ProjectorProcess[] = [];

  beforeAll(async () => {
    db = await freshDatabase();
    command = new pg.Pool({ connectionString: db.url('command'), max: 4 });
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await command.end();
    await db.drop();
  });

  it('a second instance stands by, and takes over within a few seconds when the first is SIGKILLed', async () => {
    const first = await spawnProjector(db.url('projector'), { LEADER_RETRY_MS: '500' });
    processes.push(first);
    await waitFor(async () => (await role(first)) === 'active', { what: 'the first instance to become active' });
    const second = await spawnProjector(db.url('projector'), { LEADER_RETRY_MS: '500' });
    processes.push(second);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await role(second)).toBe('standby');
    expect(second.lines.some((l) => l.includes('another projector instance is active; standing by'))).toBe(true);

    await recordInvestments(command, Array.from({ length: 50 }, (_, i) => ({ coin: 'bitcoin', amount: `1.${i}`, purchasePriceUsd: '100' })));
    await waitFor(async () => (await projectionCounts(db.admin)).applied === '50', { what: 'the first instance to apply 50 events' });

    expect(await first.kill()).toBe('SIGKILL');
    const killedAt = Date.now();
    for (let i = 0; i < 20; i++) await recordInvestment(command, { coin: 'ethereum', amount: `0.${i + 1}`, purchasePriceUsd: '10' });
    await waitFor(async () => (await role(second)) === 'active', { timeoutMs: 10_000, intervalMs: 50, what: 'the standby to take over' });
    const tookOver = Date.now() - killedAt;
    expect(tookOver).toBeLessThan(5_000); // "within a few seconds": about one LEADER_RETRY_MS here

    await waitFor(async () => (await projectionCounts(db.admin)).applied === '70', { what: 'the second instance to apply the rest' });
    expect(await readModel(db.admin)).toMatchObject(await sqlAggregate(db.admin));
  });

  it('even two appliers running at once on the same generation never apply an event twice (compare-and-set)', async () => {
    const a = testProjector(db, { batchSize: 7 });
    const b = testProjector(db, { batchSize: 7 });
    let conflicts = 0;
    for (const p of [a, b]) p.projector.onBatch((batch) => (conflicts += batch.conflict ? 1 : 0));
    try {
      let writing = true;
      const writer = (async () => {
        const ids: string[] = [];
        for (let i = 0; i < 400; i++) {
          const w = await recordInvestment(command, { coin: ['cardano', 'dogecoin'][i % 2]!, amount: `${i + 1}.25`, purchasePriceUsd: `0.0${i + 1}` });
          ids.push(w.investmentId);
          if (i % 9 === 0) await voidInvestment(command, ids.shift()!);
        }
        writing = false;
      })();
      // Both catch up as fast as they can, without the lock, racing for every batch.
      const race = (p: typeof a) =>
        (async () => {
          while (writing) await p.projector.catchUp();
          await p.projector.catchUp();
        })();
      await Promise.all([writer, race(a), race(b)]);
      await a.projector.catchUp();

      const counts = await projectionCounts(db.admin);
      expect(counts.applied).toBe(counts.events);
      expect(counts.position).toBe(counts.newest);
      expect(await readModel(db.admin)).toMatchObject(await sqlAggregate(db.admin));
      expect(conflicts).toBeGreaterThan(0); // they did collide, and the loser rolled back
    } finally {
      await a.close();
      await b.close();
    }
  });
});
