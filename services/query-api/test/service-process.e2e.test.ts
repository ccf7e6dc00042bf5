import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '@crypto-invest/local-stack';
import { freePort, freshDatabase, type TestDatabase } from '@crypto-invest/testing';

// The service as it runs in production: a process started by the local stack, logging
// JSON, and stopping cleanly on SIGTERM even with a /stream client connected.
describe('query API process', () => {
  let db: TestDatabase;
  let system: RunningSystem;
  let logDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase();
    logDir = await mkdtemp(join(tmpdir(), 'query-api-process-'));
    system = await startSystem({
      cluster: db.cluster,
      database: db.name,
      ports: { 'command-api': await freePort(), 'query-api': await freePort(), projector: await freePort(), dashboard: await freePort() },
      apiKeys: ['process-test-key-0123456789abcdef'],
      env: { LOG_LEVEL: 'info' },
      logDir,
      only: ['query-api'],
      onLine: (_service, line) => lines.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await db?.drop();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it('serves with request ids in JSON logs, and stops with exit 0 on SIGTERM while a /stream client is connected', async () => {
    const ready = await fetch(`${system.urls['query-api']}/ready`);
    expect(ready.status).toBe(200);
    const requestId = ready.headers.get('X-Request-Id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const stream = await fetch(`${system.urls['query-api']}/stream`);
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: position\ndata: \{"position":"\d+\.\d+"\}\nid: \d+\.\d+\n\n/);

    const proc = system.processes.get('query-api')!;
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect((await reader.read()).done).toBe(true);

    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.find((l) => l.request_id === requestId && l.msg === 'request')).toMatchObject({ service: 'query-api', route: '/ready', status: 200 });
    expect(logged.some((l) => l.msg === 'stopped')).toBe(true);
    expect(lines.join('\n')).not.toContain(db.cluster.secrets.QUERY_DB_PASSWORD!);
  });
});
