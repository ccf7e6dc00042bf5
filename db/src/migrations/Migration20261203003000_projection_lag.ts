import { Migration } from '@mikro-orm/migrations';

/**
 * projection_lag(): how far a projection's active generation is behind the event log
 * on the server it runs on (on a replica: behind the events that replica has). The
 * query API reports it in /ready; its role may not read the events table, so the
 * function runs with its owner's rights and returns only a count and an age.
 */
export class Migration20261203003000_projection_lag extends Migration {
  override async up(): Promise<void> {
    this.addSql(/* sql */ `
CREATE FUNCTION projection_lag(p_projection text, p_cap bigint DEFAULT 100000)
RETURNS TABLE (events_behind bigint, lag_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH checkpoint AS (
    SELECT c.last_transaction_id, c.last_event_id
    FROM projections p
    JOIN projection_checkpoints c ON c.projection = p.name AND c.generation = p.active_generation
    WHERE p.name = p_projection
  ), pending AS (
    -- Events after the checkpoint in the projector's (transaction_id, id) order: one
    -- range of idx_events_position, capped so the count stays cheap however far behind.
    SELECT e.recorded_at
    FROM events e, checkpoint
    WHERE (e.transaction_id, e.id) > (checkpoint.last_transaction_id, checkpoint.last_event_id)
    ORDER BY e.transaction_id, e.id
    LIMIT greatest(p_cap, 1)
  )
  SELECT count(*)::bigint, coalesce(extract(epoch FROM now() - min(recorded_at)), 0)::double precision
  FROM pending
$$;
REVOKE ALL ON FUNCTION projection_lag(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION projection_lag(text, bigint) TO crypto_query, crypto_projector;
`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP FUNCTION projection_lag(text, bigint);');
  }
}
