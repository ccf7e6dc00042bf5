import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, decodePosition } from '@crypto-invest/contracts';
import { freshDatabase, recordInvestment, voidInvestment, type TestDatabase } from '@crypto-invest/testing';
import { exactJson } from '../../test/exact-json.ts';
import { startQueryApi, type QueryApiHarness } from '../../test/harness.ts';
import { projectStatistics } from '../../test/read-model.ts';

interface Item {
  id: string;
  coin_name: string;
  amount: string;
  total_value_usd: string;
  voided: boolean;
}

const cacheCount = async (harness: QueryApiHarness, result: 'hit' | 'miss' | 'bypass') => {
  const metrics = await (await harness.request('/metrics')).text();
  const line = new RegExp(`^query_api_history_cache_total\\{result="${result}"[^}]*\\} (\\d+)$`, 'm').exec(metrics);
  return line ? Number(line[1]) : 0;
};

describe('history page cache (keyed by the standby replay position)', () => {
  let db: TestDatabase;
  let harness: QueryApiHarness;

  beforeAll(async () => {
    db = await freshDatabase();
    await recordInvestment(db.admin, { coin: 'bitcoin', amount: '0.000000000000000001', purchasePriceUsd: '100.5' });
    await recordInvestment(db.admin, { coin: 'ethereum', amount: '2', purchasePriceUsd: '0.00000812345678' });
    await projectStatistics(db.admin);
    await db.replicaCaughtUp();
    harness = await startQueryApi({ replicaUrls: [db.url('query', 'replica')], env: { CONSISTENCY_WAIT_MS: '3000' } });
  });

  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('answers a repeated page from the cache with the same bytes and headers', async () => {
    const first = await harness.request('/history?limit=1');
    const firstText = await first.text();
    const hitsBefore = await cacheCount(harness, 'hit');
    const second = await harness.request('/history?limit=1');
    expect(await second.text()).toBe(firstText);
    expect(await cacheCount(harness, 'hit')).toBe(hitsBefore + 1);
    expect(second.headers.get('X-Projection-Position')).toBe(first.headers.get('X-Projection-Position'));
    expect(second.headers.get('Link')).toBe(first.headers.get('Link'));
    expect(second.headers.get('Link')).toMatch(/^<history\?limit=1&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
    // The same page asked with other parameter spellings is the same entry; its Link follows the request's URL.
    const third = await harness.request('/history?include_voided=false&limit=1');
    expect(await third.text()).toBe(firstText);
    expect(third.headers.get('Link')).toMatch(/^<history\?include_voided=false&limit=1&cursor=/);
    const [item] = (await exactJson(new Response(firstText))) as Item[];
    expect(item).toMatchObject({ coin_name: 'ethereum', amount: '2', total_value_usd: '0.00001624691356' });
  });

  it('shows a write on the primary once the replica has replayed it (the cache is not stale)', async () => {
    const before = (await exactJson(await harness.request('/history?limit=5'))) as Item[];
    expect(before.map((i) => i.coin_name)).toEqual(['ethereum', 'bitcoin']);
    // Cached now; a write (not projected: /history reads investments) changes the replica's replay position.
    const write = await recordInvestment(db.admin, { coin: 'cardano', amount: '3.25', purchasePriceUsd: '0.3' });
    await db.replicaCaughtUp();
    const after = (await exactJson(await harness.request('/history?limit=5'))) as Item[];
    expect(after.map((i) => i.id)).toEqual([write.investmentId, ...before.map((i) => i.id)]);
    expect(after[0]).toMatchObject({ coin_name: 'cardano', amount: '3.25', total_value_usd: '0.975', voided: false });

    // An update (a void) too, on a page read again and again in between.
    await harness.request('/history?limit=5&include_voided=true');
    await voidInvestment(db.admin, write.investmentId);
    await db.replicaCaughtUp();
    const voided = (await exactJson(await harness.request('/history?limit=5&include_voided=true'))) as Item[];
    expect(voided[0]).toMatchObject({ id: write.investmentId, voided: true });
    const live = (await exactJson(await harness.request('/history?limit=5'))) as Item[];
    expect(live.map((i) => i.id)).toEqual(before.map((i) => i.id));
  });

  it('honours a consistency token on a cached page: waits for the write and answers with it', async () => {
    const warm = await harness.request('/history?limit=1');
    await warm.arrayBuffer();
    const write = await recordInvestment(db.admin, { coin: 'dogecoin', amount: '1000', purchasePriceUsd: '0.1' });
    const token = `${write.position.transactionId}.${write.position.eventId}`;
    const projected = new Promise((resolve) => setTimeout(resolve, 300)).then(() => projectStatistics(db.admin));
    const res = await harness.request('/history?limit=1', { headers: { 'X-Consistency-Token': token } });
    await projected;
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Read-Stale')).toBeNull();
    expect(comparePositions(decodePosition(res.headers.get('X-Projection-Position')!)!, write.position)).toBeGreaterThanOrEqual(0);
    const [item] = (await exactJson(res)) as Item[];
    expect(item).toMatchObject({ id: write.investmentId, coin_name: 'dogecoin', amount: '1000', total_value_usd: '100' });
    // And once more from the cache: the same answer, the same position.
    const again = await harness.request('/history?limit=1', { headers: { 'X-Consistency-Token': token } });
    expect(((await exactJson(again)) as Item[])[0]!.id).toBe(write.investmentId);
    expect(again.headers.get('X-Projection-Position')).toBe(res.headers.get('X-Projection-Position'));
  });

  it('never caches what a server that is not a standby answers', async () => {
    const direct = await startQueryApi({ replicaUrls: [db.url('query', 'primary')] });
    try {
      const cached = await (await harness.request('/history?limit=3&include_voided=true')).text();
      const first = await direct.request('/history?limit=3&include_voided=true');
      expect(await first.text()).toBe(cached);
      await direct.request('/history?limit=3&include_voided=true');
      expect(await cacheCount(direct, 'hit')).toBe(0);
      expect(await cacheCount(direct, 'bypass')).toBe(2);
      // A write there is seen by the very next request.
      const write = await recordInvestment(db.admin, { coin: 'litecoin', amount: '1', purchasePriceUsd: '50' });
      const next = (await exactJson(await direct.request('/history?limit=3&include_voided=true'))) as Item[];
      expect(next[0]!.id).toBe(write.investmentId);
    } finally {
      await direct.close();
    }
  });
});
