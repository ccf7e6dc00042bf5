// What an import answers: counts, the bad rows by line, and a sentence for people.
// Pure functions, shared by the JSON answer, the NDJSON stream and the refusal.

/** A failing field of a row of the file. */
export interface RowError {
  /** Line of the file where the row starts (the header is line 1). */
  line: number;
  /** A column name, or `row` for the row as a whole (wrong number of fields). */
  field: string;
  reason: string;
}

export type ImportOutcome = 'checked' | 'imported' | 'refused';

export interface ImportCounts {
  /** Data rows in the file (blank lines not counted). */
  rows: number;
  valid: number;
  invalid: number;
  /** Valid rows not recorded by an earlier import: recorded now, or (dry run, refusal) that would be. */
  new: number;
  /** Valid rows an earlier import already recorded (same row identity): never recorded twice. */
  already_present: number;
}

export interface ImportReport extends ImportCounts {
  outcome: ImportOutcome;
  dry_run: boolean;
  skip_invalid: boolean;
  /** Investments recorded by this request. */
  recorded: number;
  /** Whether an import of this file with the same `skip_invalid` would record its rows (no invalid rows, or skip_invalid). */
  importable: boolean;
  /** Every failing field of every invalid row, by line (the first `MAX_LISTED_ERRORS` of them). */
  errors: RowError[];
  /** True when more errors were found than are listed. */
  errors_truncated: boolean;
  /** Position of the last event written: read-your-writes on the query API. */
  consistency_token: string | null;
  message: string;
}

/** Errors listed in a report; the counts stay exact beyond it. A file with more problems is the wrong file. */
export const MAX_LISTED_ERRORS = 1_000;

/** Lines named in a message before "…". */
const LINES_IN_MESSAGE = 10;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function invalidLines(errors: readonly RowError[]): number[] {
  return [...new Set(errors.map((e) => e.line))].sort((a, b) => a - b);
}

function linesText(errors: readonly RowError[], invalid: number): string {
  const lines = invalidLines(errors);
  const shown = lines.slice(0, LINES_IN_MESSAGE).join(', ');
  return lines.length > LINES_IN_MESSAGE || invalid > lines.length ? `${shown}, …` : shown;
}

/** The report of a file whose rows have been checked (and, for `imported`, written). */
export function importReport(input: {
  outcome: ImportOutcome;
  dryRun: boolean;
  skipInvalid: boolean;
  counts: ImportCounts;
  recorded: number;
  errors: readonly RowError[];
  errorsTruncated: boolean;
  consistencyToken: string | null;
}): ImportReport {
  const { counts, errors } = input;
  const importable = counts.invalid === 0 || input.skipInvalid;
  const sorted = [...errors].sort((a, b) => a.line - b.line);
  const tally = `${plural(counts.rows, 'row')}: ${counts.new.toLocaleString('en-US')} new, ${counts.already_present.toLocaleString('en-US')} already present, ${counts.invalid.toLocaleString('en-US')} invalid`;
  const bad = counts.invalid ? `${plural(counts.invalid, 'row')} ${counts.invalid === 1 ? 'is' : 'are'} invalid (line${counts.invalid === 1 ? '' : 's'} ${linesText(sorted, counts.invalid)})` : '';
  const fix = `fix ${counts.invalid === 1 ? 'it' : 'them'}, or import with skip_invalid=true to record the ${plural(counts.new, 'new valid row')} only`;
  let message: string;
  switch (input.outcome) {
    case 'checked':
      message = importable
        ? `Dry run, nothing recorded. ${tally}; an import would record ${plural(counts.new, 'investment')}.`
        : `Dry run, nothing recorded. ${tally}. An import would be refused: ${bad}; ${fix}.`;
      break;
    case 'refused':
      message = `Import refused, nothing recorded: ${bad}. ${tally}; ${fix}.`;
      break;
    case 'imported':
      message =
        `Imported: recorded ${plural(input.recorded, 'investment')}; ${plural(counts.already_present, 'row')} already present` +
        (counts.invalid ? `; skipped ${bad}.` : '.');
      break;
  }
  return {
    outcome: input.outcome,
    dry_run: input.dryRun,
    skip_invalid: input.skipInvalid,
    ...counts,
    recorded: input.recorded,
    importable,
    errors: sorted,
    errors_truncated: input.errorsTruncated,
    consistency_token: input.consistencyToken,
    message,
  };
}
