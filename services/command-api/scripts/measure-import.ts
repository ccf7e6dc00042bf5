// The import benchmark: CSV files of 10,000 and 100,000 rows (or the sizes given) imported by the
// real CLI (`src/cli/import.ts`) into the real command API process over HTTP, on a real
// primary + replica. For each file: the wall time, the service's phases (from its log),
// and the peak resident memory (VmRSS sampled from /proc every 50 ms) of the service and
// of the CLI — a fresh service process per file, so the peaks compare. Next to it, a
// reference measured in the same run: POST /investments, one row per request, 8 at a
// time, for 5 s — how long the same rows would take through the single-row API.
//
//   node --import tsx scripts/measure-import.ts [sizes = 10000,100000]     (npm run measure:import)
//
// Starts its own cluster in a temporary folder (free ports) and removes it at the end.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { clusterDown, clusterUp, migrate } from '@crypto-invest/db';
import { spawnNodeProcess, stopProcess, waitHealthy, type ManagedProcess } from '@crypto-invest/local-stack';
import { freePort } from '@crypto-invest/testing';

const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
const rows = Math.max(...sizes);
const API_KEY = 'measure-key-0123456789abcdefghij';
const SERVICE_ROOT = fileURLToPath(new URL('../', import.meta.url));
const say = (line: string) => process.stdout.write(line + '\n');
const COINS: Array<[string, string]> = [
  ['bitcoin', '34235.19345'],
  ['ethereum', '2324.679449'],
  ['cardano', '1.41805266'],
  ['dogecoin', '0.2271958'],
  ['litecoin', '143.4453413'],
  ['binancecoin', '317.5473315'],
];

/** N distinct, valid purchases (one a second from `start`), prices given; written as a stream. */
async function writeCsv(path: string, n: number, start: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('timestamp,coin,amount,purchase_price_usd\r\n');
  for (let i = 0; i < n; i++) {
    const [coin, price] = COINS[i % COINS.length]!;
    const amount = `${(i % 97) + 1}.${String((i * 7919) % 100_000_000).padStart(8, '0')}`;
    if (!out.write(`${new Date(start + i * 1000).toISOString()},${coin},${amount},${price}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}

/** Peak VmRSS (MiB) of a process while `work` runs. */
async function peakRss<T>(pid: () => number | undefined, work: Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = 0;
  const sample = async () => {
    const id = pid();
    if (!id) return;
    const status = await readFile(`/proc/${id}/status`, 'utf8').catch(() => '');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kib / 1024);
  };
  const timer = setInterval(() => void sample(), 50);
  try {
    const result = await work;
    return { result, peakMiB: peak };
  } finally {
    clearInterval(timer);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'command-api-measure-import-'));
const settings = { dir, primaryPort: await freePort(), replicaPort: await freePort() };
say(`starting a primary + replica in ${dir} …`);
const cluster = await clusterUp(settings);
let service: ManagedProcess | undefined;
const logLines: string[] = [];
try {
  await migrate(cluster.url('owner'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const startService = async () => {
    logLines.length = 0;
    service = spawnNodeProcess({
      name: 'command-api',
      entry: join(SERVICE_ROOT, 'src/index.ts'),
      cwd: SERVICE_ROOT,
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: cluster.url('command'),
        API_KEYS: API_KEY,
        // every row gives its price: nothing goes out to CoinGecko
        COINGECKO_BASE_URL: 'http://127.0.0.1:9/api/v3',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
      },
      onLine: (line) => logLines.push(line),
    });
    await waitHealthy(`${url}/health`, service);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  };
  const rssNow = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${service!.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

  const results: string[] = [];
  for (const [i, n] of sizes.entries()) {
    const file = join(dir, `import-${n}.csv`);
    // Each file its own purchases (a year apart), so every row is new.
    const bytes = await writeCsv(file, n, Date.parse('2015-01-01T00:00:00Z') + i * 366 * 86_400_000);
    await startService();
    const idle = await rssNow();
    const started = performance.now();
    const cli = spawn(process.execPath, ['--import', 'tsx', join(SERVICE_ROOT, 'src/cli/import.ts'), file, '--url', url, '--api-key', API_KEY], {
      cwd: SERVICE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cliPid = cli.pid;
    let output = '';
    cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(cli, 'exit').then(([code]) => code as number);
    const [serviceRss, cliRss] = await Promise.all([peakRss(() => service!.child.pid, exited), peakRss(() => cliPid, exited)]);
    const seconds = (performance.now() - started) / 1000;
    if (serviceRss.result !== 0) throw new Error(`the import of ${n} rows failed:\n${output}`);
    const phase = (msg: string) => {
      const line = logLines.find((l) => l.includes(`"msg":"${msg}"`));
      return line ? `${((JSON.parse(line) as { ms: number }).ms / 1000).toFixed(1)} s` : '?';
    };
    say(output.trim().split('\n').filter((l) => l.startsWith('✔') || l.startsWith('✖')).join('\n'));
    results.push(
      `${n.toLocaleString('en-US').padStart(8)} rows (${(bytes / 1024 / 1024).toFixed(1)} MiB)  ${seconds.toFixed(1).padStart(5)} s  ` +
        `${Math.round(n / seconds).toLocaleString('en-US').padStart(6)} rows/s  [read+check+stage ${phase('import file checked')}, total in service ${phase('import recorded')}]  ` +
        `service RSS ${idle.toFixed(0)} MiB idle → peak ${serviceRss.peakMiB.toFixed(0)} MiB   CLI peak RSS ${cliRss.peakMiB.toFixed(0)} MiB`,
    );
    await stopProcess(service!);
    service = undefined;
  }

  // The reference: the same kind of rows through POST /investments, one request each, 8 at a time.
  await startService();
  let done = 0;
  const body = '{"coin":"bitcoin","amount":"0.12345678","purchase_price_usd":"34235.19345","timestamp":"2020-01-01T00:00:00Z"}';
  const refStarted = performance.now();
  const deadline = refStarted + 5_000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < deadline) {
        const res = await fetch(`${url}/investments`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` } });
        await res.arrayBuffer();
        if (res.status === 201) done++;
      }
    }),
  );
  const refRate = done / ((performance.now() - refStarted) / 1000);
  say('');
  for (const line of results) say(line);
  say(
    `reference: POST /investments, one row per request, 8 concurrent: ${Math.round(refRate).toLocaleString('en-US')} rows/s ` +
      `(${rows.toLocaleString('en-US')} rows would take ${(rows / refRate).toFixed(0)} s)`,
  );
} finally {
  if (service) await stopProcess(service);
  await clusterDown(settings);
  await rm(dir, { recursive: true, force: true });
}
