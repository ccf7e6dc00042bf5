import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLUSTER_SCRIPT } from '@crypto-invest/db';
import { EVENTS_CHANNEL, STREAM_VERSION } from '@crypto-invest/contracts';
import type { LoadFigures } from '../result.ts';
import { round } from './http-load.ts';
import { percentile } from './percentiles.ts';

const run = promisify(execFile);

/** The folder of PostgreSQL's programs, found by db/cluster/lib.sh's find_pg_bin (PG_BIN, then the usual places). */
export async function findPgBin(): Promise<string> {
  const lib = join(CLUSTER_SCRIPT, '..', 'lib.sh');
  const { stdout } = await run('bash', ['-c', `. '${lib}'; find_pg_bin`], { env: process.env });
  const bin = stdout.trim();
  if (!existsSync(join(bin, 'pgbench'))) {
    throw new Error(`no pgbench in ${bin}: install PostgreSQL's client programs (Debian: postgresql-client-15) or set PG_BIN`);
  }
  return bin;
}

/**
 * The command API's write transaction for POST /invest (services/command-api:
 * recordInvestment → insertInvestmentWithEvent) as a pgbench script: the same single
 * statement — the investment INSERT, the event INSERT taking the row's id into its
 * stream and data, the NOTIFY — run on its own (autocommit: the statement is the
 * transaction), the same RETURNING lists, a valid InvestmentRecorded event (the
 * projector applies these too). Values are those of the bench's POST /invest body.
 *
 * Two differences, both tiny: the purchase time is the database's now() (the API sends
 * its clock's), so the event's timestamp is written from the row in SQL; and pgbench
 * substitutes `:name` anywhere in a statement, string literals included, so the ISO
 * timestamp's colons are made with chr(58).
 */
export function writeTransactionScript(body: { coin: string; amount: string; price: string }): string {
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  for (const [name, value] of Object.entries(body)) {
    if (value.includes(':')) throw new Error(`pgbench script: ${name} must not contain ':' (pgbench would read a variable)`);
  }
  // The event data as the API builds it before the row exists (investment_id and timestamp set from the row).
  const data = JSON.stringify({ investment_id: '0', coin: body.coin, amount: body.amount, purchase_price_usd: body.price, timestamp: '', price_source: 'user' });
  const metadata = '{"request_id": "pgbench", "principal": "pgbench", "route": "pgbench"}';
  return `WITH investment AS (
  INSERT INTO investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
  VALUES (${literal(body.coin)}, ${body.amount}, ${body.price}, now(), 'user')
  RETURNING *
), event AS (
  INSERT INTO events (stream_id, stream_version, type, data, metadata)
  SELECT 'investment-' || investment.id, ${STREAM_VERSION.recorded}, 'InvestmentRecorded',
    jsonb_set(jsonb_set(${literal(data)}::jsonb, '{investment_id}', to_jsonb(investment.id::text)), '{timestamp}',
      to_jsonb(replace(to_char(investment."timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24#MI#SS.MS"Z"'), '#', chr(58)))),
    ${literal(metadata)}::jsonb
  FROM investment
  RETURNING transaction_id AS event_transaction_id, id AS event_id
)
SELECT id::text, coin_name, amount::text, purchase_price_usd::text, total_value_usd::text, "timestamp", price_source, voided_at,
  event_transaction_id::text AS transaction_id, event_id::text AS event_id, pg_notify(${literal(EVENTS_CHANNEL)}, event_id::text)
FROM investment, event;
`;
}

export interface PgbenchRun {
  pgBin: string;
  /** postgres:// URL (the command role on the primary). */
  url: string;
  script: string;
  connections: number;
  seconds: number;
  /** A scratch folder for the script and the per-transaction logs. */
  workDir: string;
  /** Registers the running child so a Ctrl-C can stop it. */
  onChild?: (child: ChildProcess | undefined) => void;
}

/**
 * Runs pgbench (extended protocol, like node-postgres) for `seconds` with one client per
 * connection, and reads its per-transaction log for exact latency percentiles.
 */
export async function runPgbench(options: PgbenchRun): Promise<LoadFigures> {
  const dir = join(options.workDir, `pgbench-${options.connections}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const scriptFile = join(dir, 'write-transaction.sql');
  await writeFile(scriptFile, options.script);
  const url = new URL(options.url);
  const threads = Math.max(1, Math.min(options.connections, cpus().length));
  const args = [
    '--no-vacuum',
    '--protocol=extended',
    `--file=${scriptFile}`,
    `--client=${options.connections}`,
    `--jobs=${threads}`,
    `--time=${Math.max(1, Math.round(options.seconds))}`,
    '--log',
    `--log-prefix=${join(dir, 'tx')}`,
    `--host=${url.hostname}`,
    `--port=${url.port}`,
    `--username=${decodeURIComponent(url.username)}`,
    decodeURIComponent(url.pathname.slice(1)),
  ];
  const child = spawn(join(options.pgBin, 'pgbench'), args, {
    env: { PATH: process.env.PATH ?? '', PGPASSWORD: decodeURIComponent(url.password), PGAPPNAME: 'bench-pgbench' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  options.onChild?.(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  options.onChild?.(undefined);
  if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${output.trim()}`);

  // "tps = 812.3 (without initial connection time)": connecting 64 clients is not part of the rate.
  const tps = Number(/tps = ([0-9.]+) \(without initial connection time\)/.exec(output)?.[1] ?? NaN);
  const failed = Number(/number of failed transactions: ([0-9]+)/.exec(output)?.[1] ?? 0);
  // Log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
  const latenciesMs: number[] = [];
  for (const file of await readdir(dir)) {
    if (!file.startsWith('tx')) continue;
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 6) latenciesMs.push(Number(fields[2]) / 1000);
    }
  }
  await rm(dir, { recursive: true, force: true });
  if (!latenciesMs.length || !Number.isFinite(tps)) throw new Error(`pgbench committed nothing:\n${output.trim()}`);
  latenciesMs.sort((a, b) => a - b);
  const duration = Math.max(1, Math.round(options.seconds));
  return {
    connections: options.connections,
    duration_seconds: duration,
    requests: latenciesMs.length,
    errors: failed,
    requests_per_second: round(tps),
    mean_ms: round(latenciesMs.reduce((a, b) => a + b, 0) / latenciesMs.length),
    p50_ms: round(percentile(latenciesMs, 0.5)),
    p99_ms: round(percentile(latenciesMs, 0.99)),
  };
}
