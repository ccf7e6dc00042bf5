import { DomainError, encodePosition, type EventPosition } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import { withTransaction, type Pool } from '@crypto-invest/postgres';
import { decideInvestment, investmentRecorded, planPrice } from '../investments/investment.ts';
import { appendInvestmentEvents } from '../investments/investments.store.ts';
import type { PriceLookup } from '../investments/record-investment.ts';
import { databaseUnavailable } from '../database-errors.ts';
import { readCsvRecords } from './csv-records.ts';
import { checkImportRow, importRowHash, isBlankRow, readHeader, type ImportHeader, type RowCheck } from './csv-rows.ts';
import { createImportPrices, type ImportPrices } from './import-prices.ts';
import { MAX_LISTED_ERRORS, type RowError } from './import-report.ts';
import { recordStagedRows, stageRows, type RowToStage } from './imports.store.ts';

// An import in two phases. Reading: the file streams through the CSV parser; every row
// is checked by the command's rules, priced (its own price, or CoinGecko's for its day)
// and decided exactly as POST /invest would, then staged in the database a window at a
// time — memory stays flat whatever the file's size. Writing (only when the whole file
// may be imported): the staged rows become investments and `InvestmentRecorded` events,
// a batch per transaction.

export interface ImportDeps {
  pool: Pool;
  prices: PriceLookup;
  now: () => Date;
  logger: Logger;
}

export interface ImportLimits {
  maxBytes: number;
  /** Rows checked, priced and staged together. */
  windowRows: number;
  /** Rows written per transaction. */
  batchRows: number;
  priceConcurrency: number;
  maxPriceLookups: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxBytes: 64 * 1024 * 1024,
  windowRows: 1_000,
  batchRows: 2_000,
  priceConcurrency: 4,
  maxPriceLookups: 5_000,
};

/** A file read, checked and staged: what an import would do. */
export interface StagedImport {
  importId: string;
  rows: number;
  valid: number;
  invalid: number;
  alreadyPresent: number;
  errors: RowError[];
  errorsTruncated: boolean;
  /** Distinct coin-days CoinGecko was asked for. */
  priceLookups: number;
}

interface PendingRow {
  line: number;
  command: Extract<RowCheck, { ok: true }>['command'];
}

/**
 * Reads the file and stages its valid rows under `importId`. Throws a 400 DomainError
 * for a file that cannot be read as an import (no header, wrong columns, broken CSV),
 * `ImportTooLarge` past the size limit; bad rows are not thrown but counted and listed.
 */
export async function stageImportFile(
  deps: ImportDeps,
  limits: ImportLimits,
  importId: string,
  body: AsyncIterable<Uint8Array>,
): Promise<StagedImport> {
  const now = deps.now();
  const prices = createImportPrices(deps.prices, { concurrency: limits.priceConcurrency, maxLookups: limits.maxPriceLookups });
  const staged: StagedImport = { importId, rows: 0, valid: 0, invalid: 0, alreadyPresent: 0, errors: [], errorsTruncated: false, priceLookups: 0 };
  const invalidRow = (line: number, problems: ReadonlyArray<{ field: string; reason: string }>) => {
    staged.invalid++;
    for (const { field, reason } of problems) {
      if (staged.errors.length < MAX_LISTED_ERRORS) staged.errors.push({ line, field, reason });
      else staged.errorsTruncated = true;
    }
  };

  let header: ImportHeader | undefined;
  let window: PendingRow[] = [];
  for await (const record of readCsvRecords(body, limits.maxBytes)) {
    if (isBlankRow(record.fields)) continue;
    if (!header) {
      const checked = readHeader(record.fields);
      if (!checked.ok) throw badHeader(record.line, checked.reason);
      header = checked.header;
      continue;
    }
    staged.rows++;
    const row = checkImportRow(record.fields, header, now);
    if (!row.ok) invalidRow(record.line, row.problems);
    else window.push({ line: record.line, command: row.command });
    if (window.length >= limits.windowRows) {
      await stageWindow(deps.pool, staged, window, prices, now, invalidRow);
      window = [];
    }
  }
  if (!header) throw badHeader(1, 'the file is empty; its first line must be the header timestamp,coin,amount,purchase_price_usd');
  await stageWindow(deps.pool, staged, window, prices, now, invalidRow);
  staged.priceLookups = prices.lookups;
  return staged;
}

/** Prices a window of checked rows (its lookups in parallel), decides each investment and stages the window. */
async function stageWindow(
  pool: Pool,
  staged: StagedImport,
  window: readonly PendingRow[],
  prices: ImportPrices,
  now: Date,
  invalidRow: (line: number, problems: ReadonlyArray<{ field: string; reason: string }>) => void,
): Promise<void> {
  if (!window.length) return;
  const outcomes = await Promise.all(window.map(({ command }) => prices.price(command.coin, planPrice(command, now))));
  const rows: RowToStage[] = [];
  const seenInWindow = new Map<string, number>();
  window.forEach(({ line, command }, i) => {
    const price = outcomes[i]!;
    if (!price.ok) return invalidRow(line, [price.problem]);
    const rowHash = importRowHash(command);
    const earlierInCall = seenInWindow.get(rowHash) ?? 0;
    seenInWindow.set(rowHash, earlierInCall + 1);
    staged.valid++;
    rows.push({ seq: staged.valid, line, rowHash, earlierInCall, investment: decideInvestment(command, price.value, price.source, now) });
  });
  const { alreadyPresent } = await stageRows(pool, staged.importId, rows).catch(databaseUnavailable);
  staged.alreadyPresent += alreadyPresent;
}

function badHeader(line: number, reason: string): DomainError {
  return new DomainError('invalid', 'invalid-csv-header', 'The file’s header is not valid', `line ${line}: ${reason}; nothing was recorded`, {
    fields: [{ line, field: 'header', reason } as { field: string; reason: string }],
  });
}

export interface WriteProgress {
  /** Staged rows handled so far (recorded or found already present). */
  done: number;
  total: number;
  recorded: number;
}

export interface WrittenImport {
  recorded: number;
  /** The last event written, if any. */
  position: EventPosition | undefined;
  /** True when the client went away and the import stopped after a batch. */
  stopped: boolean;
}

/** The database failed after part of the file was recorded (each batch commits alone). */
export class ImportInterrupted extends Error {
  constructor(
    readonly recorded: number,
    readonly position: EventPosition | undefined,
    override readonly cause: unknown,
  ) {
    super(`import interrupted after ${recorded} rows were recorded`);
  }
}

/**
 * Writes the staged rows: per batch ONE transaction inserts the investments (multi-row
 * INSERT … RETURNING, rows already present skipped), their `InvestmentRecorded` events
 * (built by the same function as POST /invest's) and one NOTIFY. A batch commits whole
 * or not at all; a failure stops the import with `ImportInterrupted`, and importing the
 * same file again records exactly the rest.
 */
export async function writeStagedImport(
  deps: Pick<ImportDeps, 'pool'>,
  staged: StagedImport,
  options: { batchRows: number; metadata: Record<string, string>; signal?: AbortSignal; onProgress?: (progress: WriteProgress) => void },
): Promise<WrittenImport> {
  let recorded = 0;
  let position: EventPosition | undefined;
  for (let after = 0; after < staged.valid; after += options.batchRows) {
    if (options.signal?.aborted) return { recorded, position, stopped: true };
    const last = Math.min(after + options.batchRows, staged.valid);
    try {
      const batch = await withTransaction(deps.pool, async (client) => {
        const rows = await recordStagedRows(client, staged.importId, after, last);
        const events = rows.map(({ investment, line }) => ({
          event: investmentRecorded(investment),
          metadata: { ...options.metadata, import_line: String(line) },
        }));
        return { count: rows.length, position: await appendInvestmentEvents(client, events) };
      });
      recorded += batch.count;
      position = batch.position ?? position;
    } catch (error) {
      throw new ImportInterrupted(recorded, position, error);
    }
    options.onProgress?.({ done: last, total: staged.valid, recorded });
  }
  return { recorded, position, stopped: false };
}

export const tokenOf = (position: EventPosition | undefined) => (position ? encodePosition(position) : null);
