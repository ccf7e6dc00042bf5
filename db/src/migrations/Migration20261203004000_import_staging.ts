import { Migration } from '@mikro-orm/migrations';

/**
 * The staging area of CSV imports (command API, `POST /imports`). A file's rows are
 * checked, priced and numbered here while the file streams in — so the service's memory
 * does not grow with the file — and are then written to `investments` (with their
 * events) in batches, or dropped when the import is refused or only a dry run.
 *
 * - UNLOGGED: staged rows are scratch data. They skip the WAL (faster, nothing shipped
 *   to the replica) and a crash empties the table, which is exactly right: an import
 *   interrupted by a crash is simply run again.
 * - `row_key` is the identity of the row across imports (`investments.import_row_key`):
 *   a hash of the normalised row and its occurrence number among identical rows of the
 *   file; `(import_id, row_hash)` finds the earlier occurrences in one index probe.
 * - Rows stay only while their import runs; rows older than a day (a process killed
 *   mid-import) are deleted when the next import starts.
 */
export class Migration20261203004000_import_staging extends Migration {
  override async up(): Promise<void> {
    this.addSql(/* sql */ `
CREATE UNLOGGED TABLE import_rows (
  import_id          uuid           NOT NULL,
  -- Order of the valid rows in the file (1, 2, 3, …): batches are ranges of it.
  seq                integer        NOT NULL,
  -- Line of the file where the row starts (the header is line 1).
  line               integer        NOT NULL,
  coin_name          text           NOT NULL,
  amount             numeric(38,18) NOT NULL,
  purchase_price_usd numeric(38,18) NOT NULL,
  "timestamp"        timestamptz(3) NOT NULL,
  price_source       text           NOT NULL,
  row_hash           text           NOT NULL,
  row_key            text           NOT NULL,
  staged_at          timestamptz    NOT NULL DEFAULT now(),
  PRIMARY KEY (import_id, seq)
);
CREATE INDEX idx_import_rows_hash ON import_rows (import_id, row_hash);

GRANT SELECT, INSERT, DELETE ON import_rows TO crypto_command;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE import_rows;`);
  }
}
