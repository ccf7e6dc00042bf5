import { comparePositions, type EventPosition } from '@crypto-invest/contracts';
import { withTransaction, type Pool, type PoolClient } from '@crypto-invest/postgres';
import { readEventsAfter, type LoggedEvent } from '../event-log/event-log.ts';
import { applyEvents, type StatisticsEvent, type StatisticsState } from '../statistics/statistics.ts';
import { loadGenerationState, loadTouchedState, saveUpdate } from '../statistics/statistics-store.ts';

/** The projection this service maintains (a row of `projections`). */
export const STATISTICS_PROJECTION = 'statistics';

/** Which generation a batch goes to: the one readers use, or a specific one (a rebuild's). */
export type BatchTarget = { generation: 'active' } | { generation: number };

export interface BatchHooks {
  /** Called after the batch is written and the checkpoint moved, before COMMIT (tests inject faults here). */
  beforeCommit?: (batch: { generation: number; events: number }) => void | Promise<void>;
}

/**
 * The whole state of one generation kept in memory between batches by its only
 * writer (a rebuild), so a batch need not load the rows it touches. Trusted only
 * while the checkpoint still holds the position it was saved at: any other writer
 * would have moved it.
 */
export interface GenerationCache {
  generation: number;
  position: EventPosition;
  state: StatisticsState;
}

export interface BatchOptions {
  hooks?: BatchHooks;
  /** See SaveOptions.investmentTimes (default true). */
  investmentTimes?: boolean;
  /** Read no event past this position (a rebuild's bulk phase). */
  until?: EventPosition;
  /**
   * The batch after `after`, read ahead on another connection while the previous
   * batch was being written. Used only if the checkpoint is still at `after` (events
   * behind the commit-safe horizon never change, so reading them early is safe).
   */
  prefetched?: ReadAhead;
  /** A rebuild's cache (see GenerationCache); updated in place on success, cleared on failure. */
  cache?: { current?: GenerationCache };
  /**
   * false for a rebuild: a commit lost in a server crash loses rows and checkpoint
   * together (the rebuild just redoes that batch), so it need not wait for the flush.
   */
  synchronousCommit?: boolean;
}

export interface BatchResult {
  generation: number;
  /** Events read and applied (0 when caught up or on a checkpoint conflict). */
  applied: number;
  /** Another writer moved the checkpoint since we read it: nothing was applied. */
  conflict: boolean;
  /** The checkpoint after the batch. */
  position: EventPosition;
  durationSeconds: number;
}

export interface Checkpoint {
  generation: number;
  position: EventPosition;
  eventsApplied: bigint;
}

export interface ReadAhead {
  after: EventPosition;
  events: LoggedEvent[];
}

/** Reads the batch after `after` in its own short read-only transaction (see BatchOptions.prefetched). */
export function readAhead(pool: Pool, after: EventPosition, batchSize: number, until?: EventPosition): Promise<ReadAhead> {
  return withTransaction(pool, async (client) => ({ after, events: await readEventsAfter(client, after, batchSize, until) }), { readOnly: true });
}

class CheckpointMoved extends Error {}

/** Reads a checkpoint of the statistics projection (the active generation's, or a given one's). */
export async function readCheckpoint(client: PoolClient | Pool, target: BatchTarget): Promise<Checkpoint | undefined> {
  const { rows } =
    target.generation === 'active'
      ? await client.query<CheckpointRow>(
          `select c.generation, c.last_transaction_id::text, c.last_event_id::text, c.events_applied::text
           from projections p join projection_checkpoints c on c.projection = p.name and c.generation = p.active_generation
           where p.name = $1`,
          [STATISTICS_PROJECTION],
        )
      : await client.query<CheckpointRow>(
          `select generation, last_transaction_id::text, last_event_id::text, events_applied::text
           from projection_checkpoints where projection = $1 and generation = $2`,
          [STATISTICS_PROJECTION, target.generation],
        );
  const row = rows[0];
  return row && {
    generation: row.generation,
    position: { transactionId: row.last_transaction_id, eventId: row.last_event_id },
    eventsApplied: BigInt(row.events_applied),
  };
}

interface CheckpointRow {
  generation: number;
  last_transaction_id: string;
  last_event_id: string;
  events_applied: string;
}

/**
 * Applies the next batch of events to one generation of the read model, exactly once:
 * one transaction reads the checkpoint and the events after it, moves the checkpoint
 * from the position it read to the batch's last event (compare-and-set), and writes
 * the rows. The compare-and-set comes first, so a second writer of the same
 * generation waits on the checkpoint row and then finds it moved: it rolls back
 * before touching a row. A crash before COMMIT leaves nothing; after, everything.
 */
export async function applyNextBatch(pool: Pool, target: BatchTarget, batchSize: number, options: BatchOptions = {}): Promise<BatchResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const { cache } = options;
  let read: Checkpoint | undefined;
  const cached = cache?.current;
  if (cache) cache.current = undefined; // restored below only if this batch commits
  try {
    const result = await withTransaction(pool, async (client) => {
      if (options.synchronousCommit === false) await client.query('set local synchronous_commit = off');
      read = await readCheckpoint(client, target);
      if (!read) throw new Error(`projection ${STATISTICS_PROJECTION} has no checkpoint for generation ${target.generation}`);
      const { generation, position } = read;
      const ahead = options.prefetched;
      const events =
        ahead && ahead.events.length && comparePositions(ahead.after, position) === 0
          ? ahead.events
          : await readEventsAfter(client, position, batchSize, options.until);
      if (!events.length) {
        if (cache && cached) cache.current = cached;
        return { result: { generation, applied: 0, conflict: false, position, durationSeconds: seconds() }, state: undefined };
      }

      const next = events.at(-1)!.position;
      const moved = await client.query(
        `update projection_checkpoints
         set last_transaction_id = $3::xid8, last_event_id = $4, events_applied = events_applied + $5, updated_at = now()
         where projection = $1 and generation = $2 and last_transaction_id = $6::xid8 and last_event_id = $7`,
        [STATISTICS_PROJECTION, generation, next.transactionId, next.eventId, events.length, position.transactionId, position.eventId],
      );
      if (moved.rowCount !== 1) throw new CheckpointMoved();

      const statistics = events.flatMap((e) => (e.statistics ? [e.statistics] : [])) as StatisticsEvent[];
      const useCache = cached && cached.generation === generation && comparePositions(cached.position, position) === 0;
      let state = useCache ? cached.state : undefined;
      // A cache that cannot be trusted is rebuilt from the generation's rows (all of them: a few per coin and day).
      if (cache && !state) state = await loadGenerationState(client, generation);
      if (statistics.length) {
        const update = applyEvents(state ?? (await loadTouchedState(client, generation, statistics)), statistics);
        await saveUpdate(client, generation, update, { investmentTimes: options.investmentTimes ?? true });
        state = update.state;
      }
      await options.hooks?.beforeCommit?.({ generation, events: events.length });
      return { result: { generation, applied: events.length, conflict: false, position: next, durationSeconds: seconds() }, state: cache ? state : undefined };
    });
    if (cache && result.state) cache.current = { generation: result.result.generation, position: result.result.position, state: result.state };
    return result.result;
  } catch (error) {
    if (!(error instanceof CheckpointMoved) || !read) throw error;
    return { generation: read.generation, applied: 0, conflict: true, position: read.position, durationSeconds: seconds() };
  }
}
