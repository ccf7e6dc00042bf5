// `npm start`: the whole system on this machine. Boots the PostgreSQL primary +
// streaming replica (db/cluster), applies migrations, starts the four services,
// waits until each is healthy and prints where everything is. Ctrl-C / SIGTERM
// stops every process it started, PostgreSQL included.
import { createServer } from 'node:net';
import { env, loadConfig, z } from '@crypto-invest/config';
import { clusterDown, clusterUp, migrate, type ClusterSettings } from '@crypto-invest/db';
import { CLUSTER_DIR, DATA_DIR, LOG_DIR, localApiKey } from '../local-data.ts';
import { buildIfNeeded } from '../build.ts';
import { startSystem, type RunningSystem, type ServiceName } from '../system.ts';

const settings = loadConfig(
  z.object({
    PRIMARY_PORT: env.port(55432),
    REPLICA_PORT: env.port(55433),
    COMMAND_API_PORT: env.port(8000),
    QUERY_API_PORT: env.port(8001),
    PROJECTOR_PORT: env.port(8002),
    DASHBOARD_PORT: env.port(8501),
    API_KEYS: z.string().optional(),
    AUTH: env.auth(),
    COINGECKO_BASE_URL: z.url().optional(),
    LOG_LEVEL: env.logLevel(),
  }),
  process.env,
);

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
let clusterStarted = false;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say('\nstopping…');
  if (system) await system.stop();
  if (clusterStarted) await clusterDown(cluster).catch((e: Error) => say(`  could not stop PostgreSQL: ${e.message}`));
  say('stopped: services and PostgreSQL are down.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

try {
  say('crypto-invest: starting the local system');
  for (const [name, port] of Object.entries(ports)) {
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

  step('services: projector, command API, query API, dashboard');
  system = await startSystem({
    cluster: running,
    ports,
    apiKeys,
    authDisabled,
    ...(settings.COINGECKO_BASE_URL ? { coingeckoBaseUrl: settings.COINGECKO_BASE_URL } : {}),
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

  const rows: Array<[string, string, string]> = [
    ['dashboard', system.urls.dashboard, 'the web app'],
    ['command API', system.urls['command-api'], `writes · docs ${system.urls['command-api']}/docs`],
    ['query API', system.urls['query-api'], `reads from the replica · docs ${system.urls['query-api']}/docs`],
    ['projector admin', system.urls.projector, 'statistics read model · /admin/status'],
    ['PostgreSQL primary', `postgres://127.0.0.1:${cluster.primaryPort}/crypto_invest`, 'takes every write'],
    ['PostgreSQL replica', `postgres://127.0.0.1:${cluster.replicaPort}/crypto_invest`, 'hot standby, streaming'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  say(`\ncrypto-invest is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const [name, url, what] of rows) say(`  ${name.padEnd(w0)}  ${url.padEnd(w1)}  ${what}`);
  say('');
  if (keyNote) say(`  ${keyNote}`);
  say(`  logs: ${LOG_DIR}/<service>.log · database passwords: ${CLUSTER_DIR}/secrets.env`);
  say('\nPress Ctrl-C to stop everything.');
} catch (error) {
  say(`\nnpm start failed: ${(error as Error).message}`);
  await shutdown(1);
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
