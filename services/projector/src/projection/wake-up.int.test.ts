import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, migrate, type Cluster, type ClusterSettings } from '@crypto-invest/db';
import { freePort, freshDatabase, recordInvestment, waitFor, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProjector, type ProjectorProcess } from '../test-support/process.ts';
import { readModel } from '../test-support/read-model.ts';

const POLL_INTERVAL_MS = 1_000;
// "Within one poll interval", plus room for the batch itself on a busy 2-core machine.
const ONE_POLL = POLL_INTERVAL_MS + 1_000;

const threeInvestments = async (command: pg.Pool, coin: string) => {
  for (const amount of ['1', '2', '3']) await recordInvestment(command, { coin, amount, purchasePriceUsd: '10' });
};
const coinCount = async (admin: pg.ClientBase | pg.Pool, coin: string) => (await readModel(admin)).coins[coin]?.count;

const listenerPid = async (admin: pg.ClientBase | pg.Pool) =>
  (
    await admin.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = 'projector-listener' and datname = current_database()`,
    )
  ).rows[0]?.pid;

describe('waking up after losing the LISTEN connection', () => {
  let db: TestDatabase;
  let command: pg.Pool;
  let sut: ProjectorProcess;

  beforeAll(async () => {
    db = await freshDatabase();
    command = new pg.Pool({ connectionString: db.url('command'), max: 2 });
    sut = await spawnProjector(db.url('projector'), { POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) });
    await waitFor(async () => ((await sut.admin('/admin/status')).instance as { listening: boolean }).listening, { what: 'LISTEN' });
  });
  afterAll(async () => {
    await sut.stop();
    await command.end();
    await db.drop();
  });

  it('pg_terminate_backend on the LISTEN connection, then 3 investments: all 3 in the stats within one poll interval, process still up', async () => {
    const pid = await listenerPid(db.admin);
    expect(pid).toBeDefined();
    expect((await db.admin.query('select pg_terminate_backend($1) as ok', [pid])).rows[0]).toEqual({ ok: true });

    await threeInvestments(command, 'bitcoin');
    const written = Date.now();
    await waitFor(async () => (await coinCount(db.admin, 'bitcoin')) === '3', { timeoutMs: ONE_POLL, intervalMs: 20, what: '3 bitcoin investments applied' });
    expect(Date.now() - written).toBeLessThan(ONE_POLL);

    expect(sut.isRunning()).toBe(true);
    // pg-listen reconnected on its own (a new backend), and the fast path works again.
    await waitFor(async () => {
      const next = await listenerPid(db.admin);
      return next !== undefined && next !== pid;
    }, { what: 'a new LISTEN connection' });
    expect((await sut.admin('/admin/status')).lag).toEqual({ events: 0, seconds: 0 });
  });
});

// The primary is restarted, which the run's shared cluster cannot be: a private
// primary + replica on free ports in a temporary folder, torn down at the end.
describe('waking up after a primary restart', () => {
  let settings: ClusterSettings;
  let cluster: Cluster;
  let command: pg.Pool;
  let admin: pg.Pool;
  let sut: ProjectorProcess | undefined;

  beforeAll(async () => {
    settings = { dir: await mkdtemp(join(tmpdir(), 'projector-restart-')), primaryPort: await freePort(), replicaPort: await freePort() };
    cluster = await clusterUp(settings);
    await migrate(cluster.url('owner'));
    command = new pg.Pool({ connectionString: cluster.url('command'), max: 2 });
    command.on('error', () => undefined);
    admin = new pg.Pool({ connectionString: cluster.url('admin'), max: 2 });
    admin.on('error', () => undefined);
  });
  afterAll(async () => {
    await sut?.stop();
    await command?.end();
    await admin?.end();
    try {
      await clusterDown(settings);
    } finally {
      await rm(settings.dir, { recursive: true, force: true });
    }
  });

  it('the same after a primary restart: 3 investments are in the stats within one poll interval and the process is still up', async () => {
    sut = await spawnProjector(cluster.url('projector'), { POLL_INTERVAL_MS: String(POLL_INTERVAL_MS), RETRY_MAX_MS: '500' });
    await threeInvestments(command, 'ethereum');
    await waitFor(async () => (await coinCount(admin, 'ethereum')) === '3', { timeoutMs: 5_000, what: 'the first investments applied' });

    await clusterDown(settings); // fast shutdown: every connection is cut
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the projector meets a dead primary for a while
    await clusterUp(settings);
    expect(sut.isRunning()).toBe(true);

    await threeInvestments(command, 'cardano');
    const written = Date.now();
    await waitFor(async () => (await coinCount(admin, 'cardano')) === '3', { timeoutMs: ONE_POLL + 500, intervalMs: 20, what: '3 cardano investments applied' });
    expect(Date.now() - written).toBeLessThan(ONE_POLL + 500); // + one retry back-off (RETRY_MAX_MS)

    expect(sut.isRunning()).toBe(true);
    expect(sut.lines.some((l) => l.includes('"level":"warn"') && l.includes('retrying'))).toBe(true); // it met the outage and retried
    await waitFor(async () => (await listenerPid(admin)) !== undefined, { what: 'LISTEN again after the restart' });
    const model = await readModel(admin);
    expect(model.totals).toEqual({ invested: '120', count: '6', coins: '2' });
  });
});
