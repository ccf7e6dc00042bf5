import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, decodePosition } from '@crypto-invest/contracts';
import type { Pool } from '@crypto-invest/postgres';
import { recordInvestment, startPrivateCluster, waitFor, type PgServer, type PrivateCluster } from '@crypto-invest/testing';
import pg from 'pg';
import { exactJson } from '../../test/exact-json.ts';
import { startQueryApi } from '../../test/harness.ts';
import { projectStatistics } from '../../test/read-model.ts';

// These tests stop, delay and add replicas, so they run on a private primary + replica
// of their own, never on the run's shared cluster. Each one puts back what it changed.

interface StatsBody {
  total_investments: string;
  projection: { position: string; stale: boolean };
}

interface ReadyBody {
  status: string;
  checks: Record<string, Record<string, unknown>>;
}

/** Counts the snapshot reads (pool.connect() without a callback) that go to a pool. */
function countReads(pool: Pool): { count: number } {
  const counter = { count: 0 };
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    if (args.length === 0) counter.count += 1;
    return connect(...args);
  };
  return counter;
}

describe('replicas: delay, outage, fallback, several replicas', () => {
  let cluster: PrivateCluster;
  let admin: pg.Client;

  const setApplyDelay = async (server: PgServer, delay: string | undefined) => {
    await cluster.admin(delay ? `alter system set recovery_min_apply_delay = '${delay}'` : 'alter system reset recovery_min_apply_delay', server);
    await cluster.admin('select pg_reload_conf()', server);
  };

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    admin = new pg.Client({ connectionString: cluster.url('admin') });
    await admin.connect();
    await recordInvestment(admin, { coin: 'bitcoin', amount: '1', purchasePriceUsd: '100' });
    await projectStatistics(admin);
    await cluster.caughtUp(cluster.replica);
  }, 120_000);

  afterAll(async () => {
    await admin?.end();
    await cluster?.down();
  });

  it("with the replica 2 s behind: a token waits for the write, no token answers at once with the old totals", async () => {
    const harness = await startQueryApi({ replicaUrls: [cluster.url('query', cluster.replica)], env: { CONSISTENCY_WAIT_MS: '5000' } });
    await setApplyDelay(cluster.replica, '2s');
    try {
      const before = (await exactJson(await harness.request('/stats'))) as StatsBody;
      // What POST /invest and the projector do: the write, then its projection, both on the primary.
      const write = await recordInvestment(admin, { coin: 'bitcoin', amount: '2', purchasePriceUsd: '150' });
      await projectStatistics(admin);
      const token = `${write.position.transactionId}.${write.position.eventId}`;

      const withoutToken = await harness.request('/stats');
      expect(withoutToken.status).toBe(200);
      const old = (await exactJson(withoutToken)) as StatsBody;
      expect(old.total_investments).toBe(before.total_investments);
      expect(old.projection.stale).toBe(false);
      expect(comparePositions(decodePosition(withoutToken.headers.get('X-Projection-Position')!)!, write.position)).toBeLessThan(0);

      const started = performance.now();
      const withToken = await harness.request('/stats', { headers: { 'X-Consistency-Token': token } });
      const waited = performance.now() - started;
      expect(withToken.status).toBe(200);
      const fresh = (await exactJson(withToken)) as StatsBody;
      expect(Number(fresh.total_investments)).toBe(Number(before.total_investments) + 1);
      expect(fresh.projection.stale).toBe(false);
      // It had to wait for the delayed replay (not a timing assertion: the data could not be there sooner).
      expect(waited).toBeGreaterThan(500);

      // The replica's lag shows in /ready while it is behind.
      await recordInvestment(admin, { coin: 'bitcoin', amount: '1', purchasePriceUsd: '1' });
      const ready = (await exactJson(await harness.request('/ready'))) as ReadyBody;
      expect(Number(ready.checks.replica_1!.replication_lag_bytes)).toBeGreaterThan(0);
      expect(ready.checks.replica_1!.reachable).toBe(true);
      await projectStatistics(admin);
    } finally {
      await setApplyDelay(cluster.replica, undefined);
      await harness.close();
      await cluster.caughtUp(cluster.replica);
    }
  });

  it('answers 503 within 2 s while the replica is down, and 200 again once it is back, without a restart', async () => {
    const harness = await startQueryApi({ replicaUrls: [cluster.url('query', cluster.replica)] });
    try {
      expect((await harness.request('/stats')).status).toBe(200);
      await cluster.stop(cluster.replica);
      for (const path of ['/stats', '/history?limit=5', '/history']) {
        const started = performance.now();
        const res = await harness.request(path);
        expect(performance.now() - started).toBeLessThan(2_000);
        expect(res.status, path).toBe(503);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.headers.get('Retry-After')).toBe('1');
        expect(((await res.json()) as { type: string }).type).toBe('/problems/replica-unavailable');
      }
      const ready = await harness.request('/ready');
      expect(ready.status).toBe(503);
      expect(((await exactJson(ready)) as ReadyBody).checks.replica_1).toMatchObject({ ok: false, reachable: false });
      // Writes go on while the replica is down.
      await recordInvestment(admin, { coin: 'ethereum', amount: '1', purchasePriceUsd: '10' });
      await projectStatistics(admin);

      await cluster.start(cluster.replica);
      const back = await waitFor(async () => {
        const res = await harness.request('/stats');
        return res.status === 200 ? ((await exactJson(res)) as StatsBody & { coins: Record<string, unknown> }) : undefined;
      }, { timeoutMs: 15_000, intervalMs: 100, what: '/stats to answer 200 again' });
      await cluster.caughtUp(cluster.replica);
      expect(back.projection.stale).toBe(false);
      expect((await harness.request('/ready')).status).toBe(200);
    } finally {
      await cluster.start(cluster.replica).catch(() => undefined);
      await harness.close();
    }
  });

  it('reads from the primary while no replica answers when READ_FALLBACK=primary, and says so in /ready', async () => {
    const harness = await startQueryApi({
      replicaUrls: [cluster.url('query', cluster.replica)],
      primaryUrl: cluster.url('query'),
      env: { READ_FALLBACK: 'primary', HEALTH_CHECK_INTERVAL_MS: '200' },
    });
    try {
      const ready = (await exactJson(await harness.request('/ready'))) as ReadyBody;
      expect(ready.checks.read_fallback).toMatchObject({ ok: true, mode: 'primary', in_use: false });
      await cluster.stop(cluster.replica);
      const write = await recordInvestment(admin, { coin: 'cardano', amount: '5', purchasePriceUsd: '0.5' });
      await projectStatistics(admin);
      const res = await waitFor(async () => {
        const r = await harness.request('/stats');
        return r.status === 200 ? r : undefined;
      }, { timeoutMs: 5_000, what: '/stats from the primary' });
      expect(((await exactJson(res)) as { coins: Record<string, unknown> }).coins.cardano).toMatchObject({ total_amount: '5' });
      expect(comparePositions(decodePosition(res.headers.get('X-Projection-Position')!)!, write.position)).toBeGreaterThanOrEqual(0);
      const during = await harness.request('/ready');
      expect(during.status).toBe(200);
      expect(((await exactJson(during)) as ReadyBody).checks.read_fallback).toMatchObject({ ok: true, mode: 'primary', in_use: true });
      await cluster.start(cluster.replica);
      await waitFor(async () => ((await exactJson(await harness.request('/ready'))) as ReadyBody).checks.read_fallback!.in_use === false, {
        timeoutMs: 10_000,
        what: 'reads to return to the replica',
      });
    } finally {
      await cluster.start(cluster.replica).catch(() => undefined);
      await harness.close();
    }
  });

  it('spreads reads over several replicas, skips one that lags beyond the bound, and routes around one that is down', async () => {
    const second = await cluster.addReplica('replica2');
    await cluster.caughtUp(cluster.replica);
    const harness = await startQueryApi({
      replicaUrls: [cluster.url('query', cluster.replica), cluster.url('query', second)],
      env: { MAX_REPLICA_LAG_MS: '300', HEALTH_CHECK_INTERVAL_MS: '100' },
    });
    const reads = harness.replicas.map(countReads);
    // Every request a different page: a repeated one would be answered from the history page cache, with no read to count.
    let page = 0;
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await harness.request(`/history?limit=${++page}`)).status).toBe(200);
    };
    try {
      await burst(20);
      expect(reads[0]!.count).toBeGreaterThanOrEqual(8);
      expect(reads[1]!.count).toBeGreaterThanOrEqual(8);

      // replica2 falls behind: WAL arrives but is replayed 5 s later.
      await setApplyDelay(second, '5s');
      await recordInvestment(admin, { coin: 'bitcoin', amount: '3', purchasePriceUsd: '3' });
      await waitFor(async () => ((await exactJson(await harness.request('/ready'))) as ReadyBody).checks.replica_2!.within_lag_bound === false, {
        timeoutMs: 10_000,
        what: 'replica2 to be seen beyond the lag bound',
      });
      reads.forEach((r) => (r.count = 0));
      await burst(10);
      expect(reads[1]!.count).toBe(0);
      expect(reads[0]!.count).toBe(10);
      await setApplyDelay(second, undefined);

      // replica 1 goes down: everything is served by replica2.
      await cluster.caughtUp(second);
      await cluster.stop(cluster.replica);
      await burst(10);
      expect((await harness.request('/stats')).status).toBe(200);
    } finally {
      await setApplyDelay(second, undefined).catch(() => undefined);
      await cluster.start(cluster.replica).catch(() => undefined);
      await harness.close();
      await cluster.stop(second);
    }
  });
});
