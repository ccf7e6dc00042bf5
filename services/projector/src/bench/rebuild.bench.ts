// Rebuild throughput over a large event log (not part of `npm test`):
//   npm run bench:rebuild -w @crypto-invest/projector [-- --events 1000000 --batch 5000]
// Starts a private PostgreSQL primary + replica on free ports in a temporary folder,
// loads the log with INSERT … SELECT generate_series, lets the live projection catch
// up, then rebuilds into a new generation and checks the result against the SQL
// aggregate. Prints the figures next to a reference measured in the same run: reading
// the whole log in the same batches without applying anything.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterDown, clusterUp, migrate } from '@crypto-invest/db';
import { createLogger } from '@crypto-invest/logger';
import { createPool, withTransaction } from '@crypto-invest/postgres';
import { freePort } from '@crypto-invest/testing';
import pg from 'pg';
import { readEventsAfter } from '../event-log/event-log.ts';
import { Projector } from '../projection/projector.ts';
import { findRebuild, requestRebuild } from '../projection/rebuilds.ts';
import { readModel, sqlAggregate } from '../test-support/read-model.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '5000' }, 'log-level': { type: 'string', default: 'warn' } },
});
const totalEvents = Number(values.events);
const batchSize = Number(values.batch);
const voidEvery = 50; // 2 % of the investments are voided: their events are part of the log
const investments = Math.round(totalEvents / (1 + 1 / voidEvery));

const say = (text: string) => process.stdout.write(`${text}\n`);
const rate = (events: number, ms: number) => Math.round(events / (ms / 1000));

const dir = await mkdtemp(join(tmpdir(), 'projector-bench-'));
const settings = { dir, primaryPort: await freePort(), replicaPort: await freePort() };
let projector: Projector | undefined;
let pool: ReturnType<typeof createPool> | undefined;
try {
  say(`[bench] starting a private primary + replica in ${dir}`);
  const cluster = await clusterUp(settings);
  await migrate(cluster.url('owner'));
  const admin = new pg.Client({ connectionString: cluster.url('admin') });
  await admin.connect();

  // ------------------------------------------------------------- load the log
  let started = performance.now();
  const chunk = 100_000;
  for (let from = 1; from <= investments; from += chunk) {
    const to = Math.min(investments, from + chunk - 1);
    // One transaction per chunk: investments and their InvestmentRecorded events, like the command side but in bulk.
    await admin.query('begin');
    await admin.query(
      `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source)
       select (array['bitcoin','ethereum','cardano','dogecoin','litecoin','binancecoin'])[1 + i % 6],
              ((i % 997) + 1)::numeric / 1000 + 0.000000000000000001 * (i % 7),
              ((i * 7919) % 60000 + 1)::numeric / 100,
              timestamptz '2017-01-01 00:00:00Z' + (i * interval '2 minutes 37 seconds') + ((i % 13) * interval '1 day'),
              'user'
       from generate_series($1::bigint, $2::bigint) as i`,
      [from, to],
    );
    await admin.query(
      `insert into events (stream_id, stream_version, type, data)
       select 'investment-' || id, 1, 'InvestmentRecorded', jsonb_build_object(
                'investment_id', id::text, 'coin', coin_name, 'amount', amount::text, 'purchase_price_usd', purchase_price_usd::text,
                'timestamp', to_char("timestamp" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'price_source', price_source)
       from investments where id between $1 and $2 order by id`,
      [from, to],
    );
    await admin.query('commit');
  }
  await admin.query(`update investments set voided_at = now() where id % ${voidEvery} = 0`);
  await admin.query(
    `insert into events (stream_id, stream_version, type, data)
     select 'investment-' || id, 2, 'InvestmentVoided', jsonb_build_object(
              'investment_id', id::text, 'coin', coin_name, 'amount', amount::text, 'purchase_price_usd', purchase_price_usd::text,
              'timestamp', to_char("timestamp" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'voided_at', to_char(voided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
     from investments where voided_at is not null order by id`,
  );
  await admin.query('vacuum analyze events');
  await admin.query('vacuum analyze investments');
  const eventCount = Number((await admin.query('select count(*) from events')).rows[0].count);
  say(`[bench] loaded ${eventCount.toLocaleString('en')} events (${investments.toLocaleString('en')} investments, ${(eventCount - investments).toLocaleString('en')} voids) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const logger = createLogger({ service: 'projector-bench', level: values['log-level'] as 'warn' });
  pool = createPool({ url: cluster.url('projector'), name: 'projector-bench', max: 10, statementTimeoutMs: 120_000, logger });

  // ------------------------------------------------------------- reference: read the log only
  started = performance.now();
  let position = { transactionId: '0', eventId: '0' };
  let read = 0;
  for (;;) {
    const batch = await withTransaction(pool, (client) => readEventsAfter(client, position, batchSize));
    if (!batch.length) break;
    read += batch.length;
    position = batch.at(-1)!.position;
  }
  const readMs = performance.now() - started;
  say(`[bench] reference: reading + validating the whole log in batches of ${batchSize}: ${rate(read, readMs).toLocaleString('en')} events/s (${(readMs / 1000).toFixed(1)} s)`);

  // ------------------------------------------------------------- live catch-up from zero
  projector = new Projector({
    pool,
    databaseUrl: cluster.url('projector'),
    logger,
    settings: {
      batchSize,
      rebuildBatchSize: batchSize,
      pollIntervalMs: 1_000,
      leaderRetryMs: 500,
      stallReportAfterMs: 5_000,
      retryMinMs: 50,
      retryMaxMs: 1_000,
      progressEveryMs: 5_000,
    },
  });
  started = performance.now();
  projector.start();
  for (;;) {
    const { rows } = await admin.query(
      `select events_applied from projection_checkpoints where projection = 'statistics' and generation = 1`,
    );
    if (Number(rows[0].events_applied) === eventCount) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const liveMs = performance.now() - started;
  say(`[bench] live catch-up from zero (batches of ${batchSize}): ${rate(eventCount, liveMs).toLocaleString('en')} events/s (${(liveMs / 1000).toFixed(1)} s)`);

  // ------------------------------------------------------------- the rebuild
  const rebuild = await requestRebuild(pool, 'bench');
  projector.wake();
  started = performance.now();
  let done;
  for (;;) {
    done = await findRebuild(pool, rebuild.id);
    if (done?.state === 'completed') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rebuildMs = performance.now() - started;
  const dbSeconds = (done.finishedAt!.getTime() - done.startedAt!.getTime()) / 1000;
  say(
    `[bench] REBUILD of ${Number(done.processedEvents).toLocaleString('en')} events into generation ${done.generation}: ` +
      `${rate(Number(done.processedEvents), rebuildMs).toLocaleString('en')} events/s request→switch (${(rebuildMs / 1000).toFixed(1)} s; ` +
      `${Math.round(Number(done.processedEvents) / dbSeconds).toLocaleString('en')} events/s start→switch), target ≥ 20,000`,
  );
  say(`[bench] rebuild / read-only reference = ${(rate(Number(done.processedEvents), rebuildMs) / rate(read, readMs)).toFixed(2)}`);

  // ------------------------------------------------------------- correctness of what it built
  const model = await readModel(admin);
  const expected = await sqlAggregate(admin);
  const same = JSON.stringify(model.coins) === JSON.stringify(expected.coins) && JSON.stringify(model.days) === JSON.stringify(expected.days) &&
    JSON.stringify(model.totals) === JSON.stringify(expected.totals);
  say(`[bench] generation ${model.generation} equals the SQL aggregate of the investments table: ${same ? 'yes' : 'NO'} (${Object.keys(model.days).length.toLocaleString('en')} daily rows, ${model.totals.count} live investments)`);
  await admin.end();
  if (!same) process.exitCode = 1;
} finally {
  await projector?.stop();
  await pool?.end();
  await clusterDown(settings).catch((error) => say(`[bench] cluster stop failed: ${(error as Error).message}`));
  await rm(dir, { recursive: true, force: true });
}
