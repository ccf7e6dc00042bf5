import type { Pool, PoolClient } from '@crypto-invest/postgres';
import type { NewInvestment, StoredInvestment } from '../investments/investment.ts';
import { INVESTMENT_COLUMNS, toInvestment, type InvestmentRow } from '../investments/investments.store.ts';

// SQL of CSV imports: rows are staged in `import_rows` while the file is read (so the
// service's memory does not grow with the file), then copied to `investments` batch by
// batch. The row key `<hash>:<n>` — the n-th row of the file with that hash — is made
// here, where all earlier rows of the import are.

export interface RowToStage {
  /** 1, 2, 3, … over the valid rows of the import, in file order. */
  seq: number;
  line: number;
  investment: NewInvestment;
  rowHash: string;
  /** How many rows with the same hash came before this one in the same call. */
  earlierInCall: number;
}

/**
 * Stages rows of an import (one statement) and answers how many of them were already
 * recorded by an earlier import. Their occurrence number counts the rows with the same
 * hash staged by earlier calls (one index probe each) plus those earlier in this call.
 */
export async function stageRows(pool: Pool, importId: string, rows: readonly RowToStage[]): Promise<{ alreadyPresent: number }> {
  if (!rows.length) return { alreadyPresent: 0 };
  const { rows: result } = await pool.query<{ already_present: number }>(
    `with input as (
       select * from unnest($2::int[], $3::int[], $4::text[], $5::numeric[], $6::numeric[], $7::timestamptz[], $8::text[], $9::text[], $10::int[])
         as v(seq, line, coin_name, amount, purchase_price_usd, "timestamp", price_source, row_hash, earlier)
     ), staged as (
       insert into import_rows (import_id, seq, line, coin_name, amount, purchase_price_usd, "timestamp", price_source, row_hash, row_key)
       select $1, seq, line, coin_name, amount, purchase_price_usd, "timestamp", price_source, row_hash,
              row_hash || ':' || (1 + earlier + (select count(*) from import_rows p where p.import_id = $1 and p.row_hash = input.row_hash))
       from input
       returning row_key
     )
     -- A scalar subquery: one probe of the UNIQUE index per row. (As EXISTS the planner may
     -- make it a hash semi-join that reads every investment for every window.)
     select count(*)::int as already_present from staged
     where (select true from investments i where i.import_row_key = staged.row_key)`,
    [
      importId,
      rows.map((r) => r.seq),
      rows.map((r) => r.line),
      rows.map((r) => r.investment.coin),
      rows.map((r) => r.investment.amount.toFixed()),
      rows.map((r) => r.investment.purchasePriceUsd.toFixed()),
      rows.map((r) => r.investment.timestamp.toISOString()),
      rows.map((r) => r.investment.priceSource),
      rows.map((r) => r.rowHash),
      rows.map((r) => r.earlierInCall),
    ],
  );
  return { alreadyPresent: result[0]!.already_present };
}

export interface RecordedRow {
  investment: StoredInvestment;
  line: number;
}

/**
 * Records the staged rows with seq in (afterSeq, lastSeq] as investments, in the
 * caller's transaction, with one multi-row INSERT … RETURNING. A row whose key an
 * earlier import recorded is skipped (ON CONFLICT on the UNIQUE import_row_key: also
 * right when two imports of one file run at once). Returns the new investments with
 * their lines.
 */
export async function recordStagedRows(client: PoolClient, importId: string, afterSeq: number, lastSeq: number): Promise<RecordedRow[]> {
  const range = [importId, afterSeq, lastSeq];
  // The lines come apart: joining them to RETURNING in one statement makes the planner
  // nest-loop two CTE scans it cannot estimate (seconds per batch instead of milliseconds).
  const lines = await client.query<{ row_key: string; line: number }>(
    `select row_key, line from import_rows where import_id = $1 and seq > $2 and seq <= $3`,
    range,
  );
  const lineOf = new Map(lines.rows.map((r) => [r.row_key, r.line]));
  const { rows } = await client.query<InvestmentRow & { import_row_key: string }>(
    `insert into investments (coin_name, amount, purchase_price_usd, "timestamp", price_source, import_row_key)
     select coin_name, amount, purchase_price_usd, "timestamp", price_source, row_key
     from import_rows where import_id = $1 and seq > $2 and seq <= $3 order by seq
     on conflict (import_row_key) do nothing
     returning ${INVESTMENT_COLUMNS}, import_row_key`,
    range,
  );
  return rows.map((row) => ({ investment: toInvestment(row), line: lineOf.get(row.import_row_key)! }));
}

/** Drops an import's staged rows, and those of imports that died (older than a day). */
export async function discardStagedRows(pool: Pool, importId: string): Promise<void> {
  await pool.query(`delete from import_rows where import_id = $1 or staged_at < now() - interval '1 day'`, [importId]);
}
