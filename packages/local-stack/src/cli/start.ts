// `npm start`: the whole system on this machine. Boots the PostgreSQL primary +
// streaming replica (db/cluster), applies migrations, starts the four services,
// waits until each is healthy and prints where everything is. Ctrl-C / SIGTERM
// stops every process it started, PostgreSQL included.
// `npm start -- --demo`: the same, offline: the local fake CoinGecko (real daily closes,
// "now" = the last day of the files) is the price source, and the demo portfolio is
// imported through the import CLI once the services are up (a second start finds its
// rows already present and records nothing).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { env, loadConfig, z } from '@crypto-invest/config';
import { clusterDown, clusterUp, migrate, type ClusterSettings } from '@crypto-invest/db';
import { HISTORY_COINS, loadPriceHistory } from '@crypto-invest/demo-data';
import { startFakeCoinGecko, type FakeCoinGecko } from '@crypto-invest/fake-coingecko';
import { CLUSTER_DIR, DATA_DIR, LOG_DIR, localApiKey } from '../local-data.ts';
import { buildIfNeeded } from '../build.ts';
import { REPO_ROOT, startSystem, type RunningSystem, type ServiceName } from '../system.ts';

const settings = loadConfig(
  z.object({
    PRIMARY_PORT: env.port(55432),
    REPLICA_PORT: env.port(55433),
    COMMAND_API_PORT: env.port(8000),
    QUERY_API_PORT: env.port(8001),
    PROJECTOR_PORT: env.port(8002),
    DASHBOARD_PORT: env.port(8501),
    /** The fake CoinGecko of `--demo`. */
    FAKE_COINGECKO_PORT: env.port(8010),
    API_KEYS: z.string().optional(),
    AUTH: env.auth(),
    COINGECKO_BASE_URL: z.url().optional(),
    LOG_LEVEL: env.logLevel(),
  }),
  process.env,
);

const demo = process.argv.slice(2).includes('--demo');
const say = (text: string) => process.stdout.write(text + '\n');
const step = (text: string) => say(`  • ${text}`);
const started = Date.now();
const cluster: ClusterSettings = { dir: CLUSTER_DIR, primaryPort: settings.PRIMARY_PORT, replicaPort: settings.REPLICA_PORT };
const ports = {
  'command-api': settings.COMMAND_API_PORT,
  'query-api': settings.QUERY_API_PORT,
  projector: settings.PROJECTOR_PORT,
  dashboard: settings.DASHBOARD_PORT,
};

let system: RunningSystem | undefined;
let fakeCoinGecko: FakeCoinGecko | undefined;
let clusterStarted = false;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say('\nstopping…');
  if (system) await system.stop();
  if (fakeCoinGecko) await fakeCoinGecko.close();
  if (clusterStarted) await clusterDown(cluster).catch((e: Error) => say(`  could not stop PostgreSQL: ${e.message}`));
  say('stopped: services and PostgreSQL are down.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// `npm start` runs this under npm (and a shell): a supervisor's SIGTERM to npm may end
// them without passing it on. Orphaned, this process stops everything too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(0);
}, 500).unref();

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

try {
  say(`crypto-invest: starting the local system${demo ? ' with the demo portfolio (offline prices)' : ''}`);
  const wanted: Record<string, number> = { ...ports, ...(demo ? { 'fake-coingecko': settings.FAKE_COINGECKO_PORT } : {}) };
  for (const [name, port] of Object.entries(wanted)) {
    if (!(await portFree(port))) {
      const variable = `${name.replace('-', '_').toUpperCase()}_PORT`;
      throw new Error(`port ${port} (${name}) is already in use. Stop whatever uses it (another crypto-invest?) or choose another port: ${variable}=…`);
    }
  }

  await buildIfNeeded(step);

  step(`PostgreSQL primary :${cluster.primaryPort} + replica :${cluster.replicaPort} (data in ${CLUSTER_DIR})`);
  clusterStarted = true;
  const running = await clusterUp(cluster, (line) => {
    if (line.startsWith('[cluster]')) step(line.replace('[cluster] ', '  '));
  });

  const migration = await migrate(running.url('owner'));
  step(`migrations: ${migration.applied.length ? `applied ${migration.applied.join(', ')}` : 'up to date'}`);

  let apiKeys: string[] = [];
  const authDisabled = settings.AUTH === 'disabled';
  let keyNote = '';
  if (authDisabled) keyNote = 'AUTH=disabled: writes need no API key (trusted local setup only)';
  else if (settings.API_KEYS) apiKeys = settings.API_KEYS.split(',').map((k) => k.trim()).filter(Boolean);
  else {
    const { key, created } = localApiKey();
    apiKeys = [key];
    keyNote = `API key ${created ? 'generated' : 'kept'} in ${DATA_DIR}/api-key: ${key}`;
  }

  if (demo) {
    fakeCoinGecko = await startFakeCoinGecko(settings.FAKE_COINGECKO_PORT);
    step(`fake CoinGecko ${fakeCoinGecko.url} (real daily closes; the price source of every service)`);
  }
  const coingeckoBaseUrl = fakeCoinGecko?.url ?? settings.COINGECKO_BASE_URL;

  step('services: projector, command API, query API, dashboard');
  system = await startSystem({
    cluster: running,
    ports,
    apiKeys,
    authDisabled,
    ...(coingeckoBaseUrl ? { coingeckoBaseUrl } : {}),
    env: { LOG_LEVEL: settings.LOG_LEVEL },
    logDir: LOG_DIR,
    onLine: (service: ServiceName, line: string) => surfaceProblems(service, line),
  });
  for (const proc of system.processes.values()) {
    void proc.exited.then((code) => {
      if (!stopping) {
        say(`\n${proc.name} exited unexpectedly (${code}); see ${LOG_DIR}/${proc.name}.log`);
        void shutdown(1);
      }
    });
  }

  const demoLoaded = demo ? await loadDemoPortfolio(system.urls['command-api'], apiKeys[0]) : false;

  const rows: Array<[string, string, string]> = [
    ['dashboard', system.urls.dashboard, 'the web app'],
    ['command API', system.urls['command-api'], `writes · docs ${system.urls['command-api']}/docs`],
    ['query API', system.urls['query-api'], `reads from the replica · docs ${system.urls['query-api']}/docs`],
    ['projector admin', system.urls.projector, 'statistics read model · /admin/status'],
    ['PostgreSQL primary', `postgres://127.0.0.1:${cluster.primaryPort}/crypto_invest`, 'takes every write'],
    ['PostgreSQL replica', `postgres://127.0.0.1:${cluster.replicaPort}/crypto_invest`, 'hot standby, streaming'],
    ...(fakeCoinGecko
      ? [['CoinGecko: OFFLINE DEMO', fakeCoinGecko.url, `the local fake: real daily closes 2017–2021, "now" = ${lastPriceDay()}`] as [string, string, string]]
      : [['CoinGecko', coingeckoBaseUrl ?? 'https://api.coingecko.com/api/v3', 'live prices'] as [string, string, string]]),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  say(`\ncrypto-invest is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const [name, url, what] of rows) say(`  ${name.padEnd(w0)}  ${url.padEnd(w1)}  ${what}`);
  say('');
  if (keyNote) say(`  ${keyNote}`);
  if (demo) {
    say(
      demoLoaded
        ? '  demo portfolio: loaded (580 weekly purchases 2019–2021; another --demo start or npm run demo finds them present and records nothing)'
        : '  demo portfolio: NOT loaded (see the import output above); try again with npm run demo',
    );
  }
  say(`  logs: ${LOG_DIR}/<service>.log · database passwords: ${CLUSTER_DIR}/secrets.env`);
  say('\nPress Ctrl-C to stop everything.');
} catch (error) {
  say(`\nnpm start failed: ${(error as Error).message}`);
  await shutdown(1);
}

/** Imports the demo portfolio through the import CLI (the same as `npm run demo`); true when it went through. */
async function loadDemoPortfolio(commandApi: string, apiKey: string | undefined): Promise<boolean> {
  step('demo portfolio: importing 580 purchases through the import CLI');
  const cli = join(REPO_ROOT, 'services', 'command-api', 'src', 'cli', 'import.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--demo', '--url', commandApi, ...(apiKey ? ['--api-key', apiKey] : [])], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code === 0;
}

/** The fake's "now": the last day of the price files. */
function lastPriceDay(): string {
  return [...loadPriceHistory(HISTORY_COINS[0]!.id)!.keys()].at(-1)!;
}

/** Warnings and errors from the services' JSON logs, one line each, so problems are not hidden in files. */
function surfaceProblems(service: ServiceName, line: string) {
  try {
    const entry = JSON.parse(line) as { level?: string; msg?: string };
    if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal') {
      say(`  [${service}] ${entry.level}: ${entry.msg ?? line}`);
    }
  } catch {
    if (line.trim()) say(`  [${service}] ${line}`);
  }
}
