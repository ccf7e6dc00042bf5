import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLUSTER_SCRIPT, clusterDown, clusterUp, migrate, type Cluster, type ClusterSettings } from '@crypto-invest/db';
import pg from 'pg';
import { freePort } from './ports.ts';

/**
 * PostgreSQL servers a test controls itself: a private primary + replica (for tests
 * that stop, delay or reconfigure servers, which must not disturb the run's shared
 * cluster), extra replicas made by the same db/cluster/init-replica.sh as the local
 * start, and pg_ctl start/stop — all through db/cluster/lib.sh, whose as_pg runs
 * PostgreSQL's programs as the postgres OS user when we are root.
 */

const CLUSTER_DIR = dirname(CLUSTER_SCRIPT);

export interface PgServer {
  name: string;
  dataDir: string;
  port: number;
}

export interface PrivateCluster {
  settings: ClusterSettings;
  cluster: Cluster;
  primary: PgServer;
  replica: PgServer;
  /** URL of a role on the cluster's database (crypto_invest), on the primary or a replica server. */
  url(role: Parameters<Cluster['url']>[0], server?: PgServer): string;
  /** A superuser query on a server (the primary by default). */
  admin(sql: string, server?: PgServer): Promise<pg.QueryResult>;
  /** Creates, starts and waits for another streaming replica (its own slot and port). */
  addReplica(name: string): Promise<PgServer>;
  stop(server: PgServer): Promise<void>;
  start(server: PgServer): Promise<void>;
  /** Resolves once `server` has replayed everything the primary had written when called. */
  caughtUp(server: PgServer, timeoutMs?: number): Promise<void>;
  /** Stops every server and deletes the folder. */
  down(): Promise<void>;
}

/** A migrated primary + streaming replica of its own, on free ports in a temporary folder. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'crypto-invest-private-'));
  const settings: ClusterSettings = { dir, primaryPort: await freePort(), replicaPort: await freePort() };
  const extra: PgServer[] = [];
  let cluster: Cluster;
  try {
    cluster = await clusterUp(settings);
    await migrate(cluster.url('owner'));
  } catch (error) {
    await clusterDown(settings).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const primary: PgServer = { name: 'primary', dataDir: join(dir, 'primary'), port: settings.primaryPort };
  const replica: PgServer = { name: 'replica', dataDir: join(dir, 'replica'), port: settings.replicaPort };
  const env = { CLUSTER_DIR: dir, SOCK: join(dir, 'run'), LOGS: join(dir, 'logs') };

  const url = (role: Parameters<Cluster['url']>[0], server: PgServer = primary) =>
    cluster.url(role).replace(`:${settings.primaryPort}/`, `:${server.port}/`);

  const admin = async (sql: string, server: PgServer = primary) => {
    const client = new pg.Client({ connectionString: url('admin', server) });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };

  const start = (server: PgServer) =>
    runWithLib(
      `as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOGS/$NAME.log" -o "-p $PORT -k $SOCK" -w -t 60 start >/dev/null`,
      { ...env, DATA: server.dataDir, NAME: server.name, PORT: String(server.port) },
    );
  const stop = (server: PgServer) =>
    runWithLib(`as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null`, { ...env, DATA: server.dataDir });

  const caughtUp = async (server: PgServer, timeoutMs = 15_000) => {
    const { rows } = await admin('select pg_current_wal_lsn()::text as lsn');
    const target = rows[0].lsn as string;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await admin(`select coalesce(pg_last_wal_replay_lsn() >= '${target}'::pg_lsn, false) as done`, server).catch(() => undefined);
      if (r?.rows[0]?.done) return;
      if (Date.now() > deadline) throw new Error(`${server.name} did not replay up to ${target} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const addReplica = async (name: string) => {
    const server: PgServer = { name, dataDir: join(dir, name), port: await freePort() };
    const secrets = cluster.secrets;
    // The same steps as cluster.sh's init_replica: init-replica.sh (pg_basebackup with its own slot), then sockets and address.
    await runWithLib(
      `own_dir "$DATA"
       REPLICA_DATA="$DATA" PRIMARY_HOST=127.0.0.1 PRIMARY_PORT="$PRIMARY_PORT" REPLICA_PORT="$PORT" SLOT_NAME="$SLOT" \\
         REPLICATION_PASSWORD="$REPLICATION_PASSWORD" PG_BIN="$PG_BIN" bash -c ". '$CLUSTER_SCRIPTS/lib.sh'; . '$CLUSTER_SCRIPTS/init-replica.sh'" >"$LOGS/$NAME-basebackup.log" 2>&1
       printf "listen_addresses = '127.0.0.1'\\nunix_socket_directories = '%s'\\n" "$SOCK" >>"$DATA/postgresql.conf"`,
      {
        ...env,
        DATA: server.dataDir,
        NAME: name,
        PORT: String(server.port),
        PRIMARY_PORT: String(settings.primaryPort),
        SLOT: name.replace(/[^a-z0-9_]/g, '_'),
        REPLICATION_PASSWORD: secrets.REPLICATION_PASSWORD ?? '',
      },
    );
    await start(server);
    extra.push(server);
    await caughtUp(server);
    return server;
  };

  return {
    settings,
    cluster,
    primary,
    replica,
    url,
    admin,
    addReplica,
    start,
    stop,
    caughtUp,
    async down() {
      try {
        for (const server of extra) await stop(server).catch(() => undefined);
        await clusterDown(settings);
      } finally {
        if (!process.env.KEEP_TEST_CLUSTER) await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Runs a bash snippet with db/cluster/lib.sh sourced and PG_BIN found, failing with its output. */
function runWithLib(script: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail; . "$CLUSTER_SCRIPTS/lib.sh"; PG_BIN=$(find_pg_bin); ${script}`], {
      env: { ...process.env, ...env, CLUSTER_SCRIPTS: CLUSTER_DIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`cluster command failed (${code}): ${output.trim()}`))));
  });
}
