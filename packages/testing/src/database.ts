import { randomBytes } from 'node:crypto';
import { describeCluster, type Cluster, type ClusterSettings, type RoleName } from '@crypto-invest/db';
import pg from 'pg';

export const TEMPLATE_DATABASE = 'crypto_template';

export interface TestDatabase {
  name: string;
  cluster: Cluster;
  /** URL for a role, on the primary (default) or the replica. */
  url(role: RoleName, server?: 'primary' | 'replica'): string;
  /** A superuser client on the primary, for arranging and inspecting state. */
  admin: pg.Client;
  /** Resolves once the replica has replayed everything the primary had written when called. */
  replicaCaughtUp(timeoutMs?: number): Promise<void>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file, cloned from the run's template on
 * the primary (and so present on the replica too). Tests never share rows.
 */
export async function createTestDatabase(settings: ClusterSettings): Promise<TestDatabase> {
  const cluster = describeCluster(settings);
  const name = `test_${randomBytes(5).toString('hex')}`;
  const server = new pg.Client({ connectionString: cluster.url('admin', { database: 'postgres' }) });
  await server.connect();
  await server.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE} OWNER crypto_owner`);
  await server.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  await server.query(`GRANT CONNECT ON DATABASE ${name} TO crypto_command, crypto_projector, crypto_query`);
  await server.end();

  const admin = new pg.Client({ connectionString: cluster.url('admin', { database: name }) });
  await admin.connect();
  admin.on('error', () => undefined);

  const replicaCaughtUp = async (timeoutMs = 10_000) => {
    const { rows } = await admin.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    const target = rows[0]!.lsn;
    const replica = new pg.Client({ connectionString: cluster.url('admin', { database: 'postgres', server: 'replica' }) });
    await replica.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows: r } = await replica.query<{ done: boolean }>(
          'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done',
          [target],
        );
        if (r[0]!.done) return;
        if (Date.now() > deadline) throw new Error(`replica did not reach ${target} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      await replica.end();
    }
  };

  await replicaCaughtUp();

  return {
    name,
    cluster,
    admin,
    url: (role, where = 'primary') => cluster.url(role, { database: name, server: where }),
    replicaCaughtUp,
    async drop() {
      await admin.end().catch(() => undefined);
      const c = new pg.Client({ connectionString: cluster.url('admin', { database: 'postgres' }) });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
