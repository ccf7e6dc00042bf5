import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clusterDown, clusterUp, describeCluster, migrate, type Cluster, type ClusterSettings } from '@crypto-invest/db';
import { startFakeCoinGecko } from '@crypto-invest/fake-coingecko';
import { REPO_ROOT, spawnNodeProcess, startSystem, stopProcess, waitHealthy, type ManagedProcess } from '@crypto-invest/local-stack';
import type { RunningSystemOptions } from '../options.ts';
import type { MeasuredService } from '../result.ts';
import type { Teardown } from '../teardown.ts';
import { freePort } from '@crypto-invest/testing';
import { pidListeningOn } from './process-memory.ts';

/** What the phases need to know about the system under test and the reference servers. */
export interface BenchSystem {
  kind: 'private' | 'running';
  commandUrl: string;
  queryUrl: string;
  projectorUrl: string;
  apiKey: string;
  /** Reference servers of the bench itself. */
  bareHonoUrl: string;
  seedStatsUrl: string;
  bareHonoPid: number;
  /** PostgreSQL URLs. */
  db: {
    /** Superuser on the primary (COPY load, checks). */
    primaryAdmin: string;
    /** Superuser on the replica (replay position). */
    replicaAdmin: string;
    /** The command role on the primary (pgbench: the same rights as the command API). */
    primaryCommand: string;
    /** The projector role on the primary (the rebuild's read-only reference). */
    primaryProjector: string;
    /** The query role on the replica (freshness: when a row is visible there). */
    replicaQuery: string;
  };
  servicePids(): Array<{ service: MeasuredService; pid: number }>;
  /** A private scratch folder (pgbench scripts and logs). */
  workDir: string;
}

export interface PrivateSystemOptions {
  logLevel: string;
  runtime: 'bundle' | 'source';
  /** Services to run under `--cpu-prof`, and where their profiles go. */
  profile: MeasuredService[];
  profileDir: string;
  say: (line: string) => void;
}

const REFERENCES = fileURLToPath(new URL('../references/', import.meta.url));
const SERVICES: MeasuredService[] = ['projector', 'command-api', 'query-api'];

/**
 * A primary + streaming replica of its own (db/cluster scripts, free ports, a temporary
 * folder), migrated; the local fake CoinGecko; the projector, command API and query API
 * as real processes (local-stack's startSystem); and the two reference servers. Each
 * part is registered with `teardown` before it starts.
 */
export async function startPrivateSystem(options: PrivateSystemOptions, teardown: Teardown): Promise<BenchSystem> {
  const dir = await mkdtemp(join(tmpdir(), 'crypto-invest-bench-'));
  teardown.add('the temporary folder', () => rm(dir, { recursive: true, force: true }));
  // A folder of its own, not inside `dir` (private to root): cluster.sh hands it to the postgres OS user.
  const clusterDir = await mkdtemp(join(tmpdir(), 'crypto-invest-bench-cluster-'));
  teardown.add('the cluster folder', () => rm(clusterDir, { recursive: true, force: true }));
  const settings: ClusterSettings = { dir: clusterDir, primaryPort: await freePort(), replicaPort: await freePort() };
  teardown.add('PostgreSQL (primary + replica)', () => clusterDown(settings));
  options.say(`  PostgreSQL primary :${settings.primaryPort} + replica :${settings.replicaPort} in ${settings.dir}`);
  const cluster = await clusterUp(settings);
  await migrate(cluster.url('owner'));

  if (options.runtime === 'bundle') {
    options.say('  building the production bundles of the services and of the reference servers (esbuild)');
    await buildBundles();
  }

  const fake = await startFakeCoinGecko(0);
  teardown.add('the fake CoinGecko', () => fake.close());

  const apiKey = `bench_${randomBytes(18).toString('base64url')}`;
  const ports = { 'command-api': await freePort(), 'query-api': await freePort(), projector: await freePort(), dashboard: await freePort() };
  const nodeArgs: Partial<Record<MeasuredService, string[]>> = {};
  for (const service of options.profile) {
    const folder = join(options.profileDir, service);
    // Only this run's profiles in it: the summary reads every file there.
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
    // Written when the process exits (SIGTERM → graceful shutdown → exit), i.e. at teardown.
    nodeArgs[service] = ['--cpu-prof', `--cpu-prof-dir=${folder}`];
  }
  options.say(`  services: projector :${ports.projector}, command API :${ports['command-api']}, query API :${ports['query-api']} (LOG_LEVEL=${options.logLevel})`);
  const system = await startSystem({
    cluster,
    ports,
    apiKeys: [apiKey],
    coingeckoBaseUrl: fake.url,
    env: { LOG_LEVEL: options.logLevel },
    serviceEnv: {
      // The write path is measured, not throttled: the per-key limit goes to its maximum (its check still runs).
      'command-api': { WRITE_RATE_LIMIT_PER_SECOND: '1000000', WRITE_RATE_LIMIT_BURST: '1000000' },
    },
    nodeArgs,
    logDir: join(dir, 'logs'),
    only: SERVICES,
    runtime: options.runtime,
  }).catch((error: Error) => {
    throw new Error(`${error.message} (service logs: ${join(dir, 'logs')})`);
  });
  teardown.add('the services', () => system.stop());

  const references = await startReferenceServers(cluster, dir, teardown, options.runtime);
  return {
    kind: 'private',
    commandUrl: system.urls['command-api'],
    queryUrl: system.urls['query-api'],
    projectorUrl: system.urls.projector,
    apiKey,
    ...references,
    db: databaseUrls(cluster),
    servicePids: () =>
      SERVICES.map((service) => ({ service, pid: system.processes.get(service)?.child.pid ?? 0 })).filter((p) => p.pid > 0),
    workDir: join(dir, 'work'),
  };
}

/** The system `npm start` (or anyone) runs; the bench adds its reference servers and a scratch folder. */
export async function useRunningSystem(options: RunningSystemOptions, teardown: Teardown): Promise<BenchSystem> {
  const cluster = describeCluster({ dir: options.clusterDir, primaryPort: options.primaryPort, replicaPort: options.replicaPort });
  for (const [name, url] of [
    ['command API', options.commandUrl],
    ['query API', options.queryUrl],
    ['projector', options.projectorUrl],
  ] as const) {
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
    if (!health?.ok) throw new Error(`the ${name} does not answer at ${url}/health (start it, or give --${name === 'projector' ? 'projector' : name.split(' ')[0]}-url)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'crypto-invest-bench-'));
  teardown.add('the temporary folder', () => rm(dir, { recursive: true, force: true }));
  // A running system's runtime is unknown: the references run as sources (their loader's memory shows in theirs).
  const references = await startReferenceServers(cluster, dir, teardown, 'source', options.database);
  const port = (url: string) => Number(new URL(url).port || 80);
  return {
    kind: 'running',
    commandUrl: options.commandUrl,
    queryUrl: options.queryUrl,
    projectorUrl: options.projectorUrl,
    apiKey: options.apiKey,
    ...references,
    db: databaseUrls(cluster, options.database),
    servicePids: () =>
      (
        [
          ['command-api', options.commandUrl],
          ['query-api', options.queryUrl],
          ['projector', options.projectorUrl],
        ] as const
      )
        .map(([service, url]) => ({ service, pid: pidListeningOn(port(url)) ?? 0 }))
        .filter((p) => p.pid > 0),
    workDir: join(dir, 'work'),
  };
}

function databaseUrls(cluster: Cluster, database?: string): BenchSystem['db'] {
  const on = (server: 'primary' | 'replica') => ({ server, ...(database ? { database } : {}) });
  return {
    primaryAdmin: cluster.url('admin', on('primary')),
    replicaAdmin: cluster.url('admin', on('replica')),
    primaryCommand: cluster.url('command', on('primary')),
    primaryProjector: cluster.url('projector', on('primary')),
    replicaQuery: cluster.url('query', on('replica')),
  };
}

const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLER = join(REPO_ROOT, 'packages', 'tooling', 'src', 'bundle-service.ts');
const run = promisify(execFile);

/**
 * The services' production bundles (what `npm run build` makes and the images run) and
 * the reference servers', by the same bundler, so both sides run the same way.
 */
async function buildBundles(): Promise<void> {
  const bundle = (cwd: string, args: string[] = []) =>
    run(process.execPath, ['--import', 'tsx', BUNDLER, ...args], { cwd }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`bundling in ${cwd} failed: ${error.stderr || error.message}`);
    });
  await Promise.all([
    ...SERVICES.map((service) => bundle(join(REPO_ROOT, 'services', service))),
    ...REFERENCE_ENTRIES.map((name) => bundle(BENCH_DIR, [`src/references/${name}.ts`, `dist/${name}.js`])),
  ]);
}

const REFERENCE_ENTRIES = ['bare-hono', 'seed-stats'] as const;

/** The bare Hono handler and the seed-design statistics endpoint, each a process of its own. */
async function startReferenceServers(
  cluster: Cluster,
  dir: string,
  teardown: Teardown,
  runtime: 'bundle' | 'source',
  database?: string,
): Promise<Pick<BenchSystem, 'bareHonoUrl' | 'seedStatsUrl' | 'bareHonoPid'>> {
  const start = async (name: (typeof REFERENCE_ENTRIES)[number], path: string, env: Record<string, string>) => {
    const port = await freePort();
    const proc: ManagedProcess = spawnNodeProcess({
      name,
      entry: runtime === 'bundle' ? join(BENCH_DIR, 'dist', `${name}.js`) : join(REFERENCES, `${name}.ts`),
      tsx: runtime === 'source',
      cwd: REPO_ROOT,
      env: { HOST: '127.0.0.1', PORT: String(port), ...env },
      logFile: join(dir, 'logs', `${name}.log`),
    });
    teardown.add(name, () => stopProcess(proc, 5_000));
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(`${url}${path}`, proc);
    return { url, pid: proc.child.pid ?? 0 };
  };
  const bare = await start('bare-hono', '/', {});
  const seed = await start('seed-stats', '/stats', {
    DATABASE_URL: cluster.url('query', { server: 'replica', ...(database ? { database } : {}) }),
  });
  return { bareHonoUrl: `${bare.url}/`, seedStatsUrl: `${seed.url}/stats`, bareHonoPid: bare.pid };
}
