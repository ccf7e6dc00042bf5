import { Migration } from '@mikro-orm/migrations';

/**
 * The write side (investments, the event log that is also the outbox, idempotency
 * keys), the statistics read model with its projection checkpoints, and the grants
 * of the per-service roles that configure-primary.sh creates.
 */
export class Migration20261203000100_core_schema extends Migration {
  override async up(): Promise<void> {
    this.addSql(/* sql */ `
-- Roles are cluster-wide and made by the bootstrap; create them here too (without
-- login) so a database migrated on another server still gets its grants.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['crypto_command', 'crypto_projector', 'crypto_query'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN EXECUTE format('CREATE ROLE %I', r); END IF;
  END LOOP;
END $$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO crypto_command, crypto_projector, crypto_query;

-- ---------------------------------------------------------------- write side
-- The seed's table. Widths hold real coins: 20 integer digits (supplies in the
-- trillions) and 18 decimals (ERC-20 tokens, prices far below one cent).
CREATE TABLE investments (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  coin_name          text           NOT NULL CHECK (coin_name ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
  amount             numeric(38,18) NOT NULL CHECK (amount > 0),
  purchase_price_usd numeric(38,18) NOT NULL CHECK (purchase_price_usd > 0),
  -- Exact product (up to 36 decimals): never rounded in storage.
  total_value_usd    numeric        GENERATED ALWAYS AS (amount * purchase_price_usd) STORED,
  "timestamp"        timestamptz(3) NOT NULL,
  price_source       text           NOT NULL CHECK (price_source IN ('user', 'coingecko')),
  recorded_at        timestamptz    NOT NULL DEFAULT now(),
  voided_at          timestamptz,
  -- Row identity of a CSV import row: importing the same row twice records it once.
  import_row_key     text           UNIQUE
);
-- The seed's indexes (timestamp desc; coin), widened with id so keyset pages
-- ("timestamp", id) < (t, i) are one index range scan.
CREATE INDEX idx_investments_timestamp ON investments ("timestamp" DESC, id DESC);
CREATE INDEX idx_investments_coin ON investments (coin_name, "timestamp" DESC, id DESC);

-- The durable event log, which is also the transactional outbox: an event is
-- inserted in the same transaction as the state change it describes and is never
-- deleted (rebuilds replay it). Readers order by (transaction_id, id) and only read
-- below pg_snapshot_xmin(pg_current_snapshot()), so an event whose transaction
-- commits late is never skipped.
CREATE TABLE events (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
  stream_id      text        NOT NULL,
  stream_version integer     NOT NULL CHECK (stream_version > 0),
  type           text        NOT NULL,
  schema_version integer     NOT NULL DEFAULT 1,
  data           jsonb       NOT NULL,
  metadata       jsonb       NOT NULL DEFAULT '{}',
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  -- Optimistic concurrency per stream: one Recorded, at most one Voided per investment.
  UNIQUE (stream_id, stream_version)
);
CREATE INDEX idx_events_position ON events (transaction_id, id);

-- Idempotency-Key → the first response, replayed for a retry with the same body.
CREATE TABLE idempotency_keys (
  key             text        NOT NULL,
  -- Who sent it (the API key's id, or 'anonymous'): keys are scoped per client.
  principal       text        NOT NULL,
  request_hash    text        NOT NULL,
  response_status integer     NOT NULL,
  response_body   text        NOT NULL,
  response_headers jsonb      NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idx_idempotency_keys_expires ON idempotency_keys (expires_at);

-- ---------------------------------------------------------------- read side
-- Each projection has an active generation. A rebuild fills generation n+1 with
-- plain INSERTs while readers keep using n, then flips active_generation in one
-- UPDATE: no TRUNCATE/DROP/RENAME whose locks would cancel queries on the standby.
CREATE TABLE projections (
  name              text    PRIMARY KEY,
  active_generation integer NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Checkpoint per (projection, generation): the last applied event position, moved
-- in the same transaction as the rows it produced and only from the value read
-- (compare-and-set).
CREATE TABLE projection_checkpoints (
  projection          text        NOT NULL REFERENCES projections(name),
  generation          integer     NOT NULL,
  last_transaction_id xid8        NOT NULL DEFAULT '0',
  last_event_id       bigint      NOT NULL DEFAULT 0,
  events_applied      bigint      NOT NULL DEFAULT 0,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, generation)
);

INSERT INTO projections (name, active_generation) VALUES ('statistics', 1);
INSERT INTO projection_checkpoints (projection, generation) VALUES ('statistics', 1);

-- Per coin: exact sums (unbounded numeric: sums of 36-decimal products stay exact).
CREATE TABLE coin_stats (
  generation          integer     NOT NULL,
  coin_name           text        NOT NULL,
  total_amount        numeric     NOT NULL,
  total_invested_usd  numeric     NOT NULL,
  investment_count    bigint      NOT NULL,
  first_investment_at timestamptz(3),
  last_investment_at  timestamptz(3),
  PRIMARY KEY (generation, coin_name)
);

CREATE TABLE portfolio_totals (
  generation         integer PRIMARY KEY,
  total_invested_usd numeric NOT NULL,
  investment_count   bigint  NOT NULL,
  coin_count         integer NOT NULL
);

-- Per coin and UTC day, for charts.
CREATE TABLE daily_coin_stats (
  generation       integer NOT NULL,
  coin_name        text    NOT NULL,
  day              date    NOT NULL,
  amount           numeric NOT NULL,
  invested_usd     numeric NOT NULL,
  investment_count bigint  NOT NULL,
  PRIMARY KEY (generation, coin_name, day)
);

-- ---------------------------------------------------------------- grants
-- Command side: records investments and their events, nothing else.
GRANT SELECT, INSERT ON investments, events TO crypto_command;
GRANT UPDATE (voided_at) ON investments TO crypto_command;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO crypto_command;
-- Projector: reads the log, owns the read model.
GRANT SELECT ON events TO crypto_projector;
GRANT SELECT, INSERT, UPDATE, DELETE ON projections, projection_checkpoints, coin_stats, portfolio_totals,
  daily_coin_stats TO crypto_projector;
-- Query side: reads (on the replica, where nothing can be written anyway).
GRANT SELECT ON investments, projections, projection_checkpoints, coin_stats, portfolio_totals,
  daily_coin_stats TO crypto_query;
-- Readiness checks ("migrations applied") read the migration log.
GRANT SELECT ON mikro_orm_migrations TO crypto_command, crypto_projector, crypto_query;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE daily_coin_stats, portfolio_totals, coin_stats, projection_checkpoints, projections,
      idempotency_keys, events, investments;`);
  }
}
