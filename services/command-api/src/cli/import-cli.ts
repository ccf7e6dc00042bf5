import { parseArgs } from 'node:util';

// The import CLI's pure parts: its arguments, what it prints, how it reads the
// server's NDJSON answer. src/cli/import.ts does the I/O.

export const USAGE = `usage: npm run import -- FILE.csv [--dry-run] [--skip-invalid] [--url http://127.0.0.1:8000] [--api-key KEY]
       npm run demo                 (the demo portfolio: npm run import -- --demo)

Streams FILE.csv (columns timestamp,coin,amount,purchase_price_usd) to the command API's POST /imports.
  --dry-run       check every row and report; record nothing
  --skip-invalid  record the valid rows even when some are invalid (default: any invalid row refuses the file)
  --url           the command API (default http://127.0.0.1:8000)
  --api-key       an API key (default: the one npm start keeps in its data folder, .data/api-key)
  --demo          import the demo portfolio (580 weekly purchases, 2019-2021) instead of FILE.csv
Exit status: 0 imported (or, with --dry-run, importable); 1 refused or failed; 2 not started (arguments, file, connection).`;

export interface ImportArgs {
  file: string | undefined;
  demo: boolean;
  dryRun: boolean;
  skipInvalid: boolean;
  url: string;
  apiKey: string | undefined;
}

export type ArgsResult = { ok: true; args: ImportArgs } | { ok: false; message: string } | { ok: 'help' };

export function parseImportArgs(argv: string[]): ArgsResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        'skip-invalid': { type: 'boolean', default: false },
        demo: { type: 'boolean', default: false },
        url: { type: 'string', default: 'http://127.0.0.1:8000' },
        'api-key': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: 'help' };
  if (positionals.length > 1) return { ok: false, message: `one file at a time (got ${positionals.length})` };
  if (!values.demo && positionals.length === 0) return { ok: false, message: 'which file? give FILE.csv (or --demo)' };
  if (values.demo && positionals.length) return { ok: false, message: 'give FILE.csv or --demo, not both' };
  let url: URL;
  try {
    url = new URL(values.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    return { ok: false, message: `--url must be an http(s) URL such as http://127.0.0.1:8000 (got ${JSON.stringify(values.url)})` };
  }
  const apiKey = values['api-key']?.trim();
  return {
    ok: true,
    args: {
      file: positionals[0],
      demo: values.demo,
      dryRun: values['dry-run'],
      skipInvalid: values['skip-invalid'],
      url: url.href.replace(/\/+$/, ''),
      apiKey: apiKey || undefined,
    },
  };
}

/** The POST /imports URL for these flags. */
export function importUrl(args: Pick<ImportArgs, 'url' | 'dryRun' | 'skipInvalid'>): string {
  const query = new URLSearchParams();
  if (args.dryRun) query.set('dry_run', 'true');
  if (args.skipInvalid) query.set('skip_invalid', 'true');
  const text = query.toString();
  return `${args.url}/imports${text ? `?${text}` : ''}`;
}

const count = (n: number) => n.toLocaleString('en-US');

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `[██████░░░░░░]  50%` */
export function bar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const full = Math.round(clamped * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.floor(clamped * 100)).padStart(3)}%`;
}

/** While the file is sent: the server reads, checks and prices rows as they arrive, so this is also its progress. */
export function checkingLine(sent: number, size: number, tty: boolean): string {
  const fraction = size ? sent / size : 1;
  return tty ? `checking  ${bar(fraction)}  ${formatBytes(sent)} of ${formatBytes(size)}` : `checking: ${Math.floor(fraction * 100)}% of ${formatBytes(size)} read`;
}

export function writingLine(done: number, total: number, tty: boolean): string {
  const fraction = total ? done / total : 1;
  return tty ? `importing ${bar(fraction)}  ${count(done)} of ${count(total)} rows` : `importing: ${count(done)} of ${count(total)} rows`;
}

export interface ReportLike {
  outcome: 'checked' | 'imported' | 'refused';
  rows: number;
  valid: number;
  invalid: number;
  new: number;
  already_present: number;
  recorded: number;
  importable: boolean;
  errors: Array<{ line: number; field: string; reason: string }>;
  errors_truncated: boolean;
  consistency_token: string | null;
}

/** Errors listed on the terminal; the rest are counted. */
const ERRORS_SHOWN = 30;

export function formatErrors(errors: ReportLike['errors'], truncated: boolean, invalidRows: number): string[] {
  const shown = errors.slice(0, ERRORS_SHOWN);
  const fieldWidth = Math.max(5, ...shown.map((e) => e.field.length));
  const lineWidth = Math.max(...shown.map((e) => String(e.line).length), 1);
  const lines = shown.map((e) => `  line ${String(e.line).padEnd(lineWidth)}  ${e.field.padEnd(fieldWidth)}  ${e.reason}`);
  const listedRows = new Set(shown.map((e) => e.line)).size;
  if (errors.length > shown.length || truncated) lines.push(`  … and more: ${count(invalidRows)} invalid rows in all (${count(listedRows)} shown)`);
  return lines;
}

/** What the CLI prints at the end, and its exit status. */
export function formatReport(report: ReportLike, file: string, seconds: number): { text: string; exitCode: number } {
  const tally = `${count(report.rows)} rows: ${count(report.new)} new, ${count(report.already_present)} already present, ${count(report.invalid)} invalid`;
  const took = `${seconds.toFixed(1)} s`;
  const errors = report.invalid ? formatErrors(report.errors, report.errors_truncated, report.invalid) : [];
  const fix = `Fix ${report.invalid === 1 ? 'it' : 'them'}, or run again with --skip-invalid to record the ${count(report.new)} new valid rows.`;
  switch (report.outcome) {
    case 'imported': {
      const head = `✔ ${file}: recorded ${count(report.recorded)} investment${report.recorded === 1 ? '' : 's'} (${tally}) in ${took}`;
      const skipped = report.invalid ? [`  skipped ${count(report.invalid)} invalid row${report.invalid === 1 ? '' : 's'}:`, ...errors] : [];
      const token = report.consistency_token ? [`  consistency token ${report.consistency_token} (X-Consistency-Token for the query API)`] : [];
      return { text: [head, ...skipped, ...token].join('\n'), exitCode: 0 };
    }
    case 'checked': {
      if (report.importable) {
        return { text: `✔ ${file}: dry run, nothing recorded — ${tally}; an import would record ${count(report.new)}.${report.invalid ? '\n' + errors.join('\n') : ''}`, exitCode: 0 };
      }
      return { text: [`✖ ${file}: dry run, nothing recorded — ${tally}; an import would be refused:`, ...errors, `  ${fix}`].join('\n'), exitCode: 1 };
    }
    case 'refused':
      return { text: [`✖ ${file}: import refused, nothing recorded — ${tally}:`, ...errors, `  ${fix}`].join('\n'), exitCode: 1 };
  }
}

export interface ProblemLike {
  status?: number;
  title?: string;
  detail?: string;
  errors?: Array<{ field: string; reason: string; line?: number }>;
}

/** A problem+json answer (400, 401, 413, 415, 429, 503, …). */
export function formatProblem(problem: ProblemLike, file: string, status: number): string {
  const head = `✖ ${file}: ${problem.title ?? `HTTP ${status}`} (${status}) — ${problem.detail ?? 'no detail'}`;
  const hint = status === 401 ? ['  give an API key with --api-key, or start the system with `npm start` (it keeps one in .data/api-key)'] : [];
  return [head, ...hint].join('\n');
}

/** Splits a byte stream of NDJSON into lines (a line may arrive in pieces). */
export class NdjsonLines {
  private rest = '';
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): string[] {
    this.rest += this.decoder.decode(chunk, { stream: true });
    const lines = this.rest.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.filter((line) => line.trim());
  }

  end(): string[] {
    const last = (this.rest + this.decoder.decode()).trim();
    this.rest = '';
    return last ? [last] : [];
  }
}
