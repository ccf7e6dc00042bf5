import type { EventPosition } from '@crypto-invest/contracts';
import type { Pool } from '@crypto-invest/postgres';
import { STATISTICS_PROJECTION } from './apply-batch.ts';

/** Where the projection stands against the event log, as the primary sees it now. */
export interface ProjectionProgress {
  generation: number;
  checkpoint: { position: EventPosition; eventsApplied: bigint; updatedAt: Date };
  newestEvent: { position: EventPosition; recordedAt: Date } | null;
  lag: { events: bigint; seconds: number };
  /** Committed events that cannot be read yet because an older transaction is still open. */
  heldBackEvents: bigint;
  stall: Stall | null;
}

/** An open transaction holding pg_snapshot_xmin back, so committed events wait behind it. */
export interface Stall {
  heldBackEvents: bigint;
  blocking: {
    pid: number;
    user: string | null;
    applicationName: string | null;
    database: string | null;
    state: string | null;
    transactionStartedAt: Date | null;
    transactionSeconds: number | null;
  } | null;
  /** Seconds the oldest held-back event (or the blocker) has waited. */
  seconds: number;
}

const PROGRESS = /* sql */ `
  select c.generation, c.last_transaction_id::text, c.last_event_id::text, c.events_applied::text, c.updated_at,
         n.transaction_id::text as newest_transaction_id, n.id::text as newest_event_id, n.recorded_at as newest_recorded_at,
         l.events_behind::text, l.lag_seconds,
         (select count(*) from events e
          where (e.transaction_id, e.id) > (c.last_transaction_id, c.last_event_id)
            and e.transaction_id >= pg_snapshot_xmin(pg_current_snapshot()))::text as held_back,
         (select extract(epoch from now() - min(e.recorded_at)) from events e
          where (e.transaction_id, e.id) > (c.last_transaction_id, c.last_event_id)
            and e.transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) as held_back_seconds
  from projections p
  join projection_checkpoints c on c.projection = p.name and c.generation = p.active_generation
  left join lateral (select transaction_id, id, recorded_at from events order by transaction_id desc, id desc limit 1) n on true
  cross join lateral projection_lag(p.name, 100000000) l
  where p.name = $1`;

// The oldest transaction that has written something: it sets pg_snapshot_xmin. pg_monitor
// (granted to the projector's role) lets us see other roles' sessions.
const OLDEST_WRITER = /* sql */ `
  select pid, usename, application_name, datname, state, xact_start,
         extract(epoch from now() - xact_start) as seconds
  from pg_stat_activity
  where backend_xid is not null and pid <> pg_backend_pid()
  order by age(backend_xid) desc
  limit 1`;

/**
 * Reads the checkpoint, the newest event and the lag, and detects a stall: events
 * committed but held back behind an open transaction for longer than `stallAfterMs`
 * (a writer stuck in a transaction; the command role's idle_in_transaction_session_timeout
 * ends an idle one after 15 s, which ends the stall).
 */
export async function readProjectionProgress(pool: Pool, stallAfterMs: number): Promise<ProjectionProgress> {
  const { rows } = await pool.query(PROGRESS, [STATISTICS_PROJECTION]);
  const row = rows[0];
  if (!row) throw new Error(`projection ${STATISTICS_PROJECTION} has no active checkpoint`);
  const heldBackEvents = BigInt(row.held_back);
  let stall: Stall | null = null;
  if (heldBackEvents > 0n) {
    const { rows: writers } = await pool.query(OLDEST_WRITER);
    const w = writers[0];
    const blocking = w
      ? {
          pid: w.pid as number,
          user: w.usename as string | null,
          applicationName: w.application_name as string | null,
          database: w.datname as string | null,
          state: w.state as string | null,
          transactionStartedAt: w.xact_start as Date | null,
          transactionSeconds: w.seconds === null ? null : Number(w.seconds),
        }
      : null;
    const waited = Math.min(Number(row.held_back_seconds ?? 0), blocking?.transactionSeconds ?? Infinity);
    if (waited * 1000 >= stallAfterMs) stall = { heldBackEvents, blocking, seconds: waited };
  }
  return {
    generation: row.generation,
    checkpoint: {
      position: { transactionId: row.last_transaction_id, eventId: row.last_event_id },
      eventsApplied: BigInt(row.events_applied),
      updatedAt: row.updated_at,
    },
    newestEvent: row.newest_event_id
      ? { position: { transactionId: row.newest_transaction_id, eventId: row.newest_event_id }, recordedAt: row.newest_recorded_at }
      : null,
    lag: { events: BigInt(row.events_behind), seconds: Number(row.lag_seconds) },
    heldBackEvents,
    stall,
  };
}
