import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, type Cluster, type ClusterSettings } from '@crypto-invest/db';
import { freePort, waitFor } from '@crypto-invest/testing';
// Brings in the harness's ProvidedContext typing, which @crypto-invest/testing's index relies on.
import type {} from '@crypto-invest/testing/global-setup';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './compose.ts';

// pg-replica's entry point, run here as docker would run it (as root when the tests are,
// PostgreSQL programs on the PATH) against a real primary made by the local cluster scripts:
// it must clone the primary with init-replica.sh and run as a streaming hot standby.
const SCRIPTS = join(REPO_ROOT, 'db', 'cluster');
const PG_BIN = spawnSync('bash', ['-c', `. '${SCRIPTS}/lib.sh'; find_pg_bin`], { encoding: 'utf8' }).stdout.trim();

describe('db/cluster/replica-entrypoint.sh (the pg-replica container)', { timeout: 120_000 }, () => {
  let settings: ClusterSettings;
  let cluster: Cluster;
  let port: number;
  let pgdata: string;
  let primary: pg.Client;
  let running: { child: ChildProcess; output: () => string; exited: Promise<number | null> } | undefined;

  const startEntrypoint = () => {
    const child = spawn('bash', [join(SCRIPTS, 'replica-entrypoint.sh'), 'postgres', '-c', 'listen_addresses=127.0.0.1', '-p', String(port), '-k', join(settings.dir, 'run')], {
      env: {
        PATH: `${PG_BIN}:${process.env.PATH}`,
        PGDATA: pgdata,
        PRIMARY_HOST: '127.0.0.1',
        PRIMARY_PORT: String(settings.primaryPort),
        REPLICATION_PASSWORD: cluster.secrets.REPLICATION_PASSWORD!,
        SLOT_NAME: 'docker_replica',
        PRIMARY_WAIT_SECONDS: '20',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    running = { child, output: () => output, exited };
    return running;
  };
  const stopEntrypoint = async () => {
    if (!running) return;
    // SIGINT: PostgreSQL's fast shutdown (the image's STOPSIGNAL), to the whole process group.
    if (running.child.exitCode === null) process.kill(-running.child.pid!, 'SIGINT');
    await running.exited;
    running = undefined;
  };
  const standby = async () => {
    const client = new pg.Client({ connectionString: cluster.url('admin', { database: 'crypto_invest' }).replace(`:${settings.primaryPort}/`, `:${port}/`) });
    await client.connect();
    return client;
  };
  const standbyState = async () => {
    const client = await standby();
    try {
      const { rows } = await client.query<{ in_recovery: boolean; status: string | null; probes: number }>(
        `select pg_is_in_recovery() as in_recovery, (select status from pg_stat_wal_receiver) as status,
                (select count(*)::int from docker_probe) as probes`,
      );
      return rows[0]!;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crypto-invest-entrypoint-'));
    settings = { dir, primaryPort: await freePort(), replicaPort: await freePort() };
    cluster = await clusterUp(settings);
    port = await freePort();
    pgdata = join(dir, 'docker-replica-data');
    primary = new pg.Client({ connectionString: cluster.url('admin') });
    await primary.connect();
    await primary.query('create table docker_probe (id int primary key, note text not null)');
    await primary.query(`insert into docker_probe select i, 'before the replica existed ' || i from generate_series(1, 100) i`);
  });

  afterAll(async () => {
    await stopEntrypoint();
    await primary?.end().catch(() => undefined);
    if (settings) {
      await clusterDown(settings).catch(() => undefined);
      if (!process.env.KEEP_TEST_CLUSTER) await rm(settings.dir, { recursive: true, force: true });
    }
  });

  it('clones an empty data folder from the primary and runs it as a streaming hot standby', async () => {
    const proc = startEntrypoint();
    const state = await waitFor(
      async () => {
        const current = await standbyState();
        return current.status === 'streaming' ? current : undefined;
      },
      { timeoutMs: 60_000, what: `the standby on :${port}\n${proc.output()}` },
    );
    expect(state).toEqual({ in_recovery: true, status: 'streaming', probes: 100 });
    expect(proc.output()).toMatch(/waiting for the primary 127\.0\.0\.1/);
    expect(proc.output()).toMatch(/replica data folder ready .* \(slot docker_replica\)/);
    expect(proc.output()).toMatch(/starting PostgreSQL \(hot standby\)/);

    await primary.query(`insert into docker_probe values (101, 'written while it streams')`);
    await waitFor(async () => (await standbyState()).probes === 101, { timeoutMs: 10_000, what: 'row 101 on the standby' });
    const { rows } = await primary.query("select active from pg_replication_slots where slot_name = 'docker_replica'");
    expect(rows).toEqual([{ active: true }]);

    const client = await standby();
    await expect(client.query("insert into docker_probe values (102, 'no')")).rejects.toThrow(/read-only transaction/);
    await client.end();
  });

  it('keeps its data folder private and owned by the postgres user', async () => {
    const info = await stat(pgdata);
    expect(info.mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      expect(info.uid).toBe(uid);
    }
  });

  it('starts an existing standby as it is on the next start, and it catches up', async () => {
    await stopEntrypoint();
    await primary.query(`insert into docker_probe select i, 'while it was stopped' from generate_series(102, 150) i`);
    const proc = startEntrypoint();
    await waitFor(async () => {
      const state = await standbyState();
      return state.status === 'streaming' && state.probes === 150;
    }, { timeoutMs: 60_000, what: `the restarted standby\n${proc.output()}` });
    expect(proc.output()).not.toMatch(/waiting for the primary|pg_basebackup|data folder ready/);
  });
});
