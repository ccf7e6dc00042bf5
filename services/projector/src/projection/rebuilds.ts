import { DomainError, ORIGIN, comparePositions, type EventPosition } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import { sqlState, withTransaction, type Pool } from '@crypto-invest/postgres';
import { readableEnd } from '../event-log/event-log.ts';
import { insertInvestmentTimesFromLog, settleInvestmentTimes } from '../statistics/statistics-store.ts';
import { STATISTICS_PROJECTION, readCheckpoint } from './apply-batch.ts';
import { sleep } from './sleep.ts';

/**
 * Rebuilds without downtime. A rebuild fills a new generation of the read-model
 * tables from the whole event log with plain INSERTs while readers keep using the
 * active one, catches up with the live position, then — with the live loop paused —
 * switches `projections.active_generation` in one transaction. Readers read the
 * active generation and its checkpoint in the same snapshot as the rows, so they see
 * either the old generation or the new one, never a mix. The old generation's rows
 * are then deleted in small batches. No TRUNCATE, DROP or RENAME anywhere: their
 * ACCESS EXCLUSIVE locks would replay on the standby and cancel its queries.
 *
 * Requests and progress live in `projection_rebuilds`, so every instance can report
 * on a rebuild and the instance that takes over resumes it from its checkpoint.
 */

export type RebuildState = 'queued' | 'running' | 'completed';

export interface Rebuild {
  id: bigint;
  generation: number;
  replacedGeneration: number | null;
  state: RebuildState;
  requestedBy: string;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Events applied to the new generation so far (its checkpoint). */
  processedEvents: bigint;
  /** Events to apply in all (an estimate that grows while investments arrive). */
  totalEvents: bigint | null;
  eventsPerSecond: number | null;
  /** The end of the bulk replay (see the migration), once the rebuild has started. */
  bulkUntil: EventPosition | null;
  investmentTimesLoaded: boolean;
  investmentTimesSettled: boolean;
}

const SELECT_REBUILD = /* sql */ `
  select r.id::text, r.generation, r.replaced_generation, r.state, r.requested_by, r.requested_at, r.started_at,
         r.finished_at, r.total_events::text, r.events_per_second, r.bulk_until_transaction_id::text, r.bulk_until_event_id::text,
         r.investment_times_loaded, r.investment_times_settled, c.events_applied::text as processed
  from projection_rebuilds r
  left join projection_checkpoints c on c.projection = r.projection and c.generation = r.generation`;

interface RebuildRow {
  id: string;
  generation: number;
  replaced_generation: number | null;
  state: RebuildState;
  requested_by: string;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  total_events: string | null;
  events_per_second: number | null;
  bulk_until_transaction_id: string | null;
  bulk_until_event_id: string | null;
  investment_times_loaded: boolean;
  investment_times_settled: boolean;
  processed: string | null;
}

const toRebuild = (r: RebuildRow): Rebuild => ({
  id: BigInt(r.id),
  generation: r.generation,
  replacedGeneration: r.replaced_generation,
  state: r.state,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  // A completed rebuild's generation may itself be replaced (and cleaned) later: keep its final count.
  processedEvents: BigInt(r.processed ?? r.total_events ?? '0'),
  totalEvents: r.total_events === null ? null : BigInt(r.total_events),
  eventsPerSecond: r.events_per_second,
  bulkUntil: r.bulk_until_transaction_id === null ? null : { transactionId: r.bulk_until_transaction_id, eventId: r.bulk_until_event_id! },
  investmentTimesLoaded: r.investment_times_loaded,
  investmentTimesSettled: r.investment_times_settled,
});

export async function findRebuild(pool: Pick<Pool, 'query'>, id: bigint): Promise<Rebuild | undefined> {
  const { rows } = await pool.query<RebuildRow>(`${SELECT_REBUILD} where r.id = $1`, [id.toString()]);
  return rows[0] && toRebuild(rows[0]);
}

/** The queued or running rebuild, if any. */
export async function findOpenRebuild(pool: Pool): Promise<Rebuild | undefined> {
  const { rows } = await pool.query<RebuildRow>(`${SELECT_REBUILD} where r.projection = $1 and r.state in ('queued', 'running')`, [
    STATISTICS_PROJECTION,
  ]);
  return rows[0] && toRebuild(rows[0]);
}

/**
 * Queues a rebuild into a new generation (its empty checkpoint and totals row are
 * created with it). Only one rebuild is open at a time: a second request is a conflict.
 */
export async function requestRebuild(pool: Pool, requestedBy: string): Promise<Rebuild> {
  try {
    const id = await withTransaction(pool, async (client) => {
      // Serializes requests with each other and with a switch-over.
      await client.query('select 1 from projections where name = $1 for update', [STATISTICS_PROJECTION]);
      const open = await client.query<{ id: string }>(
        `select id::text from projection_rebuilds where projection = $1 and state in ('queued', 'running')`,
        [STATISTICS_PROJECTION],
      );
      if (open.rows[0]) throw rebuildInProgress(open.rows[0].id);
      const { rows } = await client.query<{ generation: number }>(
        `select coalesce(max(generation), 0) + 1 as generation from projection_checkpoints where projection = $1`,
        [STATISTICS_PROJECTION],
      );
      const generation = rows[0]!.generation;
      await client.query('insert into projection_checkpoints (projection, generation) values ($1, $2)', [STATISTICS_PROJECTION, generation]);
      await client.query(
        'insert into portfolio_totals (generation, total_invested_usd, investment_count, coin_count) values ($1, 0, 0, 0)',
        [generation],
      );
      const inserted = await client.query<{ id: string }>(
        `insert into projection_rebuilds (projection, generation, state, requested_by) values ($1, $2, 'queued', $3) returning id::text`,
        [STATISTICS_PROJECTION, generation, requestedBy],
      );
      return BigInt(inserted.rows[0]!.id);
    });
    return (await findRebuild(pool, id))!;
  } catch (error) {
    if (sqlState(error) !== '23505') throw error;
    // Two requests raced past the check: the unique index let one through.
    const open = await findOpenRebuild(pool);
    throw rebuildInProgress(open?.id.toString() ?? 'unknown');
  }
}

function rebuildInProgress(id: string) {
  return new DomainError('conflict', 'rebuild-in-progress', 'A rebuild is already in progress', `rebuild ${id} is still in progress; follow it at /admin/rebuilds/${id}`, {
    rebuild_id: /^[0-9]+$/.test(id) ? BigInt(id) : null,
  });
}

/**
 * Marks a rebuild running and fixes the end of its bulk replay (the readable end of
 * the log now) the first time; returns the rebuild as stored.
 */
export async function markRunning(pool: Pool, rebuild: Rebuild, totalEvents: bigint): Promise<Rebuild> {
  const end = rebuild.bulkUntil ?? (await readableEnd(pool)) ?? ORIGIN;
  await pool.query(
    `update projection_rebuilds set state = 'running', started_at = coalesce(started_at, now()), total_events = $2, progress_at = now(),
       bulk_until_transaction_id = coalesce(bulk_until_transaction_id, $3::xid8), bulk_until_event_id = coalesce(bulk_until_event_id, $4)
     where id = $1 and state in ('queued', 'running')`,
    [rebuild.id.toString(), totalEvents.toString(), end.transactionId, end.eventId],
  );
  return (await findRebuild(pool, rebuild.id))!;
}

export async function recordProgress(pool: Pool, rebuild: Rebuild, totalEvents: bigint, eventsPerSecond: number): Promise<void> {
  await pool.query(`update projection_rebuilds set total_events = $2, events_per_second = $3, progress_at = now() where id = $1`, [
    rebuild.id.toString(),
    totalEvents.toString(),
    eventsPerSecond,
  ]);
}

/**
 * Fills the rebuilt generation's live investment times from the log up to the end of
 * the bulk replay, in one transaction (run alongside the replay).
 */
export async function loadRebuiltInvestmentTimes(pool: Pool, rebuild: Rebuild): Promise<true> {
  return withTransaction(pool, async (client) => {
    await client.query('set local statement_timeout = 0'); // one statement over the whole log
    await insertInvestmentTimesFromLog(client, rebuild.generation, rebuild.bulkUntil ?? ORIGIN);
    await client.query('update projection_rebuilds set investment_times_loaded = true where id = $1', [rebuild.id.toString()]);
    return true as const;
  });
}

/**
 * Once the replay has reached the end of the bulk and the times are loaded: sets
 * first/last times from them, holding the checkpoint row so no batch moves it meanwhile.
 */
export async function settleRebuiltInvestmentTimes(pool: Pool, rebuild: Rebuild): Promise<true> {
  return withTransaction(pool, async (client) => {
    await client.query('select 1 from projection_checkpoints where projection = $1 and generation = $2 for update', [
      STATISTICS_PROJECTION,
      rebuild.generation,
    ]);
    const checkpoint = await readCheckpoint(client, { generation: rebuild.generation });
    const until = rebuild.bulkUntil ?? ORIGIN;
    if (!checkpoint || comparePositions(checkpoint.position, until) !== 0) {
      throw new Error(`rebuild ${rebuild.id}: generation ${rebuild.generation} is not at the end of its bulk replay`);
    }
    await settleInvestmentTimes(client, rebuild.generation);
    await client.query('update projection_rebuilds set investment_times_settled = true where id = $1', [rebuild.id.toString()]);
    return true as const;
  });
}

/** Events after a generation's checkpoint that can be read now (the rest of a rebuild's work). */
export async function countEventsAfter(pool: Pool, generation: number): Promise<bigint> {
  const { rows } = await pool.query<{ remaining: string }>(
    `select count(*)::text as remaining from events e, projection_checkpoints c
     where c.projection = $1 and c.generation = $2 and (e.transaction_id, e.id) > (c.last_transaction_id, c.last_event_id)`,
    [STATISTICS_PROJECTION, generation],
  );
  return BigInt(rows[0]?.remaining ?? '0');
}

/**
 * Makes the rebuilt generation the active one, in one transaction, if it has reached
 * at least the active generation's position (readers' consistency tokens must never
 * go backwards). Returns false when it has not (the caller catches up and retries).
 */
export async function switchToRebuilt(pool: Pool, rebuild: Rebuild, eventsPerSecond: number): Promise<{ switched: boolean; replaced: number }> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ active_generation: number }>(
      'select active_generation from projections where name = $1 for update',
      [STATISTICS_PROJECTION],
    );
    const replaced = rows[0]!.active_generation;
    const active = await readCheckpoint(client, { generation: replaced });
    const rebuilt = await readCheckpoint(client, { generation: rebuild.generation });
    if (!active || !rebuilt || comparePositions(rebuilt.position, active.position) < 0) return { switched: false, replaced };
    await client.query('update projections set active_generation = $2, updated_at = now() where name = $1', [STATISTICS_PROJECTION, rebuild.generation]);
    await client.query(
      `update projection_rebuilds set state = 'completed', replaced_generation = $2, finished_at = now(), total_events = $3,
         events_per_second = $4, progress_at = now() where id = $1`,
      [rebuild.id.toString(), replaced, rebuilt.eventsApplied.toString(), eventsPerSecond],
    );
    return { switched: true, replaced };
  });
}

const READ_MODEL_TABLES = ['coin_investment_times', 'daily_coin_stats', 'coin_stats', 'portfolio_totals'] as const;

/**
 * Deletes every generation older than the active one, a few thousand rows per
 * transaction. The checkpoint rows go first, so a writer still holding an old
 * generation (an instance that lost its lock but not its pool) fails its
 * compare-and-set and cannot leave rows behind. Readers that started on the old
 * generation keep their snapshot (MVCC; hot_standby_feedback protects the standby's).
 */
export async function deleteReplacedGenerations(pool: Pool, logger: Logger, signal: AbortSignal, rowsPerBatch = 5_000): Promise<number> {
  const { rows } = await pool.query<{ active_generation: number }>('select active_generation from projections where name = $1', [
    STATISTICS_PROJECTION,
  ]);
  const active = rows[0]?.active_generation;
  if (active === undefined) return 0;
  await pool.query('delete from projection_checkpoints where projection = $1 and generation < $2', [STATISTICS_PROJECTION, active]);
  let deleted = 0;
  for (const table of READ_MODEL_TABLES) {
    while (!signal.aborted) {
      const result = await pool.query(
        `delete from ${table} where ctid = any(array(select ctid from ${table} where generation < $1 limit $2))`,
        [active, rowsPerBatch],
      );
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < rowsPerBatch) break;
      await sleep(5, signal); // leave room for the live loop and the standby's replay
    }
  }
  if (deleted) logger.info({ below_generation: active, rows: deleted }, 'deleted the replaced generation of the read model');
  return deleted;
}
