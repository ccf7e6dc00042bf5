import { encodePosition, type EventPosition } from '@crypto-invest/contracts';
import type { Pool, PoolClient } from '@crypto-invest/postgres';

/** What the read model on one server reflects: its active generation and that generation's checkpoint. */
export interface ProjectionState {
  generation: number;
  position: EventPosition;
  /** The position in consistency-token form (`<transaction id>.<event id>`). */
  token: string;
  /** When the checkpoint last moved (ISO 8601). */
  updatedAt: string;
}

export const PROJECTION = 'statistics';

// The checkpoint of the generation readers use. A rebuild fills generation n+1 and
// flips active_generation in one UPDATE, so this row and the read-model rows of the
// same generation always belong together within one snapshot.
export const ACTIVE_CHECKPOINT = /* sql */ `
  select p.active_generation as generation,
         c.last_transaction_id::text as transaction_id,
         c.last_event_id::text as event_id,
         to_char(c.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at
  from projections p
  join projection_checkpoints c on c.projection = p.name and c.generation = p.active_generation
  where p.name = '${PROJECTION}'`;

/** The columns ACTIVE_CHECKPOINT returns. */
export interface CheckpointRow {
  generation: number;
  transaction_id: string;
  event_id: string;
  updated_at: string;
}

export function toProjectionState(row: CheckpointRow | undefined): ProjectionState {
  if (!row) throw new Error(`projection ${PROJECTION} has no active checkpoint`);
  const position = { transactionId: row.transaction_id, eventId: row.event_id };
  return { generation: row.generation, position, token: encodePosition(position), updatedAt: row.updated_at };
}

export async function readProjectionState(db: Pool | PoolClient): Promise<ProjectionState> {
  const { rows } = await db.query<CheckpointRow>(ACTIVE_CHECKPOINT);
  return toProjectionState(rows[0]);
}

export interface ProjectionLag {
  /** Events in this server's log after the checkpoint (counted up to a cap). */
  eventsBehind: number;
  eventsBehindCapped: boolean;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  seconds: number;
}

const EVENTS_BEHIND_CAP = 100_000;

/**
 * How far the read model is behind the event log on this server, through the
 * SECURITY DEFINER function projection_lag() (the query role cannot read events).
 */
export async function readProjectionLag(db: Pool | PoolClient): Promise<ProjectionLag> {
  const { rows } = await db.query<{ events_behind: string; lag_seconds: number | null }>(
    'select events_behind::text, lag_seconds from projection_lag($1, $2)',
    [PROJECTION, EVENTS_BEHIND_CAP],
  );
  const row = rows[0]!;
  const eventsBehind = Number(row.events_behind);
  return { eventsBehind, eventsBehindCapped: eventsBehind >= EVENTS_BEHIND_CAP, seconds: Math.round((row.lag_seconds ?? 0) * 1000) / 1000 };
}
