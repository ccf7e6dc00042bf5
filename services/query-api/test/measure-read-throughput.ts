// Rough read throughput of the running query API next to a bare Hono handler measured
// in the same run (the benchmark issue's reference), for a quick check during development:
//   node --import tsx test/measure-read-throughput.ts [seconds] [connections]
// Private primary + replica, 10,000 investments and their read model, the real service
// as a process, and a keep-alive HTTP load from this process. Not a test: figures only.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystem } from '@crypto-invest/local-stack';
import { freePort, recordInvestments, startPrivateCluster } from '@crypto-invest/testing';
import pg from 'pg';
import { projectStatistics } from './read-model.ts';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);

async function load(url: string): Promise<{ rps: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const status = await new Promise<number>((resolve) => {
        http
          .get(url, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', () => resolve(0));
      });
      if (status !== 200) errors += 1;
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, errors };
}

const cluster = await startPrivateCluster();
const logDir = await mkdtemp(join(tmpdir(), 'query-api-throughput-'));
const barePort = await freePort();
const bare = spawn(process.execPath, ['--import', 'tsx', '-e', `
  import('hono').then(async ({ Hono }) => {
    const { serve } = await import('@hono/node-server');
    const app = new Hono();
    app.get('/', (c) => c.json({ status: 'ok', total_investments: 10000 }));
    serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
  });`], { env: { ...process.env, PORT: String(barePort) }, stdio: 'ignore' });
try {
  const admin = new pg.Client({ connectionString: cluster.url('admin') });
  await admin.connect();
  const coins = ['bitcoin', 'ethereum', 'cardano', 'dogecoin', 'litecoin', 'binancecoin'];
  await recordInvestments(admin, Array.from({ length: 10_000 }, (_, i) => ({
    coin: coins[i % 6]!, amount: `0.${String(i + 1).padStart(6, '0')}`, purchasePriceUsd: `${100 + i}.25`,
    timestamp: new Date(Date.UTC(2019, 0, 1) + i * 3_600_000).toISOString(),
  })), { notify: false });
  await projectStatistics(admin);
  // As autovacuum would within a minute: the planner needs the table's statistics to pick the index for pages.
  await admin.query('analyze investments');
  await admin.end();
  await cluster.caughtUp(cluster.replica);
  const port = await freePort();
  const system = await startSystem({
    cluster: cluster.cluster,
    ports: { 'command-api': await freePort(), 'query-api': port, projector: await freePort(), dashboard: await freePort() },
    apiKeys: ['throughput-measurement-key-0123456789'],
    env: { LOG_LEVEL: 'warn' },
    logDir,
    only: ['query-api'],
  });
  try {
    const targets: Array<[string, string]> = [
      ['bare Hono handler (reference)', `http://127.0.0.1:${barePort}/`],
      ['GET /stats', `http://127.0.0.1:${port}/stats`],
      ['GET /history?limit=50', `http://127.0.0.1:${port}/history?limit=50`],
    ];
    for (const [, url] of targets) await load(url).catch(() => undefined); // warm-up (JIT, pools)
    const results = [];
    for (const [name, url] of targets) results.push({ name, ...(await load(url)) });
    const reference = results[0]!.rps;
    process.stdout.write(`${connections} connections, ${seconds} s each\n`);
    for (const r of results) {
      process.stdout.write(`${r.name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99.toFixed(1).padStart(6)} ms  ${(r.rps / reference).toFixed(2)}× reference  errors ${r.errors}\n`);
    }
  } finally {
    await system.stop();
  }
} finally {
  bare.kill();
  await cluster.down();
  await rm(logDir, { recursive: true, force: true });
}
