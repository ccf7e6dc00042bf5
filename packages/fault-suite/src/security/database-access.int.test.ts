import { freshDatabase, type TestDatabase } from '@crypto-invest/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The database's doors: scram-sha-256 for every password login (the one exception, the
// bootstrap superuser over the Unix socket, is OS authentication — see below), and each
// service role holding exactly the table privileges its service needs, no more.

const SERVICE_ROLES = ['crypto_command', 'crypto_projector', 'crypto_query'] as const;
type Role = (typeof SERVICE_ROLES)[number];

/**
 * The whole grant matrix: table → privileges, per role. Anything a role holds beyond
 * this fails the test — a new grant is a decision to write down here, with its reason.
 */
const ALLOWED: Record<Role, Record<string, string[]>> = {
  // Records investments and events, answers Idempotency-Keys, stages CSV imports; voids by one column.
  crypto_command: {
    investments: ['SELECT', 'INSERT'],
    events: ['SELECT', 'INSERT'],
    idempotency_keys: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    import_rows: ['SELECT', 'INSERT', 'DELETE'],
    mikro_orm_migrations: ['SELECT'],
  },
  // Reads the log; owns the read model.
  crypto_projector: {
    events: ['SELECT'],
    projections: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    projection_checkpoints: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    coin_stats: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    portfolio_totals: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    daily_coin_stats: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    coin_investment_times: ['SELECT', 'INSERT', 'DELETE'],
    projection_rebuilds: ['SELECT', 'INSERT', 'UPDATE'],
    mikro_orm_migrations: ['SELECT'],
  },
  // Reads history and the read model (on the replica, where nothing can be written anyway).
  crypto_query: {
    investments: ['SELECT'],
    projections: ['SELECT'],
    projection_checkpoints: ['SELECT'],
    coin_stats: ['SELECT'],
    portfolio_totals: ['SELECT'],
    daily_coin_stats: ['SELECT'],
    mikro_orm_migrations: ['SELECT'],
  },
};
const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

describe('database access', () => {
  let db: TestDatabase;
  const clients: pg.Client[] = [];
  const connect = async (role: 'command' | 'projector' | 'query') => {
    const client = new pg.Client({ connectionString: db.url(role) });
    await client.connect();
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await db.drop();
  });

  it.each(['primary', 'replica'] as const)('%s: every password login is scram-sha-256; only the bootstrap superuser has peer (OS) authentication on the Unix socket', async (server) => {
    const admin = new pg.Client({ connectionString: db.url('admin', server) });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ type: string; user_name: string[]; auth_method: string; error: string | null }>(
        `select type, user_name, auth_method, error from pg_hba_file_rules order by line_number`,
      );
      expect(rows.length).toBeGreaterThan(3);
      expect(rows.filter((r) => r.error !== null)).toEqual([]);
      const notScram = rows.filter((r) => r.auth_method !== 'scram-sha-256');
      // Peer authentication asks the kernel who the connecting OS user is (SO_PEERCRED): there is no
      // password to steal or guess, and only the OS user that owns the data folder passes — it could
      // read the data files anyway. cluster.sh needs it to bootstrap before any password exists.
      expect(notScram).toEqual([{ type: 'local', user_name: ['postgres'], auth_method: 'peer', error: null }]);
      expect((await admin.query('show password_encryption')).rows[0].password_encryption).toBe('scram-sha-256');
      const { rows: logins } = await admin.query<{ rolname: string; scram: boolean }>(
        `select rolname, coalesce(rolpassword like 'SCRAM-SHA-256$%', false) as scram from pg_authid where rolcanlogin order by 1`,
      );
      expect(logins.map((l) => l.rolname)).toEqual(['crypto_command', 'crypto_owner', 'crypto_projector', 'crypto_query', 'postgres', 'replicator']);
      expect(logins.filter((l) => !l.scram)).toEqual([]);
    } finally {
      await admin.end();
    }
  });

  it('refuses a wrong password', async () => {
    const url = new URL(db.url('command'));
    url.password = 'not-the-password';
    const client = new pg.Client({ connectionString: url.toString() });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('gives the service roles no power beyond their tables', async () => {
    const { rows } = await db.admin.query(
      `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls from pg_roles where rolname = any($1) order by 1`,
      [SERVICE_ROLES],
    );
    expect(rows).toEqual(SERVICE_ROLES.map((rolname) => ({ rolname, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false })));
    for (const role of ['command', 'projector', 'query'] as const) {
      const client = await connect(role);
      await expect(client.query('create table intruder (id int)')).rejects.toThrow(/permission denied/);
      await expect(client.query('create temp table intruder (id int)')).rejects.toThrow(/permission denied/);
    }
  });

  it('grants each service role exactly the table privileges it needs', async () => {
    const { rows: tables } = await db.admin.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'v', 'm') order by 1`,
    );
    const held: Record<string, Record<string, string[]>> = {};
    for (const role of SERVICE_ROLES) {
      held[role] = {};
      for (const { name } of tables) {
        const { rows } = await db.admin.query<{ privilege: string }>(
          `select p as privilege from unnest($3::text[]) p where has_table_privilege($1, format('public.%I', $2::text), p)`,
          [role, name, PRIVILEGES],
        );
        if (rows.length) held[role]![name] = rows.map((r) => r.privilege);
      }
    }
    expect(held).toEqual(ALLOWED);
    // Column grants: the command side may set voided_at and nothing else of an investment.
    const { rows: columns } = await db.admin.query<{ role: string; column_name: string }>(
      `select r as role, column_name from unnest($1::text[]) r, information_schema.columns c
        where c.table_schema = 'public' and c.table_name = 'investments' and has_column_privilege(r, 'public.investments', c.column_name, 'UPDATE')
        order by 1, 2`,
      [SERVICE_ROLES],
    );
    expect(columns).toEqual([{ role: 'crypto_command', column_name: 'voided_at' }]);
  });

  it('the query role cannot write anything, nor read the log or the Idempotency-Keys', async () => {
    const query = await connect('query');
    for (const sql of [
      `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source) values ('bitcoin', 1, 1, now(), 'user')`,
      `update investments set voided_at = now()`,
      `delete from investments`,
      `insert into events (stream_id, stream_version, type, data) values ('x', 1, 'X', '{}')`,
      `update coin_stats set total_amount = 0`,
      `delete from portfolio_totals`,
      `update projection_checkpoints set events_applied = 0`,
      `update projections set active_generation = 2`,
      `truncate daily_coin_stats`,
      `select * from events`,
      `select * from idempotency_keys`,
    ]) {
      await expect(query.query(sql), sql).rejects.toThrow(/permission denied/);
    }
  });

  it('the command role cannot touch the read model, rewrite an investment or the log', async () => {
    const command = await connect('command');
    for (const sql of [
      'select * from coin_stats',
      'update coin_stats set total_amount = 0',
      'insert into portfolio_totals values (9, 0, 0, 0)',
      'delete from daily_coin_stats',
      'update projection_checkpoints set events_applied = 0',
      'update projections set active_generation = 2',
      'select * from coin_investment_times',
      'select * from projection_rebuilds',
      'update investments set amount = 2',
      'update investments set coin_name = $$x$$',
      'delete from investments',
      'update events set data = $${}$$',
      'delete from events',
      'truncate events',
    ]) {
      await expect(command.query(sql), sql).rejects.toThrow(/permission denied/);
    }
  });

  it('the projector cannot write investments or events, nor read the Idempotency-Keys', async () => {
    const projector = await connect('projector');
    for (const sql of [
      `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source) values ('bitcoin', 1, 1, now(), 'user')`,
      'update investments set voided_at = now()',
      'delete from investments',
      'select * from investments',
      `insert into events (stream_id, stream_version, type, data) values ('x', 1, 'X', '{}')`,
      'update events set type = $$X$$',
      'delete from events',
      'select * from idempotency_keys',
    ]) {
      await expect(projector.query(sql), sql).rejects.toThrow(/permission denied/);
    }
  });
});
