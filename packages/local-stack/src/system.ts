import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '@crypto-invest/db';
import { spawnNodeProcess, stopProcess, waitHealthy, type ManagedProcess } from './processes.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'command-api' | 'query-api' | 'projector' | 'dashboard';
export const SERVICE_ORDER: ServiceName[] = ['projector', 'command-api', 'query-api', 'dashboard'];

export interface SystemPorts {
  'command-api': number;
  'query-api': number;
  projector: number;
  dashboard: number;
}

export const DEFAULT_PORTS: SystemPorts = { 'command-api': 8000, 'query-api': 8001, projector: 8002, dashboard: 8501 };

export interface SystemOptions {
  cluster: Cluster;
  /** Database name on the cluster (default crypto_invest). */
  database?: string;
  ports?: SystemPorts;
  /** API keys the services accept (the first is given to the dashboard server). */
  apiKeys: string[];
  /** AUTH=disabled for a trusted local setup (the seed's clients send no key). */
  authDisabled?: boolean;
  /** CoinGecko (or the local fake) base URL; the services' default when unset. */
  coingeckoBaseUrl?: string;
  /** Extra environment for every service (LOG_LEVEL, ...) or per service. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Folder for the services' log files. */
  logDir: string;
  only?: ServiceName[];
  onLine?: (service: ServiceName, line: string) => void;
  /**
   * `source` (default): each service's src/index.ts under tsx. `bundle`: its production
   * bundle, services/<name>/dist/index.js (`npm run build`), with plain node, as the
   * container images run it (no TypeScript loader in the process: memory as deployed).
   */
  runtime?: 'source' | 'bundle';
  /** Options for node itself per service (e.g. `--cpu-prof --cpu-prof-dir=…` to profile one). */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
}

export interface RunningSystem {
  urls: Record<ServiceName, string>;
  processes: Map<ServiceName, ManagedProcess>;
  /** Starts one service again (after it was stopped or killed). */
  restart(name: ServiceName): Promise<void>;
  stopService(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** Each service's environment: the one place that wires the services to each other and to the cluster. */
export function serviceEnvironment(name: ServiceName, options: SystemOptions): Record<string, string> {
  const ports = options.ports ?? DEFAULT_PORTS;
  const database = options.database;
  const url = (base: string) => `http://127.0.0.1:${base}`;
  const auth: Record<string, string> = options.authDisabled ? { AUTH: 'disabled' } : { API_KEYS: options.apiKeys.join(',') };
  const prices: Record<string, string> = options.coingeckoBaseUrl ? { COINGECKO_BASE_URL: options.coingeckoBaseUrl } : {};
  const common = { HOST: '127.0.0.1', NODE_ENV: 'development', ...options.env };
  // V8 lets the old generation grow to ~4× the live heap before a full collection on a
  // machine with memory to spare; the projector's and query API's live heaps are ~25 MB,
  // so a 256 MB limit (and 8 MB semi-spaces) keeps their peak RSS under 150 MB at no
  // measurable cost in throughput (packages/bench). docker-compose.yml sets the same.
  const heap = { NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=8' };
  // The dashboard's pages may call the APIs from the browser, wherever the dashboard listens.
  const cors = { CORS_ORIGINS: [url(String(ports.dashboard)), `http://localhost:${ports.dashboard}`].join(',') };
  const db = (role: 'command' | 'projector' | 'query', server: 'primary' | 'replica' = 'primary') =>
    options.cluster.url(role, { server, ...(database ? { database } : {}) });
  const own: Record<ServiceName, Record<string, string>> = {
    'command-api': {
      PORT: String(ports['command-api']),
      DATABASE_URL: db('command'),
      QUERY_API_PUBLIC_URL: url(String(ports['query-api'])),
      ...auth,
      ...prices,
      ...cors,
    },
    'query-api': {
      PORT: String(ports['query-api']),
      REPLICA_URLS: db('query', 'replica'),
      PRIMARY_URL: db('query'),
      ...prices,
      ...cors,
      ...heap,
    },
    projector: {
      PORT: String(ports.projector),
      DATABASE_URL: db('projector'),
      ...auth,
      ...heap,
    },
    dashboard: {
      PORT: String(ports.dashboard),
      COMMAND_API_URL: url(String(ports['command-api'])),
      QUERY_API_URL: url(String(ports['query-api'])),
      PROJECTOR_URL: url(String(ports.projector)),
      ...(options.authDisabled ? {} : { DASHBOARD_API_KEY: options.apiKeys[0] ?? '' }),
      // The coin picker's search.
      ...prices,
    },
  };
  return { ...common, ...own[name], ...options.serviceEnv?.[name] };
}

/** Starts the services (projector first), each waited for until its /health answers. */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const ports = options.ports ?? DEFAULT_PORTS;
  const names = SERVICE_ORDER.filter((n) => !options.only || options.only.includes(n));
  const urls = Object.fromEntries(SERVICE_ORDER.map((n) => [n, `http://127.0.0.1:${ports[n]}`])) as Record<ServiceName, string>;
  const processes = new Map<ServiceName, ManagedProcess>();

  const start = async (name: ServiceName) => {
    const bundle = options.runtime === 'bundle';
    const proc = spawnNodeProcess({
      name,
      entry: join(REPO_ROOT, 'services', name, ...(bundle ? ['dist', 'index.js'] : ['src', 'index.ts'])),
      tsx: !bundle,
      nodeArgs: options.nodeArgs?.[name] ?? [],
      cwd: REPO_ROOT,
      env: serviceEnvironment(name, options),
      logFile: join(options.logDir, `${name}.log`),
      onLine: (line) => options.onLine?.(name, line),
    });
    processes.set(name, proc);
    await waitHealthy(`${urls[name]}/health`, proc);
  };

  const stop = async () => {
    await Promise.all([...processes.values()].map((p) => stopProcess(p)));
  };

  try {
    for (const name of names) await start(name);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    urls,
    processes,
    restart: (name) => start(name),
    async stopService(name, signal = 'SIGTERM') {
      const proc = processes.get(name);
      if (!proc) return;
      if (signal === 'SIGTERM') await stopProcess(proc);
      else {
        proc.child.kill(signal);
        await proc.exited;
      }
    },
    stop,
  };
}
