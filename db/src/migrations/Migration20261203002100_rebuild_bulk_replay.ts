import { Migration } from '@mikro-orm/migrations';

/**
 * A rebuild's bulk replay runs alongside the one INSERT … SELECT that fills the new
 * generation's coin_investment_times, so it needs a fixed end: the log up to
 * `bulk_until_*` (its readable end when the rebuild started) is replayed without
 * live investment times; `investment_times_loaded` says that INSERT committed and
 * `investment_times_settled` that first/last times were then set from it — from
 * there on the rest is applied like the live loop does. A rebuild resumed by
 * another instance picks up from these.
 */
export class Migration20261203002100_rebuild_bulk_replay extends Migration {
  override async up(): Promise<void> {
    this.addSql(/* sql */ `
ALTER TABLE projection_rebuilds
  ADD COLUMN bulk_until_transaction_id xid8,
  ADD COLUMN bulk_until_event_id bigint,
  ADD COLUMN investment_times_settled boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN projection_rebuilds.investment_times_loaded IS
  'coin_investment_times of the new generation are filled from the log up to bulk_until_*';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE projection_rebuilds DROP COLUMN investment_times_settled, DROP COLUMN bulk_until_event_id,
      DROP COLUMN bulk_until_transaction_id;`);
  }
}
