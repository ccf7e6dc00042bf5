import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, readSecrets } from '@crypto-invest/db';
import { REPO_ROOT } from '@crypto-invest/local-stack';
import { freePort, startFakeCoinGecko, type FakeCoinGecko } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` as a person runs it (in a data folder of its own, on free ports): it makes an
// API key on the first run, keeps it private in the data folder, prints it, gives it to the
// dashboard's server (never to the browser), and runs every service on 127.0.0.1. Then,
// with the logs at debug level, the whole system is exercised — failed logins included —
// and every log line is searched for every secret.
const START = join(REPO_ROOT, 'packages', 'local-stack', 'src', 'cli', 'start.ts');

interface Started {
  child: ChildProcess;
  output: string[];
  ready: Promise<void>;
}

let dataDir: string;
let fake: FakeCoinGecko;
let ports: Record<string, number>;
const outputs: string[][] = [];

function npmStart(): Started {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !['API_KEYS', 'AUTH', 'DASHBOARD_API_KEY'].includes(name)) environment[name] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    cwd: REPO_ROOT,
    env: {
      ...environment,
      CRYPTO_INVEST_DATA_DIR: dataDir,
      COINGECKO_BASE_URL: fake.url,
      LOG_LEVEL: 'debug',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  outputs.push(output);
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n'));
      if (output.some((line) => line.includes('Press Ctrl-C'))) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output.slice(-30).join('\n')}`)));
  });
  return { child, output, ready };
}

async function stop(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 60_000);
  const [code] = (await once(started.child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

const keyLine = (output: string[]) => output.map((line) => /API key (generated|kept) in (.+)\/api-key: (\S+)\s*$/.exec(line)).find(Boolean);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'crypto-invest-start-'));
  // As .data/ in a checkout: PostgreSQL's OS user (when we are root) must be able to reach the cluster folder inside.
  await chmod(dataDir, 0o755);
  fake = await startFakeCoinGecko();
  ports = {
    PRIMARY_PORT: await freePort(),
    REPLICA_PORT: await freePort(),
    COMMAND_API_PORT: await freePort(),
    QUERY_API_PORT: await freePort(),
    PROJECTOR_PORT: await freePort(),
    DASHBOARD_PORT: await freePort(),
  };
});

afterAll(async () => {
  // A safety net: npm start stops PostgreSQL itself; this only matters if it was killed.
  await clusterDown({ dir: join(dataDir, 'cluster'), primaryPort: ports.PRIMARY_PORT!, replicaPort: ports.REPLICA_PORT! }).catch(() => undefined);
  await fake?.close();
  if (!process.env.KEEP_TEST_CLUSTER) await rm(dataDir, { recursive: true, force: true });
});

describe('npm start, its API key, and secrets in logs', () => {
  let key = '';
  const wrongKey = () => key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const wrongDbPassword = `wrong-${Math.random().toString(36).slice(2)}-password`;
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;

  it('generates an API key on the first run, keeps it private, prints it, gives it to the dashboard; keeps it on the next run; logs no secret', { timeout: 480_000 }, async () => {
    // First run: a new data folder.
    const first = npmStart();
    let code: number | null = null;
    try {
      await first.ready;
      const printed = keyLine(first.output);
      expect(printed?.[1]).toBe('generated');
      expect(printed?.[2]).toBe(dataDir);
      key = printed![3]!;
      expect(key.length).toBeGreaterThanOrEqual(24);
      const file = join(dataDir, 'api-key');
      expect(readFileSync(file, 'utf8').trim()).toBe(key);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      await exerciseSystem();
    } finally {
      code = await stop(first);
    }
    expect(code).toBe(0);
    expect(first.output.join('\n')).toMatch(/stopped: services and PostgreSQL are down/);

    // Second run: the same key, from the data folder.
    const second = npmStart();
    try {
      await second.ready;
      expect(keyLine(second.output)?.slice(1)).toEqual(['kept', dataDir, key]);
      const response = await fetch(`${url('COMMAND_API_PORT')}/investments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{"coin":"ethereum","amount":"1.25","purchase_price_usd":"2000"}',
      });
      expect(response.status).toBe(201);
    } finally {
      code = await stop(second);
    }
    expect(code).toBe(0);

    // Every line every service and PostgreSQL logged, searched for every secret.
    const passwords = Object.values(readSecrets(join(dataDir, 'cluster')));
    expect(passwords.length).toBeGreaterThanOrEqual(6);
    const secrets = [key, wrongKey(), wrongDbPassword, ...passwords].flatMap((s) => [s, encodeURIComponent(s)]);
    const files = [join(dataDir, 'logs'), join(dataDir, 'cluster', 'logs')].flatMap(listFiles);
    const lines = files.flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, i) => ({ where: `${file.slice(dataDir.length + 1)}:${i + 1}`, line })));
    // The search is not vacuous: every service logged, failed logins included.
    for (const service of ['command-api', 'query-api', 'projector', 'dashboard']) {
      expect(files.some((f) => f.endsWith(`${service}.log`)), service).toBe(true);
    }
    expect(lines.filter(({ line }) => line.includes('"status":401')).length).toBeGreaterThanOrEqual(3);
    expect(lines.some(({ line }) => /password authentication failed/.test(line))).toBe(true);
    expect(lines.length).toBeGreaterThan(100);
    const leaks = lines.filter(({ line }) => secrets.some((secret) => line.includes(secret))).map(({ where, line }) => `${where}: ${redact(line, secrets).slice(0, 200)}`);
    expect(leaks).toEqual([]);
    // npm start prints the key (that is its job) but never a database password.
    const printed = outputs.flat().join('\n');
    expect(passwords.filter((p) => printed.includes(p))).toEqual([]);
  });

  async function exerciseSystem() {
    // Every service listens on 127.0.0.1 only.
    for (const service of ['command-api', 'query-api', 'projector', 'dashboard']) {
      const log = readFileSync(join(dataDir, 'logs', `${service}.log`), 'utf8');
      expect(log, service).toMatch(/"host":"127\.0\.0\.1".*"msg":"listening"/);
    }
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external) {
      for (const name of ['COMMAND_API_PORT', 'QUERY_API_PORT', 'PROJECTOR_PORT', 'DASHBOARD_PORT', 'PRIMARY_PORT', 'REPLICA_PORT']) {
        expect(await reachable(external, ports[name]!), `${name} on ${external}`).toBe(false);
      }
    }

    // The dashboard's server adds the key: the browser never has it.
    const viaDashboard = await fetch(`${url('DASHBOARD_PORT')}/api/command/investments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'start-test-1' },
      body: '{"coin":"bitcoin","amount":"0.015","purchase_price_usd":"41000.5"}',
    });
    expect(viaDashboard.status).toBe(201);
    const token = viaDashboard.headers.get('x-consistency-token')!;
    const stats = await fetch(`${url('DASHBOARD_PORT')}/api/query/stats`, { headers: { 'x-consistency-token': token } });
    expect(stats.status).toBe(200);
    expect(await stats.text()).toContain('"total_value_usd":615.0075');
    const status = await fetch(`${url('DASHBOARD_PORT')}/api/system/status`);
    expect(status.status).toBe(200);
    const page = await fetch(`${url('DASHBOARD_PORT')}/`);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const served of [html, ...(await Promise.all(assets.map(async (a) => (await fetch(`${url('DASHBOARD_PORT')}${a}`)).text())))]) {
      expect(served.includes(key)).toBe(false);
    }

    // The doors: no key, a wrong key, the key.
    const invest = (headers: Record<string, string>) =>
      fetch(`${url('COMMAND_API_PORT')}/investments`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"coin":"cardano","amount":"100","purchase_price_usd":"1.2"}' });
    expect((await invest({})).status).toBe(401);
    expect((await invest({ authorization: `Bearer ${wrongKey()}` })).status).toBe(401);
    expect((await invest({ authorization: `Bearer ${key}` })).status).toBe(201);
    expect((await fetch(`${url('PROJECTOR_PORT')}/admin/status`, { headers: { authorization: `Bearer ${wrongKey()}` } })).status).toBe(401);
    expect((await fetch(`${url('PROJECTOR_PORT')}/admin/status`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${url('COMMAND_API_PORT')}/invest`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"coin":1}' })).status).toBe(400);
    // A failed database login (PostgreSQL logs the failure, never the password).
    const client = new pg.Client({ connectionString: `postgres://crypto_command:${wrongDbPassword}@127.0.0.1:${ports.PRIMARY_PORT}/crypto_invest` });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
    // Let the services flush their log lines.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const redact = (line: string, secrets: string[]) => secrets.reduce((text, secret) => text.split(secret).join('[SECRET]'), line);
