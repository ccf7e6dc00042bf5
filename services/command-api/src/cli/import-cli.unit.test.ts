import { describe, expect, it } from 'vitest';
import { bar, checkingLine, formatReport, importUrl, NdjsonLines, parseImportArgs, writingLine, type ReportLike } from './import-cli.ts';

describe('parseImportArgs', () => {
  it('takes a file and the flags, with the local command API as the default', () => {
    expect(parseImportArgs(['x.csv', '--dry-run', '--skip-invalid', '--api-key', ' k '])).toEqual({
      ok: true,
      args: { file: 'x.csv', demo: false, dryRun: true, skipInvalid: true, url: 'http://127.0.0.1:8000', apiKey: 'k' },
    });
    expect(parseImportArgs(['--demo', '--url', 'http://127.0.0.1:9000/'])).toMatchObject({ ok: true, args: { demo: true, file: undefined, url: 'http://127.0.0.1:9000' } });
  });

  it('refuses what it cannot do, saying why', () => {
    expect(parseImportArgs([])).toEqual({ ok: false, message: 'which file? give FILE.csv (or --demo)' });
    expect(parseImportArgs(['a.csv', 'b.csv'])).toMatchObject({ ok: false, message: 'one file at a time (got 2)' });
    expect(parseImportArgs(['a.csv', '--demo'])).toMatchObject({ ok: false });
    expect(parseImportArgs(['a.csv', '--url', 'ftp://x'])).toMatchObject({ ok: false, message: expect.stringContaining('--url') });
    expect(parseImportArgs(['a.csv', '--force'])).toMatchObject({ ok: false, message: expect.stringContaining('--force') });
    expect(parseImportArgs(['-h'])).toEqual({ ok: 'help' });
  });
});

it('builds the POST /imports URL from the flags', () => {
  expect(importUrl({ url: 'http://h:1', dryRun: false, skipInvalid: false })).toBe('http://h:1/imports');
  expect(importUrl({ url: 'http://h:1', dryRun: true, skipInvalid: true })).toBe('http://h:1/imports?dry_run=true&skip_invalid=true');
});

describe('progress', () => {
  it('draws a bar on a terminal and plain lines otherwise', () => {
    expect(bar(0.5, 10)).toBe('[█████░░░░░]  50%');
    expect(bar(2, 4)).toBe('[████] 100%');
    expect(checkingLine(512 * 1024, 1024 * 1024, true)).toBe('checking  [████████████░░░░░░░░░░░░]  50%  512.0 KiB of 1.0 MiB');
    expect(checkingLine(512 * 1024, 1024 * 1024, false)).toBe('checking: 50% of 1.0 MiB read');
    expect(writingLine(40_000, 100_000, false)).toBe('importing: 40,000 of 100,000 rows');
    expect(writingLine(0, 0, true)).toContain('100%');
  });
});

describe('formatReport', () => {
  const report = (over: Partial<ReportLike>): ReportLike => ({
    outcome: 'imported',
    rows: 580,
    valid: 580,
    invalid: 0,
    new: 580,
    already_present: 0,
    recorded: 580,
    importable: true,
    errors: [],
    errors_truncated: false,
    consistency_token: '749.580',
    ...over,
  });
  const errors = [
    { line: 5, field: 'amount', reason: 'use a point as the decimal separator and no thousands separators (0.5, not 0,5)' },
    { line: 120, field: 'timestamp', reason: '2019-02-30 is not a date in the calendar' },
    { line: 400, field: 'purchase_price_usd', reason: 'must be greater than 0' },
  ];

  it('sums up an import and exits 0', () => {
    const { text, exitCode } = formatReport(report({}), 'p.csv', 1.23);
    expect(exitCode).toBe(0);
    expect(text).toBe(
      '✔ p.csv: recorded 580 investments (580 rows: 580 new, 0 already present, 0 invalid) in 1.2 s\n' +
        '  consistency token 749.580 (X-Consistency-Token for the query API)',
    );
  });

  it('lists the bad rows of a refused file by line and exits 1', () => {
    const { text, exitCode } = formatReport(report({ outcome: 'refused', valid: 577, invalid: 3, new: 577, recorded: 0, importable: false, errors, consistency_token: null }), 'b.csv', 1);
    expect(exitCode).toBe(1);
    expect(text.split('\n')).toEqual([
      '✖ b.csv: import refused, nothing recorded — 580 rows: 577 new, 0 already present, 3 invalid:',
      '  line 5    amount              use a point as the decimal separator and no thousands separators (0.5, not 0,5)',
      '  line 120  timestamp           2019-02-30 is not a date in the calendar',
      '  line 400  purchase_price_usd  must be greater than 0',
      '  Fix them, or run again with --skip-invalid to record the 577 new valid rows.',
    ]);
  });

  it('exits 1 after a dry run whose import would be refused, 0 when it would go through', () => {
    expect(formatReport(report({ outcome: 'checked', invalid: 3, importable: false, errors, recorded: 0 }), 'b.csv', 1).exitCode).toBe(1);
    expect(formatReport(report({ outcome: 'checked', recorded: 0 }), 'b.csv', 1)).toMatchObject({ exitCode: 0, text: expect.stringContaining('an import would record 580') });
  });

  it('says how many more errors there are than it shows', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ line: i + 2, field: 'amount', reason: 'must be greater than 0' }));
    const { text } = formatReport(report({ outcome: 'refused', invalid: 1500, errors: many, errors_truncated: true, importable: false }), 'm.csv', 1);
    expect(text).toContain('… and more: 1,500 invalid rows in all (30 shown)');
  });
});

it('splits NDJSON into lines however the bytes arrive', () => {
  const lines = new NdjsonLines();
  const encoder = new TextEncoder();
  expect(lines.push(encoder.encode('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
  expect(lines.push(encoder.encode(':2}\n\n{"c":"é'))).toEqual(['{"b":2}']);
  expect(lines.push(encoder.encode('"}'))).toEqual([]);
  expect(lines.end()).toEqual(['{"c":"é"}']);
});
