import { Migration } from '@mikro-orm/migrations';

/**
 * What the projector needs beyond the core read model:
 * - `coin_investment_times`: the purchase time of every live (not voided) investment
 *   per coin and generation. A void that removes a coin's first or last investment
 *   cannot "subtract" a time; the projector finds the new first/last here with one
 *   index probe instead of scanning the event log.
 * - `projection_rebuilds`: rebuild requests and their progress, so any instance can
 *   report on a rebuild and the instance that takes over resumes it.
 * - the portfolio totals row of generation 1, so readers always find one.
 */
export class Migration20261203002000_projector_support extends Migration {
  override async up(): Promise<void> {
    this.addSql(/* sql */ `
CREATE TABLE coin_investment_times (
  generation    integer        NOT NULL,
  -- Byte order: this key is only probed by equality and never sorted for people, and
  -- C comparisons make the index several times cheaper to fill than a locale's.
  coin_name     text           COLLATE "C" NOT NULL,
  investment_at timestamptz(3) NOT NULL,
  investment_id bigint         NOT NULL,
  -- Leading (generation, coin_name, investment_at): first/last is one index probe.
  PRIMARY KEY (generation, coin_name, investment_at, investment_id)
);

CREATE TABLE projection_rebuilds (
  id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  projection          text        NOT NULL REFERENCES projections(name),
  -- The generation being built; it becomes active when the rebuild completes.
  generation          integer     NOT NULL,
  -- The generation it replaced (set when it completed).
  replaced_generation integer,
  state               text        NOT NULL CHECK (state IN ('queued', 'running', 'completed')),
  requested_by        text        NOT NULL,
  requested_at        timestamptz NOT NULL DEFAULT now(),
  started_at          timestamptz,
  finished_at         timestamptz,
  -- A rebuild skips coin_investment_times while it replays the bulk of the log and
  -- fills it with one INSERT … SELECT at the end of that phase; true from then on.
  investment_times_loaded boolean   NOT NULL DEFAULT false,
  -- Progress, written every few seconds by the instance running it.
  total_events        bigint,
  events_per_second   double precision,
  progress_at         timestamptz
);
-- At most one rebuild of a projection is open at a time.
CREATE UNIQUE INDEX projection_rebuilds_one_open ON projection_rebuilds (projection) WHERE state IN ('queued', 'running');

INSERT INTO portfolio_totals (generation, total_invested_usd, investment_count, coin_count)
VALUES (1, 0, 0, 0) ON CONFLICT (generation) DO NOTHING;

GRANT SELECT, INSERT, DELETE ON coin_investment_times TO crypto_projector;
GRANT SELECT, INSERT, UPDATE ON projection_rebuilds TO crypto_projector;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE projection_rebuilds, coin_investment_times;`);
  }
}
