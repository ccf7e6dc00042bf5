import { freshDatabase, recordInvestments, waitFor, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadProjectorConfig } from '../config.ts';
import { readModel, sqlAggregate, testProjector, type TestProjector } from '../test-support/read-model.ts';

const API_KEY = 'test-key-0123456789abcdefghij';

describe('projector admin API', () => {
  let db: TestDatabase;
  let command: pg.Pool;
  let sut: TestProjector;
  let app: ReturnType<typeof createApp>;

  const call = async (method: string, path: string, key: string | null = API_KEY) => {
    const response = await app.request(path, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body: Record<string, any> = type.includes('json') ? JSON.parse(text) : { text };
    return { status: response.status, type, headers: response.headers, body, text };
  };

  beforeAll(async () => {
    db = await freshDatabase();
    command = new pg.Pool({ connectionString: db.url('command'), max: 2 });
    sut = testProjector(db, { rebuildBatchSize: 40 });
    const config = loadProjectorConfig({ DATABASE_URL: db.url('projector'), API_KEYS: API_KEY });
    app = createApp({ config, logger: sut.logger, pool: sut.pool, projector: sut.projector });
    await recordInvestments(
      command,
      Array.from({ length: 150 }, (_, i) => ({ coin: ['bitcoin', 'ethereum', 'cardano'][i % 3]!, amount: `0.${i + 1}`, purchasePriceUsd: `${1000 + i}.5` })),
    );
  });
  afterAll(async () => {
    await sut.close();
    await command.end();
    await db.drop();
  });

  it('refuses the admin endpoints without a valid key, with a problem naming the header', async () => {
    for (const [method, path] of [['GET', '/admin/status'], ['POST', '/admin/rebuild'], ['GET', '/admin/rebuilds/1']] as const) {
      const missing = await call(method, path, null);
      expect(missing.status).toBe(401);
      expect(missing.type).toContain('application/problem+json');
      expect(missing.body).toMatchObject({ type: '/problems/unauthorized', errors: [{ field: 'Authorization' }] });
      expect((await call(method, path, 'wrong-key-0123456789abcdefghij')).status).toBe(401);
    }
  });

  it('reports the lag before the projector runs, and none once it has caught up', async () => {
    const before = await call('GET', '/admin/status');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      database_reachable: true,
      generation: 1,
      checkpoint: { position: '0.0', events_applied: 0 },
      lag: { events: 150 },
      stall: null,
      rebuild: null,
    });
    expect((before.body.lag as { seconds: number }).seconds).toBeGreaterThanOrEqual(0);

    sut.projector.start();
    const after = await waitFor(
      async () => {
        const r = await call('GET', '/admin/status');
        return r.body.lag.events === 0 ? r : undefined;
      },
      { what: 'the projector to catch up' },
    );
    const body = after.body as { checkpoint: { position: string }; newest_event: { position: string }; instance: { role: string } };
    expect(body).toMatchObject({ state: 'idle', instance: { role: 'active', listening: true }, checkpoint: { events_applied: 150 } });
    expect(body.checkpoint.position).toBe(body.newest_event.position);
    expect(body.checkpoint.position).toMatch(/^[0-9]+\.[0-9]+$/);
  });

  it('rebuilds into a new generation (202 + id), refuses a second rebuild meanwhile (409), shows progress, and ends equal to the SQL aggregate', async () => {
    const requested = await call('POST', '/admin/rebuild');
    expect(requested.status).toBe(202);
    const id = requested.body.rebuild_id as number;
    expect(Number.isInteger(id)).toBe(true); // a JSON integer
    expect(requested.headers.get('location')).toBe(`/admin/rebuilds/${id}`);
    expect(requested.body).toMatchObject({ generation: 2, requested_by: expect.stringMatching(/^key_/) });

    const second = await call('POST', '/admin/rebuild');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: '/problems/rebuild-in-progress', rebuild_id: id });

    const done = await waitFor(
      async () => {
        const r = await call('GET', `/admin/rebuilds/${id}`);
        return r.body.state === 'completed' ? r : undefined;
      },
      { timeoutMs: 20_000, what: 'the rebuild to complete' },
    );
    expect(done.body).toMatchObject({ rebuild_id: id, generation: 2, replaced_generation: 1, processed: 150, total: 150, percent: 100, eta_seconds: 0 });
    expect(done.body.events_per_second).toBeGreaterThan(0);

    const model = await readModel(db.admin);
    expect(model.generation).toBe(2);
    expect(model).toMatchObject(await sqlAggregate(db.admin));
    // The replaced generation is deleted in the background.
    await waitFor(async () => (await db.admin.query('select count(*)::int n from coin_stats where generation = 1')).rows[0]!.n === 0, {
      what: 'generation 1 to be deleted',
    });
    expect((await call('GET', '/admin/status')).body).toMatchObject({ generation: 2, checkpoint: { events_applied: 150 }, rebuild: null });
  });

  it('answers 400 for a malformed rebuild id and 404 for an unknown one', async () => {
    const bad = await call('GET', '/admin/rebuilds/abc');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: '/problems/validation-failed', errors: [{ field: 'id' }] });
    const unknown = await call('GET', '/admin/rebuilds/999999');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: '/problems/rebuild-not-found' });
  });

  it('serves /health, /ready and Prometheus metrics with events applied, lag and batch duration', async () => {
    expect((await call('GET', '/health', null)).body).toMatchObject({ status: 'ok', service: 'projector' });
    const ready = await call('GET', '/ready', null);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { primary: { ok: true, migrations_applied: true }, projector: { role: 'active' } } });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // one status sample for the gauges
    const metrics = (await call('GET', '/metrics', null)).text;
    const metric = (name: string, labels = '') => new RegExp(`^${name}\\{[^}]*${labels}[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1];
    expect(metric('projector_events_applied_total', 'kind="live"')).toBe('150');
    expect(metric('projector_events_applied_total', 'kind="rebuild"')).toBe('150');
    expect(Number(metric('projector_batch_duration_seconds_count', 'kind="live"'))).toBeGreaterThan(0);
    expect(Number(metric('projector_batch_duration_seconds_sum', 'kind="live"'))).toBeGreaterThan(0);
    expect(metric('projector_lag_events')).toBe('0');
    expect(metric('projector_lag_seconds')).toBe('0');
    expect(metric('projector_active')).toBe('1');
  });
});
