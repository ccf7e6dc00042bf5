import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one script that creates, starts and stops the local primary + replica. */
export const CLUSTER_SCRIPT = fileURLToPath(new URL('../cluster/cluster.sh', import.meta.url));
export const DATABASE_NAME = 'crypto_invest';

/** Database roles and the secret that holds each one's password. */
export const ROLES = {
  admin: { user: 'postgres', secret: 'ADMIN_PASSWORD' },
  owner: { user: 'crypto_owner', secret: 'OWNER_PASSWORD' },
  command: { user: 'crypto_command', secret: 'COMMAND_DB_PASSWORD' },
  projector: { user: 'crypto_projector', secret: 'PROJECTOR_DB_PASSWORD' },
  query: { user: 'crypto_query', secret: 'QUERY_DB_PASSWORD' },
  replicator: { user: 'replicator', secret: 'REPLICATION_PASSWORD' },
} as const;
export type RoleName = keyof typeof ROLES;

export interface ClusterSettings {
  /** Folder for data, sockets, logs and secrets. */
  dir: string;
  primaryPort: number;
  replicaPort: number;
}

export interface Cluster extends ClusterSettings {
  host: string;
  secrets: Record<string, string>;
  /** postgres:// URL for a role, on the primary or the replica. */
  url(role: RoleName, options?: { server?: 'primary' | 'replica'; database?: string }): string;
}

export function readSecrets(dir: string): Record<string, string> {
  const text = readFileSync(join(dir, 'secrets.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

export function describeCluster(settings: ClusterSettings): Cluster {
  const secrets = readSecrets(settings.dir);
  const host = '127.0.0.1';
  return {
    ...settings,
    host,
    secrets,
    url(role, { server = 'primary', database = DATABASE_NAME } = {}) {
      const { user, secret } = ROLES[role];
      const password = secrets[secret];
      if (!password) throw new Error(`no ${secret} in ${settings.dir}/secrets.env`);
      const port = server === 'primary' ? settings.primaryPort : settings.replicaPort;
      return `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
    },
  };
}

function runScript(command: 'up' | 'down' | 'status' | 'failover', settings: ClusterSettings, onOutput?: (line: string) => void) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [CLUSTER_SCRIPT, command], {
      env: {
        ...process.env,
        CLUSTER_DIR: settings.dir,
        PRIMARY_PORT: String(settings.primaryPort),
        REPLICA_PORT: String(settings.replicaPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // PostgreSQL must not get a terminal's Ctrl-C directly: the supervisor stops it in order.
      detached: true,
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (onOutput) for (const line of text.split('\n')) if (line.trim()) onOutput(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else {
        const error = new Error(output.trim() || `cluster.sh ${command} exited with ${code}`);
        (error as Error & { exitCode: number | null }).exitCode = code;
        reject(error);
      }
    });
  });
}

/** Creates what is missing and starts primary + replica; resolves once the replica streams. */
export async function clusterUp(settings: ClusterSettings, onOutput?: (line: string) => void): Promise<Cluster> {
  await runScript('up', settings, onOutput);
  return describeCluster(settings);
}

/** Stops replica then primary (fast shutdown: clean, no recovery needed on the next start). */
export async function clusterDown(settings: ClusterSettings, onOutput?: (line: string) => void): Promise<void> {
  await runScript('down', settings, onOutput);
}

export async function clusterStatus(settings: ClusterSettings): Promise<string> {
  return runScript('status', settings);
}

/**
 * Fails over: the primary is lost (stopped at once if it still runs), the replica is promoted
 * and becomes the primary on the primary's port, and a new replica is cloned from it on the
 * replica's port. The lost primary's data is kept in `<dir>/primary.lost-<time>`. Resolves
 * once the new replica streams; the output lines say what moved.
 */
export async function clusterFailover(settings: ClusterSettings, onOutput?: (line: string) => void): Promise<string> {
  return runScript('failover', settings, onOutput);
}
