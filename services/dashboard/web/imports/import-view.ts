import type { ImportReport, ImportRowError } from '../api/model.ts';
import { groupThousands } from '../format/format.ts';

// What the import screen says, as pure functions of the command API's report and progress.

/** Where a running check or import is: sending the file, waiting for the check, writing rows. */
export type ImportStage =
  | { step: 'uploading'; sent: number; total: number }
  | { step: 'checking' }
  | { step: 'writing'; done: number; total: number; recorded: number };

export type ImportAction = 'check' | 'import';

export const count = (n: number) => groupThousands(String(n));
const rows = (n: number) => `${count(n)} ${n === 1 ? 'row' : 'rows'}`;
const purchases = (n: number) => `${count(n)} ${n === 1 ? 'purchase' : 'purchases'}`;

/** A file's bad rows, one entry per line, its failing fields in the order reported. */
export function groupErrorsByLine(errors: readonly ImportRowError[]): Array<{ line: number; problems: Array<{ field: string; reason: string }> }> {
  const byLine = new Map<number, Array<{ field: string; reason: string }>>();
  for (const { line, field, reason } of errors) {
    const problems = byLine.get(line) ?? [];
    problems.push({ field, reason });
    byLine.set(line, problems);
  }
  return [...byLine.entries()].sort(([a], [b]) => a - b).map(([line, problems]) => ({ line, problems }));
}

/** Whether the checked file can be imported as chosen, what the button says, and why not when not. */
export function importChoice(report: ImportReport, skipInvalid: boolean): { canImport: boolean; label: string; why: string | null } {
  const label = report.invalid > 0 ? `Import ${rows(report.newRows)}, skip ${rows(report.invalid)}` : `Import ${rows(report.newRows)}`;
  if (report.invalid > 0 && !skipInvalid) {
    return {
      canImport: false,
      label: `Import ${rows(report.newRows)}`,
      why: 'A file is imported whole or not at all: fix the invalid rows and choose the file again, or choose to skip them.',
    };
  }
  if (report.newRows === 0) {
    return { canImport: false, label, why: 'Every valid row is already recorded: importing this file would add nothing.' };
  }
  return { canImport: true, label, why: null };
}

/**
 * The progress bar's label and value (value undefined: indeterminate), and a coarser sentence for
 * screen readers (in steps of 10 %, so the live region does not chatter).
 */
export function describeStage(stage: ImportStage, action: ImportAction): { label: string; spoken: string; value: number | undefined; max: number } {
  switch (stage.step) {
    case 'uploading': {
      const percent = stage.total > 0 ? Math.floor((stage.sent / stage.total) * 100) : 0;
      return { label: `Sending the file: ${percent} %`, spoken: `Sending the file: ${tens(percent)} %`, value: stage.sent, max: Math.max(stage.total, 1) };
    }
    case 'checking': {
      const label = action === 'check' ? 'Checking the rows…' : 'Checking the rows before recording…';
      return { label, spoken: label, value: undefined, max: 1 };
    }
    case 'writing': {
      const percent = stage.total > 0 ? Math.floor((stage.done / stage.total) * 100) : 100;
      return {
        label: `Recording: ${count(stage.done)} of ${rows(stage.total)}`,
        spoken: `Recording rows: ${tens(percent)} %`,
        value: stage.total > 0 ? stage.done : 1,
        max: Math.max(stage.total, 1),
      };
    }
  }
}

const tens = (percent: number) => Math.min(100, Math.floor(percent / 10) * 10);

/** The report's heading and a sentence of what happened, in the screen's words. */
export function describeReport(report: ImportReport): { title: string; summary: string } {
  const tally = `${rows(report.rows)}: ${count(report.newRows)} new, ${count(report.alreadyPresent)} already present, ${count(report.invalid)} invalid.`;
  switch (report.outcome) {
    case 'checked':
      return { title: 'Checked: nothing recorded yet', summary: tally };
    case 'refused':
      return { title: 'Refused: nothing recorded', summary: `${tally} The file has invalid rows; fix them, or choose to skip them.` };
    case 'imported':
      return {
        title: `Imported ${purchases(report.recorded)}`,
        summary:
          `Recorded ${purchases(report.recorded)}; ${rows(report.alreadyPresent)} already present` +
          (report.invalid ? `; skipped ${rows(report.invalid)} (invalid).` : '.'),
      };
  }
}
