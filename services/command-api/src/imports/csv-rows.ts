import { createHash } from 'node:crypto';
import type { FieldProblem } from '@crypto-invest/contracts';
import { toPlain } from '@crypto-invest/money';
import { checkRecordInvestment, type RecordInvestmentCommand } from '../investments/investment.ts';

// The rules of a CSV import's header and rows: pure functions, no I/O. A row is turned
// into the body of `POST /invest` and checked by the very same rules
// (`checkRecordInvestment`); only what is particular to a CSV file is decided here.

/** The columns of an import file (the seed's fields), in the order we write them. */
export const IMPORT_COLUMNS = ['timestamp', 'coin', 'amount', 'purchase_price_usd'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Where each column is in the file's rows (the header may list them in any order). */
export interface ImportHeader {
  index: Record<ImportColumn, number>;
  width: number;
}

export type HeaderCheck = { ok: true; header: ImportHeader } | { ok: false; reason: string };

const EXPECTED = IMPORT_COLUMNS.join(',');

/** Checks the first line of a file: exactly the four columns, each once, in any order. */
export function readHeader(fields: readonly string[]): HeaderCheck {
  const names = fields.map((f) => f.trim().toLowerCase());
  if (names.some((n) => n.includes('\u0000'))) {
    return { ok: false, reason: `the file looks UTF-16 encoded; save it as "CSV UTF-8" (its first line must be ${EXPECTED})` };
  }
  if (names.length === 1) {
    const only = names[0]!;
    const separator = only.includes(';') ? 'semicolons' : only.includes('\t') ? 'tabs' : undefined;
    if (separator) {
      return {
        ok: false,
        reason: `the columns are separated by ${separator}; separate them with commas (${EXPECTED}) and write decimals with a point (0.5)`,
      };
    }
  }
  if (looksLikeData(names)) {
    return { ok: false, reason: `the first line must be the header ${EXPECTED}; this one looks like a row of data` };
  }
  const issues: string[] = [];
  const index: Partial<Record<ImportColumn, number>> = {};
  names.forEach((name, i) => {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
      issues.push(name ? `unknown column "${fields[i]!.trim()}"` : `column ${i + 1} has no name`);
    } else if (index[name as ImportColumn] !== undefined) {
      issues.push(`column "${name}" appears twice`);
    } else {
      index[name as ImportColumn] = i;
    }
  });
  for (const column of IMPORT_COLUMNS) if (index[column] === undefined) issues.push(`missing column "${column}"`);
  if (issues.length) {
    return { ok: false, reason: `the header must name exactly the columns ${EXPECTED} (in any order): ${issues.join('; ')}` };
  }
  return { ok: true, header: { index: index as Record<ImportColumn, number>, width: names.length } };
}

const looksLikeData = (names: readonly string[]) => /^\d{4}-\d{2}-\d{2}/.test(names[0] ?? '') || names.some((n) => /^\d+([.,]\d+)?$/.test(n));

/** A blank row (every field empty, e.g. the `,,,` lines spreadsheets leave at the end): not a row at all. */
export const isBlankRow = (fields: readonly string[]) => fields.every((f) => f.trim() === '');

export type RowCheck = { ok: true; command: RecordInvestmentCommand & { timestamp: Date } } | { ok: false; problems: FieldProblem[] };

/**
 * Checks one data row and returns the command it stands for, or every failing field.
 * The field names of the problems are the column names.
 */
export function checkImportRow(fields: readonly string[], header: ImportHeader, now: Date): RowCheck {
  if (fields.length !== header.width) {
    const hint =
      fields.length > header.width
        ? ' — a decimal comma such as 0,5? write 0.5 (or quote the field)'
        : ' — keep a comma for every column, even an empty purchase_price_usd';
    return { ok: false, problems: [{ field: 'row', reason: `has ${fields.length} fields, the header has ${header.width}${hint}` }] };
  }
  const value = (column: ImportColumn) => fields[header.index[column]]!.trim();
  const problems: FieldProblem[] = [];

  const timestampText = value('timestamp');
  const timestamp = normaliseTimestamp(timestampText);
  if (!timestamp.ok) problems.push({ field: 'timestamp', reason: timestamp.reason });

  const price = value('purchase_price_usd');
  const checked = checkRecordInvestment(
    {
      coin: value('coin'),
      amount: value('amount'),
      // Empty: the price of the purchase's day is looked up, as POST /invest does without one.
      purchase_price_usd: price === '' ? undefined : price,
      // A timestamp already refused above is not checked twice.
      timestamp: timestamp.ok ? timestamp.value : undefined,
    },
    now,
  );
  if (!checked.ok) problems.push(...checked.problems);
  if (problems.length || !checked.ok) return { ok: false, problems: sortByColumn(problems) };
  return { ok: true, command: checked.command as RecordInvestmentCommand & { timestamp: Date } };
}

const FIELD_ORDER = ['row', ...IMPORT_COLUMNS];
const sortByColumn = (problems: FieldProblem[]) => [...problems].sort((a, b) => FIELD_ORDER.indexOf(a.field) - FIELD_ORDER.indexOf(b.field));

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const TIME_ZONE_HINT = 'add Z for UTC or an offset such as +02:00 (a date alone means 00:00 UTC)';

/**
 * An ISO 8601 date or date-time from a spreadsheet, as the strict form the command
 * takes (`2021-03-01T14:30:00Z`): a date alone is 00:00 UTC; a space may stand for the
 * `T`; seconds may be left out. A date-time without a time zone is refused rather than
 * guessed: the same wall-clock time is a different instant (and maybe another day's
 * price) in every zone.
 */
export function normaliseTimestamp(text: string): { ok: true; value: string } | { ok: false; reason: string } {
  if (text === '') return { ok: false, reason: 'is required: a date (2021-03-01) or a date-time with a time zone (2021-03-01T14:30:00Z)' };
  const date = DATE.exec(text);
  if (date) return isCalendarDate(text) ? { ok: true, value: `${text}T00:00:00Z` } : { ok: false, reason: `${text} is not a date in the calendar` };
  const dateTime = DATE_TIME.exec(text);
  if (!dateTime) {
    const hint = /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}/.test(text) ? '; dates such as 01/03/2021 are ambiguous, write 2021-03-01' : '';
    return { ok: false, reason: `must be an ISO 8601 date (2021-03-01) or date-time with a time zone (2021-03-01T14:30:00Z)${hint}` };
  }
  const [, day, hours, minutes, seconds = '00', fraction = '', zulu, sign, offsetHours, offsetMinutes = '00'] = dateTime;
  if (!isCalendarDate(day!)) return { ok: false, reason: `${day} is not a date in the calendar` };
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return { ok: false, reason: `${hours}:${minutes}:${seconds} is not a time of day` };
  if (!zulu && !sign) return { ok: false, reason: `has no time zone: ${TIME_ZONE_HINT}` };
  if (sign && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) return { ok: false, reason: 'has an offset that is not one (use ±hh:mm, e.g. +02:00)' };
  const zone = zulu ? 'Z' : `${sign}${offsetHours}:${offsetMinutes}`;
  return { ok: true, value: `${day}T${hours}:${minutes}:${seconds}${fraction}${zone}` };
}

function isCalendarDate(day: string): boolean {
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

/**
 * The identity of a purchase across imports: a hash of the row as understood (coin id,
 * exact amount and price as written without trailing zeros, the instant to the
 * millisecond) — so `BTC`/`bitcoin`, `0.50`/`0.5` and `2021-03-01`/`2021-03-01T00:00:00Z`
 * are the same row. An empty price stays empty: the row is the same whatever price
 * CoinGecko gives. Two identical purchases in one file are told apart by their
 * occurrence number: the row key is `<hash>:<n>` for the n-th identical row
 * (numbered where the rows are staged, imports.store.ts).
 */
export function importRowHash(command: RecordInvestmentCommand & { timestamp: Date }): string {
  const normalised = JSON.stringify([
    command.timestamp.toISOString(),
    command.coin,
    toPlain(command.amount),
    command.purchasePriceUsd ? toPlain(command.purchasePriceUsd) : '',
  ]);
  return createHash('sha256').update(normalised).digest('base64url');
}
