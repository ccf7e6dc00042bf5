// @vitest-environment happy-dom
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api-error.ts';
import type { DashboardApi } from '../api/dashboard-api.ts';
import type { ImportListener, ImportReport, ImportResult } from '../api/model.ts';
import { ApiProvider } from '../app/api-context.tsx';
import { ImportPanel } from './ImportPanel.tsx';

afterEach(cleanup);

const FILE = new File(['timestamp,coin,amount,purchase_price_usd\n2021-03-01,bitcoin,0.5,100\n'], 'purchases.csv', { type: 'text/csv' });

function report(patch: Partial<ImportReport> = {}): ImportReport {
  return {
    outcome: 'checked',
    rows: 3,
    valid: 3,
    invalid: 0,
    newRows: 3,
    alreadyPresent: 0,
    recorded: 0,
    errors: [],
    errorsTruncated: false,
    consistencyToken: null,
    message: 'from the command API',
    ...patch,
  };
}

const WITH_BAD_ROWS = report({
  rows: 5,
  valid: 3,
  invalid: 2,
  newRows: 2,
  alreadyPresent: 1,
  errors: [
    { line: 3, field: 'amount', reason: 'use a point as the decimal separator (0.5, not 0,5)' },
    { line: 6, field: 'coin', reason: 'unknown coin "bitconi"' },
    { line: 3, field: 'timestamp', reason: 'is in the future' },
  ],
});

/** A fake API whose import the test drives step by step through the listener. */
function setup(api: Partial<DashboardApi>) {
  const onImported = vi.fn();
  const user = userEvent.setup();
  render(
    <ApiProvider api={api as DashboardApi}>
      <ImportPanel onImported={onImported} />
    </ApiProvider>,
  );
  return { user, onImported };
}

function controlledImport() {
  let listener: ImportListener = {};
  let finish: (result: ImportResult) => void = () => undefined;
  const importFile = vi.fn<DashboardApi['importFile']>((_file, _options, l) => {
    listener = l;
    return new Promise<ImportResult>((resolve) => (finish = resolve));
  });
  return { importFile, step: (fn: (l: ImportListener) => void) => act(() => fn(listener)), finish: (result: ImportResult) => act(() => finish(result)) };
}

async function chooseAndCheck(user: ReturnType<typeof userEvent.setup>) {
  await user.upload(screen.getByLabelText('CSV file'), FILE);
  await user.click(screen.getByRole('button', { name: 'Check file' }));
  return screen.findByTestId('import-report');
}

/** The progress bar, found by its label (what it says). */
const progressBar = (name: string) => screen.getByRole('progressbar', { name });
const liveRegion = () => screen.getByTestId('import-live');

describe('ImportPanel', () => {
  it('shows the dry run: the counts, and every bad row once by line with its fields and reasons', async () => {
    const checkImport = vi.fn<DashboardApi['checkImport']>(async () => WITH_BAD_ROWS);
    const { user } = setup({ checkImport });
    const shown = await chooseAndCheck(user);

    expect(checkImport).toHaveBeenCalledWith(FILE, expect.anything(), expect.any(AbortSignal));
    expect(within(shown).getByRole('heading', { name: 'Checked: nothing recorded yet' })).toBeTruthy();
    expect(screen.getByTestId('import-rows').textContent).toBe('5');
    expect(screen.getByTestId('import-new').textContent).toBe('2');
    expect(screen.getByTestId('import-present').textContent).toBe('1');
    expect(screen.getByTestId('import-invalid').textContent).toBe('2');

    const table = screen.getByRole('table', { name: /Invalid rows, by line/ });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.getAttribute('data-line'))).toEqual(['3', '6']);
    expect(within(rows[0]!).getByRole('rowheader').textContent).toBe('3');
    expect(within(rows[0]!).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'amount: use a point as the decimal separator (0.5, not 0,5)',
      'timestamp: is in the future',
    ]);
    expect(within(rows[1]!).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['coin: unknown coin "bitconi"']);
    expect(liveRegion().textContent).toBe('Checked: nothing recorded yet. 5 rows: 2 new, 1 already present, 2 invalid.');
  });

  it('offers the import only with the choice to skip invalid rows, then shows progress from upload to the last row, and hands on the token', async () => {
    const run = controlledImport();
    const { user, onImported } = setup({ checkImport: async () => WITH_BAD_ROWS, importFile: run.importFile });
    await chooseAndCheck(user);

    const refused = screen.getByRole('button', { name: 'Import 2 rows' }) as HTMLButtonElement;
    expect(refused.disabled).toBe(true);
    expect(refused.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(refused.getAttribute('aria-describedby')!)!.textContent).toMatch(/whole or not at all/);

    await user.click(screen.getByRole('checkbox', { name: 'Skip the 2 invalid rows and import the valid ones' }));
    await user.click(screen.getByRole('button', { name: 'Import 2 rows, skip 2 rows' }));
    expect(run.importFile).toHaveBeenCalledWith(FILE, { skipInvalid: true }, expect.anything(), expect.any(AbortSignal));

    run.step((l) => l.uploading!(FILE.size / 2, FILE.size));
    expect(progressBar('Sending the file: 50 %').getAttribute('value')).toBe(String(FILE.size / 2));
    expect(liveRegion().textContent).toBe('Sending the file: 50 %');
    run.step((l) => l.checking!());
    // No figures while the command API checks and prices the rows: an indeterminate bar.
    expect(progressBar('Checking the rows before recording…').hasAttribute('value')).toBe(false);
    run.step((l) => l.writing!({ done: 0, total: 2, recorded: 0 }));
    run.step((l) => l.writing!({ done: 1, total: 2, recorded: 1 }));
    expect(progressBar('Recording: 1 of 2 rows').getAttribute('value')).toBe('1');
    expect(progressBar('Recording: 1 of 2 rows').getAttribute('max')).toBe('2');
    expect(liveRegion().textContent).toBe('Recording rows: 50 %');
    expect((screen.getByRole('button', { name: 'Importing…' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByLabelText('CSV file') as HTMLInputElement).disabled).toBe(true);
    expect(onImported).not.toHaveBeenCalled();

    run.finish({ kind: 'imported', report: report({ outcome: 'imported', rows: 5, valid: 3, invalid: 2, newRows: 2, alreadyPresent: 1, recorded: 2, consistencyToken: '7391.1024' }) });
    expect(await screen.findByRole('heading', { name: 'Imported 2 purchases' })).toBeTruthy();
    expect(screen.getByTestId('import-new').textContent).toBe('2');
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(onImported).toHaveBeenCalledWith('7391.1024');
    // Done: no second import of the same file is offered.
    expect(screen.queryByRole('button', { name: /^Import/ })).toBeNull();
  });

  it('works by keyboard alone, and moves focus to the report when the check is done', async () => {
    const run = controlledImport();
    const { user, onImported } = setup({ checkImport: async () => report(), importFile: run.importFile });
    await user.upload(screen.getByLabelText('CSV file'), FILE);
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Check file' }));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Checked: nothing recorded yet' })));
    // A clean file: no choice to make.
    expect(screen.queryByRole('checkbox')).toBeNull();
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Import 3 rows' }));
    await user.keyboard('{Enter}');
    expect(run.importFile).toHaveBeenCalledWith(FILE, { skipInvalid: false }, expect.anything(), expect.any(AbortSignal));
    run.finish({ kind: 'imported', report: report({ outcome: 'imported', recorded: 3, consistencyToken: '9.3' }) });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Imported 3 purchases' })));
    expect(onImported).toHaveBeenCalledWith('9.3');
  });

  it('says when there is nothing new to import', async () => {
    const { user } = setup({ checkImport: async () => report({ newRows: 0, alreadyPresent: 3 }) });
    await chooseAndCheck(user);
    const button = screen.getByRole('button', { name: 'Import 0 rows' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(screen.getByText(/Every valid row is already recorded/)).toBeTruthy();
  });

  it("shows a problem's detail and its fields (with lines), and a command API that cannot be reached", async () => {
    const checkImport = vi
      .fn<DashboardApi['checkImport']>()
      .mockRejectedValueOnce(
        new ApiError(400, {
          type: '/problems/malformed-csv',
          detail: 'line 7 has a quote that is never closed; nothing was recorded',
          errors: [{ line: 7, field: 'row', reason: 'has a quote that is never closed' }],
        }),
      )
      .mockRejectedValueOnce(new ApiError(null, null));
    const { user } = setup({ checkImport });
    await user.upload(screen.getByLabelText('CSV file'), FILE);
    await user.click(screen.getByRole('button', { name: 'Check file' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The file cannot be checked: line 7 has a quote that is never closed; nothing was recorded.');
    expect(within(alert).getByRole('listitem').textContent).toBe('Line 7: row: has a quote that is never closed');

    await user.click(screen.getByRole('button', { name: 'Check file' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('The command API cannot be reached, so nothing was checked. Try again in a moment.'));
  });

  it('shows a refusal of the import (the file changed since its check) with its rows by line, and the choice again', async () => {
    const importFile = vi.fn<DashboardApi['importFile']>(async () => ({
      kind: 'refused',
      report: report({ outcome: 'refused', rows: 4, valid: 3, invalid: 1, errors: [{ line: 4, field: 'amount', reason: 'must be greater than 0' }] }),
    }));
    const { user, onImported } = setup({ checkImport: async () => report(), importFile });
    await chooseAndCheck(user);
    await user.click(screen.getByRole('button', { name: 'Import 3 rows' }));
    expect(await screen.findByRole('heading', { name: 'Refused: nothing recorded' })).toBeTruthy();
    expect(document.querySelector('tr[data-line="4"]')!.textContent).toBe('4amount: must be greater than 0');
    expect(screen.getByRole('checkbox', { name: 'Skip the invalid row and import the valid ones' })).toBeTruthy();
    expect(onImported).not.toHaveBeenCalled();
  });

  it('after a failure part-way, shows what was recorded, updates the figures with its token, and offers to import again', async () => {
    const importFile = vi
      .fn<DashboardApi['importFile']>()
      .mockResolvedValueOnce({ kind: 'failed', failure: { detail: 'writing stopped after 2000 rows were recorded (the database failed)', recorded: 2000, consistencyToken: '80.2000' } })
      .mockResolvedValueOnce({ kind: 'imported', report: report({ outcome: 'imported', rows: 3000, valid: 3000, newRows: 1000, alreadyPresent: 2000, recorded: 1000, consistencyToken: '81.3000' }) });
    const { user, onImported } = setup({ checkImport: async () => report({ rows: 3000, valid: 3000, newRows: 3000 }), importFile });
    await chooseAndCheck(user);
    await user.click(screen.getByRole('button', { name: 'Import 3,000 rows' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The import stopped part-way: writing stopped after 2000 rows were recorded (the database failed).');
    expect(screen.getByTestId('import-recorded-so-far').textContent).toBe('Recorded so far: 2,000');
    expect(onImported).toHaveBeenLastCalledWith('80.2000');

    await user.click(screen.getByRole('button', { name: 'Import again (records the rest)' }));
    expect(await screen.findByRole('heading', { name: 'Imported 1,000 purchases' })).toBeTruthy();
    expect(screen.getByTestId('import-present').textContent).toBe('2,000');
    expect(onImported).toHaveBeenLastCalledWith('81.3000');
  });

  it('starts over when another file is chosen', async () => {
    const { user } = setup({ checkImport: async () => WITH_BAD_ROWS });
    await chooseAndCheck(user);
    await user.upload(screen.getByLabelText('CSV file'), new File(['x'], 'other.csv', { type: 'text/csv' }));
    expect(screen.queryByTestId('import-report')).toBeNull();
    expect(screen.queryByRole('checkbox')).toBeNull();
  });
});
