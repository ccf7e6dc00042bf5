import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../api/model.ts';
import { describeReport, describeStage, groupErrorsByLine, importChoice } from './import-view.ts';

const checked: ImportReport = {
  outcome: 'checked', rows: 1200, valid: 1199, invalid: 1, newRows: 1000, alreadyPresent: 199, recorded: 0,
  errors: [{ line: 17, field: 'amount', reason: 'must be greater than 0' }], errorsTruncated: false, consistencyToken: null, message: '',
};

describe('the import screen texts', () => {
  it('groups errors by line, lines in order, fields in the order reported', () => {
    expect(
      groupErrorsByLine([
        { line: 9, field: 'coin', reason: 'unknown coin' },
        { line: 2, field: 'amount', reason: 'is empty' },
        { line: 9, field: 'amount', reason: 'is not a number' },
      ]),
    ).toEqual([
      { line: 2, problems: [{ field: 'amount', reason: 'is empty' }] },
      { line: 9, problems: [{ field: 'coin', reason: 'unknown coin' }, { field: 'amount', reason: 'is not a number' }] },
    ]);
  });

  it('offers the import only when the file goes through as chosen and records something', () => {
    expect(importChoice(checked, false)).toMatchObject({ canImport: false, label: 'Import 1,000 rows' });
    expect(importChoice(checked, true)).toEqual({ canImport: true, label: 'Import 1,000 rows, skip 1 row', why: null });
    expect(importChoice({ ...checked, invalid: 0, newRows: 0 }, false)).toMatchObject({ canImport: false, why: expect.stringMatching(/already recorded/) });
  });

  it('shows exact progress and speaks it in steps of 10 %; nothing to write is done, not 0 of 0 forever', () => {
    expect(describeStage({ step: 'uploading', sent: 999, total: 1000 }, 'check')).toEqual({ label: 'Sending the file: 99 %', spoken: 'Sending the file: 90 %', value: 999, max: 1000 });
    expect(describeStage({ step: 'checking' }, 'check')).toMatchObject({ label: 'Checking the rows…', value: undefined });
    expect(describeStage({ step: 'writing', done: 2000, total: 12345, recorded: 2000 }, 'import')).toEqual({
      label: 'Recording: 2,000 of 12,345 rows', spoken: 'Recording rows: 10 %', value: 2000, max: 12345,
    });
    expect(describeStage({ step: 'writing', done: 0, total: 0, recorded: 0 }, 'import')).toMatchObject({ spoken: 'Recording rows: 100 %', value: 1, max: 1 });
  });

  it('says what a report means in the screen\'s words', () => {
    expect(describeReport(checked)).toEqual({ title: 'Checked: nothing recorded yet', summary: '1,200 rows: 1,000 new, 199 already present, 1 invalid.' });
    expect(describeReport({ ...checked, outcome: 'imported', recorded: 1000 })).toEqual({
      title: 'Imported 1,000 purchases',
      summary: 'Recorded 1,000 purchases; 199 rows already present; skipped 1 row (invalid).',
    });
  });
});
