import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, decodePosition } from '@crypto-invest/contracts';
import { freshDatabase, recordInvestment, type TestDatabase } from '@crypto-invest/testing';
import { exactJson } from '../../test/exact-json.ts';
import { startQueryApi, type QueryApiHarness } from '../../test/harness.ts';
import { projectStatistics } from '../../test/read-model.ts';

interface StatsBody {
  total_investments: string;
  total_value_usd: string;
  projection: { position: string; stale: boolean };
}

const position = (token: string | null) => decodePosition(token ?? '')!;

describe('read-your-writes with a consistency token', () => {
  let db: TestDatabase;
  let harness: QueryApiHarness;

  beforeAll(async () => {
    db = await freshDatabase();
    await recordInvestment(db.admin, { coin: 'bitcoin', amount: '1', purchasePriceUsd: '100' });
    await projectStatistics(db.admin);
    await db.replicaCaughtUp();
    harness = await startQueryApi({ replicaUrls: [db.url('query', 'replica')], env: { CONSISTENCY_WAIT_MS: '3000' } });
  });

  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('waits until the replica has projected the write, then answers with it', async () => {
    const before = (await exactJson(await harness.request('/stats'))) as StatsBody;
    const write = await recordInvestment(db.admin, { coin: 'bitcoin', amount: '0.5', purchasePriceUsd: '200' });
    const token = `${write.position.transactionId}.${write.position.eventId}`;
    // The projector catches up a little later.
    const projected = new Promise((resolve) => setTimeout(resolve, 300)).then(() => projectStatistics(db.admin));

    const res = await harness.request('/stats', { headers: { 'X-Consistency-Token': token } });
    await projected;
    expect(res.status).toBe(200);
    const body = (await exactJson(res)) as StatsBody;
    expect(Number(body.total_investments)).toBe(Number(before.total_investments) + 1);
    expect(body.projection.stale).toBe(false);
    expect(res.headers.get('X-Read-Stale')).toBeNull();
    expect(comparePositions(position(res.headers.get('X-Projection-Position')), write.position)).toBeGreaterThanOrEqual(0);
    expect(body.projection.position).toBe(res.headers.get('X-Projection-Position'));
  });

  it('answers at once without a token, with what the replica has and the position it reflects', async () => {
    const write = await recordInvestment(db.admin, { coin: 'ethereum', amount: '2', purchasePriceUsd: '10' });
    const res = await harness.request('/stats');
    expect(res.status).toBe(200);
    const body = (await exactJson(res)) as StatsBody & { coins: Record<string, unknown> };
    expect(body.coins.ethereum).toBeUndefined();
    expect(body.projection.stale).toBe(false);
    expect(comparePositions(position(res.headers.get('X-Projection-Position')), write.position)).toBeLessThan(0);

    // ?after= works like the header; /history waits too.
    const token = `${write.position.transactionId}.${write.position.eventId}`;
    const [stats, history] = await Promise.all([
      harness.request(`/stats?after=${token}`),
      harness.request(`/history?limit=1&after=${token}`),
      new Promise((resolve) => setTimeout(resolve, 200)).then(() => projectStatistics(db.admin)),
    ]);
    expect(((await exactJson(stats)) as { coins: Record<string, unknown> }).coins.ethereum).toMatchObject({ total_amount: '2' });
    expect(((await exactJson(history)) as Array<{ id: string }>)[0]!.id).toBe(write.investmentId);
    expect(comparePositions(position(history.headers.get('X-Projection-Position')), write.position)).toBeGreaterThanOrEqual(0);
  });

  it('answers with the freshest data marked stale when the wait runs out', async () => {
    const impatient = await startQueryApi({ replicaUrls: [db.url('query', 'replica')], env: { CONSISTENCY_WAIT_MS: '250' } });
    try {
      const write = await recordInvestment(db.admin, { coin: 'cardano', amount: '3', purchasePriceUsd: '0.3' });
      const token = `${write.position.transactionId}.${write.position.eventId}`;
      const res = await impatient.request('/stats', { headers: { 'X-Consistency-Token': token } });
      expect(res.status).toBe(200);
      expect(res.headers.get('X-Read-Stale')).toBe('true');
      const body = (await exactJson(res)) as StatsBody & { coins: Record<string, unknown> };
      expect(body.projection.stale).toBe(true);
      expect(body.coins.cardano).toBeUndefined();
      const history = await impatient.request(`/history?after=${token}`);
      expect(history.status).toBe(200);
      expect(history.headers.get('X-Read-Stale')).toBe('true');
      await history.text();
      // /ready shows the read model one event behind the log the replica has.
      await db.replicaCaughtUp();
      const ready = (await exactJson(await impatient.request('/ready'))) as { checks: Record<string, Record<string, unknown>> };
      expect(ready.checks.replica_1).toMatchObject({ ok: true, reachable: true, in_recovery: true, streaming: true, projection_lag_events: '1' });
      expect(Number(ready.checks.replica_1!.projection_lag_seconds)).toBeGreaterThanOrEqual(0);
      expect(ready.checks.read_fallback).toEqual({ ok: true, mode: 'none', in_use: false });
    } finally {
      await impatient.close();
      await projectStatistics(db.admin);
    }
  });

  it('streams the position as Server-Sent Events whenever it advances', async () => {
    const res = await harness.request('/stream');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const nextEvent = async () => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) continue;
          const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
          return fields as { event: string; data: string; id: string };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    };
    try {
      const first = await nextEvent();
      expect(first.event).toBe('position');
      const write = await recordInvestment(db.admin, { coin: 'litecoin', amount: '1', purchasePriceUsd: '50' });
      await projectStatistics(db.admin);
      let event = await nextEvent();
      while (comparePositions(position(JSON.parse(event.data).position), write.position) < 0) event = await nextEvent();
      expect(JSON.parse(event.data)).toEqual({ position: event.id });
      expect(comparePositions(position(event.id), position(first.id))).toBeGreaterThan(0);
    } finally {
      await reader.cancel();
    }
  });
});
