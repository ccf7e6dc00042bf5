import { LosslessNumber } from '@crypto-invest/money';
import { ACTIVE_CHECKPOINT, type CheckpointRow } from '../freshness/projection-state.ts';
import type { HistoryCursor } from './history-cursor.ts';

export interface HistoryFilter {
  coin?: string;
  /** Inclusive lower bound (ISO 8601 instant). */
  from?: string;
  /** Exclusive upper bound (ISO 8601 instant). */
  to?: string;
  includeVoided: boolean;
}

export interface HistoryPage {
  limit: number;
  after?: HistoryCursor;
}

/** A row as the history queries return it: decimals (trailing zeros trimmed) and ids as exact text. */
export interface HistoryRow {
  id: string;
  coin_name: string;
  amount: string;
  purchase_price_usd: string;
  total_value_usd: string;
  timestamp: string;
  price_source: 'user' | 'coingecko';
  voided_at: string | null;
}

/**
 * The Investment view of the public contract (history items, command responses).
 * History only passes decimals through, so they stay the exact text PostgreSQL wrote
 * (trim_scale: every significant digit, no trailing zeros, never an exponent — the
 * same text Decimal#toFixed gives) in a LosslessNumber, which stringifyJsonExact
 * writes verbatim. No arithmetic happens, so no Decimal is built: at a million rows
 * that is most of the serialisation time.
 */
export interface InvestmentView {
  id: bigint;
  coin_name: string;
  amount: LosslessNumber;
  purchase_price_usd: LosslessNumber;
  total_value_usd: LosslessNumber;
  timestamp: string;
  price_source: 'user' | 'coingecko';
  voided: boolean;
  voided_at: string | null;
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * The history query, newest first (`timestamp desc, id desc`). Only the conditions
 * asked for appear in the SQL, so the planner sees plain equality and range
 * conditions that match idx_investments_coin (coin_name, "timestamp" desc, id desc)
 * or idx_investments_timestamp ("timestamp" desc, id desc); a page continues with
 * the row comparison ("timestamp", id) < (t, i), one index range scan however deep
 * the page. A page asks for one row more than its limit to learn whether another
 * page follows.
 */
export function historyQuery(filter: HistoryFilter, page?: HistoryPage): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.coin !== undefined) where.push(`investments.coin_name = ${param(filter.coin)}`);
  if (filter.from !== undefined) where.push(`investments."timestamp" >= ${param(filter.from)}::timestamptz`);
  if (filter.to !== undefined) where.push(`investments."timestamp" < ${param(filter.to)}::timestamptz`);
  if (!filter.includeVoided) where.push('investments.voided_at is null');
  if (page?.after) {
    where.push(`(investments."timestamp", investments.id) < (${param(page.after.timestamp)}::timestamptz, ${param(page.after.id)}::bigint)`);
  }
  const text = [
    `select id::text, coin_name, trim_scale(amount)::text as amount, trim_scale(purchase_price_usd)::text as purchase_price_usd,`,
    `  trim_scale(total_value_usd)::text as total_value_usd,`,
    `  to_char("timestamp" at time zone 'UTC', ${ISO_MS}) as "timestamp", price_source,`,
    `  to_char(voided_at at time zone 'UTC', ${ISO_MS}) as voided_at`,
    page ? `  , investments."timestamp" as sort_timestamp, investments.id as sort_id` : '',
    `from investments`,
    where.length > 0 ? `where ${where.join(' and ')}` : '',
    // Qualified: a bare "timestamp"/id here would name the output columns (text), not the indexed ones.
    `order by investments."timestamp" desc, investments.id desc`,
    // A literal, not a parameter: a prepared statement's generic plan then knows how few rows it needs.
    page ? `limit ${pageLimit(page.limit) + 1}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return { text, values };
}

function pageLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`not a page limit: ${limit}`);
  return limit;
}

export function toInvestmentView(row: HistoryRow): InvestmentView {
  return {
    id: BigInt(row.id),
    coin_name: row.coin_name,
    amount: new LosslessNumber(row.amount),
    purchase_price_usd: new LosslessNumber(row.purchase_price_usd),
    total_value_usd: new LosslessNumber(row.total_value_usd),
    timestamp: row.timestamp,
    price_source: row.price_source,
    voided: row.voided_at !== null,
    voided_at: row.voided_at,
  };
}

/** A page row with the checkpoint it was read with (the page's columns are null when the page is empty). */
export type HistoryPageRow = CheckpointRow & { [K in keyof HistoryRow]: HistoryRow[K] | null };

/**
 * One page and the active projection checkpoint in ONE statement: a statement reads
 * one snapshot, so the two agree, and a page costs a single round trip (no BEGIN and
 * COMMIT). The checkpoint row is always returned; the page joins it.
 */
export function historyPageQuery(filter: HistoryFilter, page: HistoryPage): { text: string; values: unknown[] } {
  const inner = historyQuery(filter, page);
  return {
    text: [
      `with checkpoint as (${ACTIVE_CHECKPOINT})`,
      `select checkpoint.*, page.id, page.coin_name, page.amount, page.purchase_price_usd, page.total_value_usd,`,
      `  page."timestamp", page.price_source, page.voided_at`,
      `from checkpoint left join lateral (${inner.text}) page on true`,
      `order by page.sort_timestamp desc, page.sort_id desc`,
    ].join('\n'),
    values: inner.values,
  };
}
