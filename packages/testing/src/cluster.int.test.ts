import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freshDatabase, type TestDatabase } from './index.ts';

// The platform's promise: a real primary + streaming hot standby, per-service roles
// with only the rights they need, and writes on the primary readable on the replica.
describe('local primary + replica', () => {
  let db: TestDatabase;
  const clients: pg.Client[] = [];
  const connect = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
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

  it('writes through the command role on the primary and reads it back through the query role on the replica', async () => {
    const command = await connect(db.url('command'));
    const { rows } = await command.query<{ id: string }>(
      `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
       values ('ethereum', '0.197759759644370206', '151.6992135', '2019-01-07T14:00:00Z', 'user') returning id`,
    );
    await db.replicaCaughtUp();
    const query = await connect(db.url('query', 'replica'));
    const read = await query.query(
      'select coin_name, amount::text, purchase_price_usd::text, total_value_usd::text, "timestamp" from investments where id = $1',
      [rows[0]!.id],
    );
    expect(read.rows).toEqual([
      {
        coin_name: 'ethereum',
        amount: '0.197759759644370206',
        purchase_price_usd: '151.699213500000000000',
        // exact product, never rounded: 0.197759759644370206 × 151.6992135
        total_value_usd: '29.999999999999999953032981000000000000',
        timestamp: new Date('2019-01-07T14:00:00Z'),
      },
    ]);
  });

  it('runs the replica as a hot standby streaming from the primary', async () => {
    const replica = await connect(db.url('admin', 'replica'));
    const recovery = await replica.query('select pg_is_in_recovery() as in_recovery, status from pg_stat_wal_receiver');
    expect(recovery.rows).toEqual([{ in_recovery: true, status: 'streaming' }]);
    const primary = await connect(db.url('admin'));
    const senders = await primary.query("select state, sync_state from pg_stat_replication where application_name = 'walreceiver'");
    expect(senders.rows).toEqual([{ state: 'streaming', sync_state: 'async' }]);
    await expect(replica.query("create table nope (id int)")).rejects.toThrow(/read-only transaction/);
  });

  it('gives each service role only the rights it needs', async () => {
    const query = await connect(db.url('query'));
    await expect(
      query.query(`insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source) values ('bitcoin', 1, 1, now(), 'user')`),
    ).rejects.toThrow(/permission denied/);
    await expect(query.query('select * from events')).rejects.toThrow(/permission denied/);

    const command = await connect(db.url('command'));
    await expect(command.query('select * from coin_stats')).rejects.toThrow(/permission denied/);
    await expect(command.query(`update investments set amount = 2`)).rejects.toThrow(/permission denied/);
    await expect(command.query('delete from events')).rejects.toThrow(/permission denied/);

    const projector = await connect(db.url('projector'));
    await expect(projector.query(`insert into events (stream_id, stream_version, type, data) values ('x', 1, 'X', '{}')`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(projector.query('select count(*) from coin_stats')).resolves.toBeDefined();
  });

  it('stores amounts of 18 decimals and 20 integer digits, and prices far below one cent, exactly', async () => {
    const command = await connect(db.url('command'));
    const { rows } = await command.query(
      `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
       values ('shiba-inu', '99999999999999999999.999999999999999999', '0.000000000000000001', now(), 'user')
       returning amount::text, purchase_price_usd::text, total_value_usd::text`,
    );
    expect(rows[0]).toEqual({
      amount: '99999999999999999999.999999999999999999',
      purchase_price_usd: '0.000000000000000001',
      total_value_usd: '99.999999999999999999999999999999999999',
    });
    await expect(
      command.query(`insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source) values ('x', -1, 1, now(), 'user')`),
    ).rejects.toThrow(/violates check constraint/);
  });
});
