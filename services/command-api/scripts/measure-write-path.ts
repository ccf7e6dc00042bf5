// An indication (not the benchmark) of the write path: POST /invest with an explicit
// price, called in-process (no HTTP socket) against a real primary, next to a
// reference measured in the same run — the same write (insert investment, insert event
// + NOTIFY in one statement, the service's own insertInvestmentWithEvent) without the
// HTTP layer. The benchmark is `npm run bench`.
//
//   node --import tsx scripts/measure-write-path.ts [seconds per phase = 5] [concurrency = 8]
//
// Starts its own primary + replica in a temporary folder (db/cluster scripts, free
// ports) and removes it at the end. Figures are noisy on a shared 2-core machine:
// compare the rows of one run, never across runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, migrate } from '@crypto-invest/db';
import { createLogger } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createPriceService } from '@crypto-invest/prices';
import { freePort } from '@crypto-invest/testing';
import { Decimal } from '@crypto-invest/money';
import { createApp } from '../src/app.ts';
import { investmentRecorded } from '../src/investments/investment.ts';
import { insertInvestmentWithEvent, PENDING_INVESTMENT_ID } from '../src/investments/investments.store.ts';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 8);
const API_KEY = 'measure-key-0123456789abcdefghij';
const say = (line: string) => process.stdout.write(line + '\n');

interface Phase {
  name: string;
  count: number;
  errors: number;
  latencies: number[];
  elapsedMs: number;
  /** CPU time of this Node process (user + system) per write, in ms. */
  cpuMsPerWrite: number;
}

async function drive(name: string, once: (i: number) => Promise<boolean>): Promise<Phase> {
  const latencies: number[] = [];
  let count = 0;
  let errors = 0;
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const progress = setInterval(() => say(`  ${name}: ${count} done…`), 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const ok = await once(next++).catch(() => false);
        latencies.push(performance.now() - t);
        if (ok) count++;
        else errors++;
      }
    }),
  );
  clearInterval(progress);
  const used = process.cpuUsage(cpu);
  return { name, count, errors, latencies, elapsedMs: performance.now() - started, cpuMsPerWrite: (used.user + used.system) / 1000 / Math.max(1, count) };
}

function row(phase: Phase, reference?: Phase) {
  const sorted = [...phase.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  const rate = phase.count / (phase.elapsedMs / 1000);
  const ratio = reference ? ` (${((rate / (reference.count / (reference.elapsedMs / 1000))) * 100).toFixed(0)} % of the reference)` : '';
  return `${phase.name.padEnd(46)} ${rate.toFixed(0).padStart(6)} writes/s   p50 ${at(0.5)} ms   p99 ${at(0.99)} ms   node CPU ${phase.cpuMsPerWrite.toFixed(2)} ms/write   errors ${phase.errors}${ratio}`;
}

const dir = await mkdtemp(join(tmpdir(), 'command-api-measure-'));
const settings = { dir, primaryPort: await freePort(), replicaPort: await freePort() };
say(`starting a primary + replica in ${dir} …`);
const cluster = await clusterUp(settings);
const logger = createLogger({ service: 'command-api-measure', level: 'silent' });
const pools: Array<{ end(): Promise<void> }> = [];
try {
  await migrate(cluster.url('owner'));
  const pool = createPool({ url: cluster.url('command'), name: 'measure', max: concurrency + 2, logger });
  pools.push(pool);
  const app = createApp({
    config: { auth: { mode: 'required', keys: [API_KEY] }, queryApiPublicUrl: 'http://127.0.0.1:8001', idempotency: { ttlHours: 24 } },
    logger,
    pool,
    // every request gives its price: no call ever leaves the process
    prices: createPriceService({ baseUrl: 'http://127.0.0.1:9/api/v3', logger }),
  });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
  const body = '{"coin":"bitcoin","amount":0.123456789012345678,"purchase_price_usd":34235.19345}';

  say(`${seconds} s per phase, ${concurrency} concurrent callers, PostgreSQL ${cluster.primaryPort}`);
  const investment = {
    coin: 'bitcoin',
    amount: new Decimal('0.123456789012345678'),
    purchasePriceUsd: new Decimal('34235.19345'),
    priceSource: 'user' as const,
  };
  const reference = await drive('reference: the same write, no HTTP layer', async () => {
    const facts = { ...investment, timestamp: new Date() };
    await insertInvestmentWithEvent(pool, facts, investmentRecorded({ ...facts, id: PENDING_INVESTMENT_ID }), { request_id: 'measure' });
    return true;
  });
  const invest = await drive('POST /invest, explicit price (in-process)', async () => {
    const res = await app.request('/invest', { method: 'POST', body, headers });
    await res.arrayBuffer();
    return res.status === 200;
  });
  const keyed = await drive('POST /invest + Idempotency-Key (in-process)', async (i) => {
    const res = await app.request('/invest', { method: 'POST', body, headers: { ...headers, 'idempotency-key': `measure-${i}` } });
    await res.arrayBuffer();
    return res.status === 200;
  });
  say('');
  say(row(reference));
  say(row(invest, reference));
  say(row(keyed, reference));
} finally {
  await Promise.all(pools.map((p) => p.end()));
  await clusterDown(settings);
  await rm(dir, { recursive: true, force: true });
}
