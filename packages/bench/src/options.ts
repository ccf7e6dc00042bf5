import { cpus } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { MeasuredService } from './result.ts';

export type BenchMode = 'full' | 'quick' | 'smoke';

/** How long and how big each part of a run is. */
export interface BenchPlan {
  mode: BenchMode;
  /** Seconds of each measured load run. */
  measureSeconds: number;
  /** Seconds of load before a measured run (JIT, pools, caches); 0 = one request only. */
  warmupSeconds: number;
  /** Investments in the table at each flat-cost step, ascending. */
  sizes: number[];
  writeConnections: number[];
  readConnections: number;
  /**
   * Connections for the seed design's aggregate: two per CPU keep every core busy; at 32 its
   * aggregates only queue (a million-row aggregate at 32 connections waits ~16 aggregates'
   * time), and a run shorter than the queue counts almost none of them.
   */
  seedConnections: number;
  freshnessWritesPerSecond: number;
  freshnessSeconds: number;
}

const SEED_CONNECTIONS = 2 * cpus().length;

export const PLANS: Record<BenchMode, BenchPlan> = {
  // ≤ 10 min on 2 shared cores.
  full: {
    mode: 'full',
    measureSeconds: 6,
    warmupSeconds: 2,
    sizes: [10_000, 100_000, 1_000_000],
    writeConnections: [1, 8, 32, 64],
    readConnections: 32,
    seedConnections: SEED_CONNECTIONS,
    freshnessWritesPerSecond: 200,
    freshnessSeconds: 10,
  },
  // ≤ 2 min: the same measurements, shorter, sizes 1k / 10k / 100k (the same 100× span as 10k → 1M).
  quick: {
    mode: 'quick',
    measureSeconds: 2,
    warmupSeconds: 1,
    sizes: [1_000, 10_000, 100_000],
    writeConnections: [1, 8, 32, 64],
    readConnections: 32,
    seedConnections: SEED_CONNECTIONS,
    freshnessWritesPerSecond: 200,
    freshnessSeconds: 4,
  },
  // Seconds, tiny sizes: proves every part runs and the JSON is complete (the test uses it).
  smoke: {
    mode: 'smoke',
    measureSeconds: 1,
    warmupSeconds: 0,
    sizes: [100, 1_000],
    writeConnections: [1, 8, 32, 64],
    readConnections: 32,
    seedConnections: SEED_CONNECTIONS,
    freshnessWritesPerSecond: 100,
    freshnessSeconds: 1,
  },
};

/** Where the services are when the bench does not start its own (`--use-running`). */
export interface RunningSystemOptions {
  commandUrl: string;
  queryUrl: string;
  projectorUrl: string;
  apiKey: string;
  /** The cluster's folder (secrets.env with every role's password). */
  clusterDir: string;
  primaryPort: number;
  replicaPort: number;
  database: string;
}

export interface BenchOptions {
  plan: BenchPlan;
  /** Absolute path of the JSON file, if asked for. */
  jsonFile: string | undefined;
  running: RunningSystemOptions | undefined;
  /** Services run under `node --cpu-prof` (private system only); summaries are printed and kept in the JSON. */
  profile: MeasuredService[];
  profileDir: string;
  logLevel: string;
  /** `bundle`: the services' production bundles with plain node, as deployed; `source`: src/index.ts under tsx. */
  runtime: 'bundle' | 'source';
  help: boolean;
}

export const USAGE = `npm run bench [-- options]

  --quick              the same measurements, shorter (≤ 2 min), sizes 1k / 10k / 100k
  --smoke              seconds and tiny sizes: checks that everything runs (the test uses it)
  --json FILE          write every figure with its reference to FILE
  --profile SERVICES   run these services under node --cpu-prof (comma-separated: command-api,query-api,projector)
                       and print where their time went; profiles are kept in --profile-dir (default ./bench-results/profiles)
  --log-level LEVEL    the services' LOG_LEVEL (default warn: no access log lines)
  --runtime RUNTIME    bundle (default): the services' production bundles (built first, npm run build) with plain
                       node, as the images run them; source: src/index.ts under tsx (profiles name .ts files)

Against a running system instead of a private one (it writes investments into that database):
  --use-running        with --command-url, --query-url, --projector-url (defaults: npm start's ports 8000/8001/8002),
                       --api-key (default: npm start's key file), --cluster-dir (default: npm start's .data/cluster),
                       --primary-port / --replica-port (default 55432 / 55433), --database (default crypto_invest)`;

const SERVICES: MeasuredService[] = ['command-api', 'query-api', 'projector'];

/**
 * Reads the command line. Relative paths are taken from where `npm run` was typed
 * (INIT_CWD), not from the package folder npm runs the script in.
 */
export function parseBenchOptions(argv: string[], cwd: string, defaults: { apiKey: () => string; clusterDir: string }): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      json: { type: 'string' },
      profile: { type: 'string' },
      'profile-dir': { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      runtime: { type: 'string', default: 'bundle' },
      'use-running': { type: 'boolean', default: false },
      'command-url': { type: 'string', default: 'http://127.0.0.1:8000' },
      'query-url': { type: 'string', default: 'http://127.0.0.1:8001' },
      'projector-url': { type: 'string', default: 'http://127.0.0.1:8002' },
      'api-key': { type: 'string' },
      'cluster-dir': { type: 'string' },
      'primary-port': { type: 'string', default: '55432' },
      'replica-port': { type: 'string', default: '55433' },
      database: { type: 'string', default: 'crypto_invest' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.quick && values.smoke) throw new Error('give --quick or --smoke, not both');
  const mode: BenchMode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  const path = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));

  const profile = (values.profile ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => {
      if (!SERVICES.includes(name as MeasuredService)) throw new Error(`--profile: unknown service ${name} (one of ${SERVICES.join(', ')})`);
      return name as MeasuredService;
    });
  if (profile.length && values['use-running']) throw new Error('--profile needs the private system (it starts the services under --cpu-prof); leave out --use-running');

  const port = (text: string, flag: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${flag}: not a port: ${text}`);
    return n;
  };
  const running: RunningSystemOptions | undefined = values['use-running']
    ? {
        commandUrl: values['command-url'].replace(/\/+$/, ''),
        queryUrl: values['query-url'].replace(/\/+$/, ''),
        projectorUrl: values['projector-url'].replace(/\/+$/, ''),
        apiKey: values['api-key'] ?? defaults.apiKey(),
        clusterDir: values['cluster-dir'] ? path(values['cluster-dir']) : defaults.clusterDir,
        primaryPort: port(values['primary-port'], 'primary-port'),
        replicaPort: port(values['replica-port'], 'replica-port'),
        database: values.database,
      }
    : undefined;

  if (values.runtime !== 'bundle' && values.runtime !== 'source') throw new Error(`--runtime: bundle or source, not ${values.runtime}`);

  return {
    plan: PLANS[mode],
    jsonFile: values.json ? path(values.json) : undefined,
    running,
    profile,
    profileDir: path(values['profile-dir'] ?? 'bench-results/profiles'),
    logLevel: values['log-level'],
    runtime: values.runtime,
    help: values.help,
  };
}
