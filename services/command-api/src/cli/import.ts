// `npm run import -- FILE.csv [--dry-run] [--skip-invalid] [--url …] [--api-key …]`:
// streams a CSV file to the command API's POST /imports (never reading it whole),
// shows a progress bar (plain progress lines when not on a terminal) and a summary,
// and exits 1 when the import was refused or failed. See import-cli.ts for the rules.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { PORTFOLIO_CSV } from '@crypto-invest/demo-data';
import { DATA_DIR } from '@crypto-invest/local-stack';
import {
  checkingLine,
  formatProblem,
  formatReport,
  importUrl,
  NdjsonLines,
  parseImportArgs,
  USAGE,
  writingLine,
  type ProblemLike,
  type ReportLike,
} from './import-cli.ts';

const out = (text: string) => process.stdout.write(text + '\n');
const err = (text: string) => process.stderr.write(text + '\n');

const parsed = parseImportArgs(process.argv.slice(2));
if (parsed.ok === 'help') {
  out(USAGE);
  process.exit(0);
}
if (!parsed.ok) {
  err(`${parsed.message}\n\n${USAGE}`);
  process.exit(2);
}
const args = parsed.args;

// npm runs scripts from the repository root; a relative path means relative to where `npm run` was typed.
const file = args.demo ? PORTFOLIO_CSV : resolve(process.env.INIT_CWD ?? process.cwd(), args.file!);
if (!existsSync(file) || !statSync(file).isFile()) {
  err(`no such file: ${file}`);
  process.exit(2);
}
const size = statSync(file).size;
const name = args.demo ? 'demo portfolio' : basename(file);

/** The key given, or the one `npm start` generated into its data folder (read, never created here). */
function apiKey(): string | undefined {
  if (args.apiKey) return args.apiKey;
  const keyFile = join(DATA_DIR, 'api-key');
  return existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() || undefined : undefined;
}

/** Progress on stderr: one redrawn line on a terminal, a line per second otherwise. */
function progressPrinter() {
  const tty = Boolean(process.stderr.isTTY);
  let lastPlain = 0;
  let lastText = '';
  let drawn = false;
  return {
    tty,
    show(line: (tty: boolean) => string, force = false) {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line(true)}`);
        drawn = true;
        return;
      }
      const text = line(false);
      if (text !== lastText && (force || Date.now() - lastPlain >= 1000)) {
        lastPlain = Date.now();
        lastText = text;
        err(text);
      }
    },
    done() {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}

const progress = progressPrinter();
const started = performance.now();
let sent = 0;
const fileStream = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
const body = fileStream.pipeThrough(
  new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      progress.show((tty) => checkingLine(sent, size, tty));
      controller.enqueue(chunk);
    },
  }),
);

const key = apiKey();
let response: Response;
try {
  response = await fetch(importUrl(args), {
    method: 'POST',
    body,
    duplex: 'half',
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(size),
      accept: 'application/x-ndjson, application/json;q=0.9, application/problem+json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
  } as RequestInit);
} catch (error) {
  progress.done();
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  err(`✖ could not reach the command API at ${args.url} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is it running (npm start)? Another address: --url`);
  process.exit(2);
}
progress.show((tty) => checkingLine(size, size, tty), true);

const contentType = response.headers.get('content-type') ?? '';
const seconds = () => (performance.now() - started) / 1000;

if (contentType.startsWith('application/x-ndjson') && response.body) {
  const lines = new NdjsonLines();
  let exitCode = 1;
  let finished = false;
  const handle = (text: string) => {
    const line = JSON.parse(text) as { type: string } & Record<string, unknown>;
    if (line.type === 'progress') {
      progress.show((tty) => writingLine(line.done as number, line.total as number, tty), line.done === line.total);
    } else if (line.type === 'report') {
      progress.done();
      const summary = formatReport(line as unknown as ReportLike, name, seconds());
      out(summary.text);
      exitCode = summary.exitCode;
      finished = true;
    } else if (line.type === 'failed') {
      progress.done();
      err(`✖ ${name}: ${line.title as string} — ${line.detail as string}`);
      finished = true;
    }
  };
  try {
    for await (const chunk of response.body) for (const text of lines.push(chunk)) handle(text);
    for (const text of lines.end()) handle(text);
  } catch (error) {
    progress.done();
    err(`✖ ${name}: the connection to the command API broke off (${(error as Error).message}); rows recorded so far stay — import the same file again to record the rest`);
    process.exit(1);
  }
  if (!finished) {
    progress.done();
    err(`✖ ${name}: the command API ended its answer without a report; import the same file again (rows already recorded are skipped)`);
  }
  process.exit(exitCode);
}

progress.done();
const text = await response.text();
let answer: Record<string, unknown>;
try {
  answer = JSON.parse(text) as Record<string, unknown>;
} catch {
  err(`✖ ${name}: HTTP ${response.status} with an answer that is not JSON: ${text.slice(0, 200)}`);
  process.exit(1);
}
if (response.ok || answer.outcome === 'refused') {
  const summary = formatReport(answer as unknown as ReportLike, name, seconds());
  (summary.exitCode ? err : out)(summary.text);
  process.exit(summary.exitCode);
}
err(formatProblem(answer as ProblemLike, name, response.status));
process.exit(1);
