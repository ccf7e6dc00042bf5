import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, migrate, type Cluster, type ClusterSettings } from '@crypto-invest/db';
import { freePort } from '@crypto-invest/testing';
// Brings in the harness's ProvidedContext typing, which @crypto-invest/testing's index relies on.
import type {} from '@crypto-invest/testing/global-setup';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './system.ts';

// `npm run failover` on a private cluster (free ports, temporary folder): rows written before
// the failure — with the replica caught up — are all on the new primary, which takes writes,
// and the new replica streams from it. Twice: once with the primary running (the CLI stops
// it as in a crash), once with the primary already dead (SIGKILL).
const CLI = join(REPO_ROOT, 'packages', 'local-stack', 'src', 'cli', 'failover.ts');

interface Row {
  id: string;
  coin_name: string;
  amount: string;
  purchase_price_usd: string;
  total_value_usd: string;
}

// Each failover restarts servers and clones a replica: seconds here, more on a busy machine.
describe('npm run failover', { timeout: 120_000 }, () => {
  let dataDir: string;
  let settings: ClusterSettings;
  let cluster: Cluster;
  let servicePorts: Record<string, number>;
  let fakeCommandApi: Server;
  const written: Row[] = [];

  const connect = async (role: 'command' | 'admin', server: 'primary' | 'replica' = 'primary', database = 'crypto_invest') => {
    const client = new pg.Client({ connectionString: cluster.url(role, { server, database }) });
    await client.connect();
    return client;
  };
  const query = async <T extends pg.QueryResultRow>(sql: string, server: 'primary' | 'replica' = 'primary', role: 'command' | 'admin' = 'admin') => {
    const client = await connect(role, server);
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  /** Records investments as the command role, one transaction each, keeping what was committed. */
  const writeInvestments = async (count: number, label: string) => {
    const client = await connect('command');
    try {
      for (let i = 1; i <= count; i++) {
        const { rows } = await client.query<Row>(
          `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
           values ($1, $2, $3, now(), 'user')
           returning id::text, coin_name, amount::text, purchase_price_usd::text, total_value_usd::text`,
          [`${label}-coin`, `0.${String(i).padStart(18, '0')}`, `${i}.000000000000000001`],
        );
        written.push(rows[0]!);
      }
    } finally {
      await client.end();
    }
  };
  const replicaCaughtUp = async () => {
    const [{ lsn }] = (await query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')) as [{ lsn: string }];
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [{ done }] = (await query<{ done: boolean }>(`select coalesce(pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn, false) as done`, 'replica')) as [{ done: boolean }];
      if (done) return;
      if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${lsn} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const stored = () =>
    query<Row>('select id::text, coin_name, amount::text, purchase_price_usd::text, total_value_usd::text from investments order by investments.id');
  const timeline = async () => (await query<{ timeline_id: number }>('select timeline_id from pg_control_checkpoint()'))[0]!.timeline_id;
  const runFailover = (...args: string[]) =>
    new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          CRYPTO_INVEST_DATA_DIR: dataDir,
          PRIMARY_PORT: String(settings.primaryPort),
          REPLICA_PORT: String(settings.replicaPort),
          COMMAND_API_PORT: String(servicePorts.command),
          QUERY_API_PORT: String(servicePorts.query),
          PROJECTOR_PORT: String(servicePorts.projector),
          DASHBOARD_PORT: String(servicePorts.dashboard),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  const expectHealthyPair = async () => {
    expect(await query('select pg_is_in_recovery() as in_recovery')).toEqual([{ in_recovery: false }]);
    expect(await query("select state from pg_stat_replication where application_name = 'walreceiver'")).toEqual([{ state: 'streaming' }]);
    expect(await query('select pg_is_in_recovery() as in_recovery, status from pg_stat_wal_receiver', 'replica')).toEqual([
      { in_recovery: true, status: 'streaming' },
    ]);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crypto-invest-failover-'));
    // The postgres OS user (when the tests run as root) must reach the cluster folder inside.
    await chmod(dataDir, 0o755);
    await mkdir(join(dataDir, 'cluster'));
    settings = { dir: join(dataDir, 'cluster'), primaryPort: await freePort(), replicaPort: await freePort() };
    cluster = await clusterUp(settings);
    await migrate(cluster.url('owner'));
    servicePorts = { command: await freePort(), query: await freePort(), projector: await freePort(), dashboard: await freePort() };
    // Stands in for a running command API, so the report of the services is exercised.
    fakeCommandApi = createServer((req, res) => res.writeHead(req.url === '/ready' ? 200 : 404).end());
    await new Promise<void>((resolve) => fakeCommandApi.listen(servicePorts.command, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    if (fakeCommandApi) await new Promise((resolve) => fakeCommandApi.close(resolve));
    if (settings) {
      await clusterDown(settings).catch(() => undefined);
      if (!process.env.KEEP_TEST_CLUSTER) await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses, changing nothing, to stop a running primary without --yes when nobody can be asked', async () => {
    const { code, output } = await runFailover();
    expect(code).toBe(1);
    expect(output).toMatch(/npm run failover -- --yes/);
    expect(await timeline()).toBe(1);
    await expectHealthyPair();
  });

  it('promotes the replica when the primary is running: nothing committed before is missing, writes go on', async () => {
    await writeInvestments(120, 'before-first');
    await replicaCaughtUp();
    const before = await stored();
    expect(before).toEqual(written);

    const { code, output } = await runFailover('--yes');
    expect(output).toMatch(/losing the primary: immediate shutdown/);
    expect(output).toMatch(/the replica had received WAL up to \S+ \(\d+ bytes behind the primary's \S+\)/);
    expect(output).toMatch(/promoting the replica \(pg_promote\)/);
    expect(output).toMatch(new RegExp(`command-api\\s+http://127\\.0\\.0\\.1:${servicePorts.command}\\s+ready`));
    expect(output).toMatch(/query-api\s+\S+\s+not running/);
    expect(code).toBe(0);

    // The primary's port now serves the promoted replica (a new timeline), with every row.
    expect(await timeline()).toBe(2);
    expect(await stored()).toEqual(before);
    await writeInvestments(30, 'after-first');
    expect(await stored()).toEqual(written);
    await expectHealthyPair();
    await replicaCaughtUp();
    expect(await query('select count(*)::int as n from investments', 'replica')).toEqual([{ n: 150 }]);
    expect(readdirSync(settings.dir).filter((name) => name.startsWith('primary.lost-'))).toHaveLength(1);
  });

  it('promotes the replica when the primary died (SIGKILL), and can do it again and again', async () => {
    await writeInvestments(50, 'before-second');
    await replicaCaughtUp();
    const before = await stored();
    const postmaster = Number(readFileSync(join(settings.dir, 'primary', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');

    const { code, output } = await runFailover();
    expect(output).toMatch(/the primary is not running: it is treated as lost/);
    expect(code).toBe(0);
    expect(await timeline()).toBe(3);
    expect(await stored()).toEqual(before);
    await writeInvestments(10, 'after-second');
    expect(await stored()).toEqual(written);
    expect(written).toHaveLength(210);
    await expectHealthyPair();
  });

  it('leaves a cluster that `cluster.sh down` and `up` (npm start) handle as usual', async () => {
    await clusterDown(settings);
    await clusterUp(settings);
    await expectHealthyPair();
    expect(await stored()).toEqual(written);
    expect(existsSync(join(settings.dir, 'replica', 'standby.signal'))).toBe(true);
  });

  it('says so when there is no cluster to fail over', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'crypto-invest-no-cluster-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--yes'], { cwd: REPO_ROOT, env: { ...process.env, CRYPTO_INVEST_DATA_DIR: empty }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    await rm(empty, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(output).toMatch(/there is no local cluster in .*: start it with `npm start` first/);
  });
});
