import type { Decimal } from '@crypto-invest/money';

// What the panels work with: decimals as exact Decimals, ids and counts as numbers.

export interface Investment {
  id: number;
  coin: string;
  amount: Decimal;
  priceUsd: Decimal;
  totalUsd: Decimal;
  timestamp: string;
  priceSource: 'user' | 'coingecko';
  voided: boolean;
  voidedAt: string | null;
}

export interface CoinHolding {
  coin: string;
  amount: Decimal;
  investedUsd: Decimal;
  count: number;
  averagePriceUsd: Decimal | null;
  /** Fraction of the total invested, 0..1. */
  share: Decimal | null;
  firstAt: string | null;
  lastAt: string | null;
  currentPriceUsd: Decimal | null;
  currentValueUsd: Decimal | null;
  pnlUsd: Decimal | null;
  /** In percent (12.5 means 12.5 %). */
  pnlPercent: Decimal | null;
}

export interface InvestedPoint {
  /** First UTC day of the bucket, `2021-03-05`. */
  day: string;
  /** USD invested in the bucket (all coins, live investments). */
  investedUsd: Decimal;
  /** Running total up to and including the bucket. */
  cumulativeUsd: Decimal;
}

export interface InvestedSeries {
  /** Width of each point: the query API widens it for long histories. */
  bucket: 'day' | 'week' | 'month';
  points: InvestedPoint[];
}

export interface PortfolioStats {
  totalInvestments: number;
  investedUsd: Decimal;
  coinCount: number;
  coins: CoinHolding[];
  current: {
    available: boolean;
    valueUsd: Decimal | null;
    pnlUsd: Decimal | null;
    pnlPercent: Decimal | null;
    reason: string | null;
  };
  daily: InvestedSeries;
}

/** A read from the query API with how fresh it is. */
export interface Read<T> {
  data: T;
  /** The projection position the data reflects (X-Projection-Position), when the API said. */
  position: string | null;
  /** The API's wait for a consistency token ran out: the data may miss recent writes. */
  stale: boolean;
}

export interface HistoryQuery {
  coin?: string;
  from?: string;
  to?: string;
  includeVoided?: boolean;
  limit: number;
}

export interface HistoryPage {
  items: Investment[];
  /** The query parameters of the next (older) page, from the Link header; null on the last page. */
  next: Record<string, string> | null;
}

export interface RecordCommand {
  coin: string;
  amount: string;
  purchase_price_usd?: string;
  timestamp?: string;
}

export interface CommandResult {
  investment: Investment;
  /** Reads carrying it include this write. Null when nothing was written (voiding twice). */
  consistencyToken: string | null;
}

/** A failing field of a row of an imported CSV file. */
export interface ImportRowError {
  /** Line of the file where the row starts (the header is line 1). */
  line: number;
  /** A column, or `row` for the row as a whole. */
  field: string;
  reason: string;
}

/** What an import did, or (a dry run, a refusal) would do. */
export interface ImportReport {
  /** `checked`: a dry run; `imported`: rows recorded; `refused`: invalid rows, nothing recorded. */
  outcome: 'checked' | 'imported' | 'refused';
  /** Data rows in the file. */
  rows: number;
  valid: number;
  invalid: number;
  /** Valid rows no earlier import recorded (recorded now, or that would be). */
  newRows: number;
  /** Valid rows an earlier import already recorded. */
  alreadyPresent: number;
  /** Investments this request recorded. */
  recorded: number;
  /** Every failing field, by line (at most the first 1,000). */
  errors: ImportRowError[];
  /** More errors were found than are listed; the counts stay exact. */
  errorsTruncated: boolean;
  /** Reads carrying it include the import. Null when nothing was written. */
  consistencyToken: string | null;
  /** The command API's sentence for people. */
  message: string;
}

/** Rows written so far (after the file was read and checked). */
export interface ImportProgress {
  done: number;
  total: number;
  recorded: number;
}

/** The database failed part-way: the rows recorded so far stay; importing again records the rest. */
export interface ImportFailure {
  detail: string;
  recorded: number;
  consistencyToken: string | null;
}

export type ImportResult =
  | { kind: 'imported'; report: ImportReport }
  /** Invalid rows and no skip_invalid: nothing recorded (the file changed since its dry run). */
  | { kind: 'refused'; report: ImportReport }
  | { kind: 'failed'; failure: ImportFailure };

/** What an import tells while it runs; each step comes at most once except progress. */
export interface ImportListener {
  /** Bytes of the file sent so far. */
  uploading?(sent: number, total: number): void;
  /** The file is sent: the command API finishes reading, checking and pricing its rows (no figures for that). */
  checking?(): void;
  /** Rows written so far. */
  writing?(progress: ImportProgress): void;
}
