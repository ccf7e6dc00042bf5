import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '@crypto-invest/local-stack';
import { freePort, startFakeCoinGecko, startPrivateCluster, type FakeCoinGecko, type PrivateCluster } from '@crypto-invest/testing';
import { exactJson } from './exact-json.ts';

// The whole chain with the real services as processes: POST /invest on the command
// API → event → projector → read model on the primary → physical replication →
// GET /stats on the query API. The replica replays 2 s late, so only the consistency
// token can make the GET see the POST. Runs on a private cluster (it reconfigures the replica).

const API_KEY = 'e2e-query-api-key-0123456789abcdef';

interface Stats {
  total_investments: string;
  total_value_usd: string;
  coins: Record<string, { total_amount: string; current_price_usd: string | null }>;
  projection: { position: string; stale: boolean };
}

describe('read-your-writes across the whole system', () => {
  let cluster: PrivateCluster;
  let coingecko: FakeCoinGecko;
  let system: RunningSystem;
  let logDir: string;

  const setApplyDelay = async (delay: string | undefined) => {
    await cluster.admin(delay ? `alter system set recovery_min_apply_delay = '${delay}'` : 'alter system reset recovery_min_apply_delay', cluster.replica);
    await cluster.admin('select pg_reload_conf()', cluster.replica);
  };

  const invest = async (body: Record<string, string>) => {
    const res = await fetch(`${system.urls['command-api']}/invest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const token = res.headers.get('X-Consistency-Token');
    expect(token).toMatch(/^\d+\.\d+$/);
    return token!;
  };

  const stats = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${system.urls['query-api']}/stats`, { headers });
    expect(res.status).toBe(200);
    return { res, body: (await exactJson(res)) as Stats };
  };

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    coingecko = await startFakeCoinGecko();
    logDir = await mkdtemp(join(tmpdir(), 'query-api-e2e-logs-'));
    const ports = { 'command-api': await freePort(), 'query-api': await freePort(), projector: await freePort(), dashboard: await freePort() };
    system = await startSystem({
      cluster: cluster.cluster,
      ports,
      apiKeys: [API_KEY],
      coingeckoBaseUrl: coingecko.url,
      env: { LOG_LEVEL: 'warn' },
      // Room to wait for the replica's 2 s apply delay below, on a loaded machine too.
      serviceEnv: { 'query-api': { CONSISTENCY_WAIT_MS: '10000' } },
      logDir,
      only: ['projector', 'command-api', 'query-api'],
    });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await coingecko?.close();
    await cluster?.down();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it('POST then GET /stats with the token returns the new totals; without it, 200 with the old totals and their position', async () => {
    const token0 = await invest({ coin: 'bitcoin', amount: '1.9887', purchase_price_usd: '88.63' });
    await stats({ 'X-Consistency-Token': token0 });

    await setApplyDelay('2s');
    try {
      const token = await invest({ coin: 'bitcoin', amount: '0.388', purchase_price_usd: '58.64' });

      const { res: oldRes, body: old } = await stats();
      expect(old.total_investments).toBe('1');
      expect(old.total_value_usd).toBe('176.258481');
      expect(oldRes.headers.get('X-Projection-Position')).toBe(old.projection.position);
      expect(old.projection.position).not.toBe(token);

      const { res, body } = await stats({ 'X-Consistency-Token': token });
      expect(body.total_investments).toBe('2');
      expect(body.total_value_usd).toBe('199.010801');
      expect(body.coins.bitcoin!.total_amount).toBe('2.3767');
      expect(body.projection.stale).toBe(false);
      expect(res.headers.get('X-Read-Stale')).toBeNull();
      // Current prices come from the fake CoinGecko through the shared price service.
      expect(body.coins.bitcoin!.current_price_usd).not.toBeNull();
    } finally {
      await setApplyDelay(undefined);
    }
  });

  it('answers 503 within 2 s while the replica is down, POST /invest still succeeds, and /stats recovers by itself', async () => {
    const before = (await stats()).body;
    await cluster.stop(cluster.replica);
    try {
      const started = performance.now();
      const down = await fetch(`${system.urls['query-api']}/stats`);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(down.status).toBe(503);
      expect(down.headers.get('content-type')).toBe('application/problem+json');
      const token = await invest({ coin: 'ethereum', amount: '0.197759759644370206', purchase_price_usd: '151.6992135' });
      await cluster.start(cluster.replica);
      let body: Stats | undefined;
      for (let i = 0; i < 100 && !body; i++) {
        const res = await fetch(`${system.urls['query-api']}/stats`, { headers: { 'X-Consistency-Token': token } });
        if (res.status === 200) body = (await exactJson(res)) as Stats;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(body).toBeDefined();
      expect(Number(body!.total_investments)).toBe(Number(before.total_investments) + 1);
      expect(body!.coins.ethereum!.total_amount).toBe('0.197759759644370206');
    } finally {
      await cluster.start(cluster.replica).catch(() => undefined);
    }
  });

  it('follows the command API\'s 307 for GET /stats and /history to the query API', async () => {
    const res = await fetch(`${system.urls['command-api']}/history?limit=1`);
    expect(res.status).toBe(200);
    expect(res.url.startsWith(system.urls['query-api'])).toBe(true);
    expect(((await exactJson(res)) as unknown[]).length).toBe(1);
  });
});
