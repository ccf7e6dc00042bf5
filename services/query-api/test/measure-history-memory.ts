// Measures the memory of the query API process while it streams GET /history (no
// limit) over a large table: the promise is that it stays flat, whatever the size.
//   node --import tsx test/measure-history-memory.ts [--heap-mb N] [rows ...]   (default: 100000 1000000)
// --heap-mb caps the service's V8 old space: a stream that held rows would die of it.
// It starts a private primary + replica, loads the rows with one INSERT … SELECT on
// the primary (history reads only the investments table), runs the real service as a
// process, streams the list once per size and samples the process's RSS from /proc.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystem } from '@crypto-invest/local-stack';
import { freePort, startPrivateCluster } from '@crypto-invest/testing';

const args = process.argv.slice(2);
const heapFlag = args.indexOf('--heap-mb');
const heapMb = heapFlag >= 0 ? Number(args.splice(heapFlag, 2)[1]) : undefined;
const sizes = args.map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(100_000, 1_000_000);

/** V8 heap in use, from the service's own /metrics (prom-client's process metrics). */
async function heapUsedMb(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0) / 1024 / 1024;
}

async function rssOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

const cluster = await startPrivateCluster();
const logDir = await mkdtemp(join(tmpdir(), 'query-api-memory-'));
try {
  const port = await freePort();
  const system = await startSystem({
    cluster: cluster.cluster,
    ports: { 'command-api': await freePort(), 'query-api': port, projector: await freePort(), dashboard: await freePort() },
    apiKeys: ['memory-measurement-key-0123456789'],
    env: { LOG_LEVEL: 'warn', ...(heapMb ? { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } : {}) },
    logDir,
    only: ['query-api'],
  });
  const pid = system.processes.get('query-api')!.child.pid!;
  let loaded = 0;
  try {
    const idle = await rssOf(pid);
    process.stdout.write(`query API idle: RSS ${idle.rssMb.toFixed(1)} MB${heapMb ? ` (V8 old space capped at ${heapMb} MB)` : ''}\n`);
    process.stdout.write('rows       bytes          seconds  rows/s     RSS before  peak RSS   peak heap used (MB)\n');
    for (const rows of sizes) {
      if (rows > loaded) {
        process.stderr.write(`loading ${rows - loaded} investments...\n`);
        await cluster.admin(`
          insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
          select (array['bitcoin','ethereum','cardano','dogecoin','litecoin','binancecoin'])[1 + g % 6],
                 ((g % 997) + 1) * 0.000000001234567891, (g % 50021) + 0.123456789012345678,
                 timestamp '2017-01-01' + g * interval '1 minute', 'user'
          from generate_series(${loaded + 1}, ${rows}) g`);
        await cluster.admin('analyze investments');
        await cluster.caughtUp(cluster.replica, 120_000);
        loaded = rows;
      }
      const before = await rssOf(pid);
      let peak = before.rssMb;
      let peakHeap = await heapUsedMb(port);
      const sampler = setInterval(() => {
        // A sample that races the end of the process is dropped, never an unhandled rejection.
        rssOf(pid).then((m) => (peak = Math.max(peak, m.rssMb)), () => undefined);
        heapUsedMb(port).then((mb) => (peakHeap = Math.max(peakHeap, mb)), () => undefined);
      }, 50);
      const started = performance.now();
      let bytes = 0;
      let items = 0;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/history?include_voided=true`);
        if (res.status !== 200) throw new Error(`/history answered ${res.status}`);
        const decoder = new TextDecoder();
        let tail = '';
        for await (const chunk of res.body!) {
          bytes += chunk.byteLength;
          // Count items by their "id" keys without holding the body; a key may straddle two chunks
          // (the 5 characters kept are too few to hold a whole key, so none is counted twice).
          const text = tail + decoder.decode(chunk, { stream: true });
          items += text.split('{"id":').length - 1;
          tail = text.slice(-5);
        }
      } finally {
        clearInterval(sampler);
      }
      const seconds = (performance.now() - started) / 1000;
      if (items !== rows) throw new Error(`streamed ${items} items, expected ${rows}`);
      process.stdout.write(
        `${String(rows).padEnd(10)} ${String(bytes).padEnd(14)} ${seconds.toFixed(1).padEnd(8)} ${String(Math.round(rows / seconds)).padEnd(10)} ${before.rssMb.toFixed(1).padEnd(11)} ${peak.toFixed(1).padEnd(10)} ${peakHeap.toFixed(1)}\n`,
      );
    }
  } finally {
    await system.stop();
  }
} finally {
  await cluster.down();
  await rm(logDir, { recursive: true, force: true });
}
