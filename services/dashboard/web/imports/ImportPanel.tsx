import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error.ts';
import type { ImportFailure, ImportListener, ImportReport } from '../api/model.ts';
import { useApi } from '../app/api-context.tsx';
import { count, describeReport, describeStage, groupErrorsByLine, importChoice, type ImportAction, type ImportStage } from './import-view.ts';

interface ImportPanelProps {
  /**
   * Called with the import's consistency token when rows were recorded (also part-way), so
   * statistics and history read data that includes them, as after a recorded purchase.
   */
  onImported(consistencyToken: string | null): void;
}

type PanelState =
  | { kind: 'idle' }
  | { kind: 'running'; action: ImportAction; stage: ImportStage; checked?: ImportReport }
  | { kind: 'report'; report: ImportReport }
  | { kind: 'failed'; failure: ImportFailure; checked: ImportReport }
  | { kind: 'error'; error: ApiError; action: ImportAction; checked?: ImportReport };

/**
 * The import screen: choose a CSV file, check it (a dry run: the report with every bad row by
 * line), then import it with a progress bar. The command API does the work; this only shows it.
 */
export function ImportPanel({ onImported }: ImportPanelProps) {
  const api = useApi();
  const ids = { file: useId(), hint: useId(), skip: useId(), why: useId(), progress: useId() };
  const [file, setFile] = useState<File | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [state, setState] = useState<PanelState>({ kind: 'idle' });
  const running = useRef<AbortController | null>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);
  // Focus moves to a new report's heading, so keyboard and screen-reader users land on it.
  const [focusReport, setFocusReport] = useState(0);
  useEffect(() => {
    if (focusReport > 0) resultHeading.current?.focus();
  }, [focusReport]);
  useEffect(() => () => running.current?.abort(), []);

  const busy = state.kind === 'running';
  const checked = state.kind === 'report' ? state.report : state.kind !== 'idle' ? state.checked : undefined;

  const listenerFor = (controller: AbortController, action: ImportAction, base?: ImportReport): ImportListener => {
    const stage = (next: ImportStage) => {
      if (running.current === controller) setState({ kind: 'running', action, stage: next, ...(base ? { checked: base } : {}) });
    };
    return {
      uploading: (sent, total) => stage({ step: 'uploading', sent, total }),
      checking: () => stage({ step: 'checking' }),
      writing: (progress) => stage({ step: 'writing', ...progress }),
    };
  };

  const start = (action: ImportAction, base?: ImportReport) => {
    const controller = new AbortController();
    running.current = controller;
    setState({ kind: 'running', action, stage: { step: 'uploading', sent: 0, total: file?.size ?? 0 }, ...(base ? { checked: base } : {}) });
    return controller;
  };

  const failedWith = (error: unknown, action: ImportAction, base?: ImportReport) => {
    if (error instanceof DOMException && error.name === 'AbortError') {
      setState(base ? { kind: 'report', report: base } : { kind: 'idle' });
      return;
    }
    setState({ kind: 'error', error: error instanceof ApiError ? error : new ApiError(null, null), action, ...(base ? { checked: base } : {}) });
  };

  const check = async (event: FormEvent) => {
    event.preventDefault();
    // The ref, not the state: a double click sends one request, as in the record form.
    if (!file || running.current) return;
    const controller = start('check');
    try {
      const report = await api.checkImport(file, listenerFor(controller, 'check'), controller.signal);
      setState({ kind: 'report', report });
      setFocusReport((n) => n + 1);
    } catch (error) {
      failedWith(error, 'check');
    } finally {
      if (running.current === controller) running.current = null;
    }
  };

  const runImport = async (base: ImportReport) => {
    if (!file || running.current) return;
    const controller = start('import', base);
    try {
      const result = await api.importFile(file, { skipInvalid }, listenerFor(controller, 'import', base), controller.signal);
      if (result.kind === 'failed') {
        setState({ kind: 'failed', failure: result.failure, checked: base });
        if (result.failure.recorded > 0) onImported(result.failure.consistencyToken);
      } else {
        setState({ kind: 'report', report: result.report });
        if (result.kind === 'imported' && result.report.recorded > 0) onImported(result.report.consistencyToken);
        setFocusReport((n) => n + 1);
      }
    } catch (error) {
      failedWith(error, 'import', base);
    } finally {
      if (running.current === controller) running.current = null;
    }
  };

  const chooseFile = (chosen: File | null) => {
    setFile(chosen);
    setSkipInvalid(false);
    setState({ kind: 'idle' });
  };

  // The last report stays in view while its file is imported, and after a failure.
  const report = state.kind === 'report' ? state.report : state.kind === 'running' && state.action === 'check' ? undefined : checked;
  // The choice to import follows a check, a refusal, or a failure part-way (importing again records the rest).
  const offer = report && report.outcome !== 'imported' ? report : undefined;
  const choice = offer ? importChoice(offer, skipInvalid) : undefined;

  return (
    <section className="panel import-panel" aria-labelledby="import-title">
      <h2 id="import-title">Import a CSV file</h2>
      <form onSubmit={check} noValidate>
        <div className="field">
          <label htmlFor={ids.file}>CSV file</label>
          <input
            id={ids.file}
            name="file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby={ids.hint}
            disabled={busy}
            onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
          />
          <p id={ids.hint} className="hint">
            A header line <code>timestamp,coin,amount,purchase_price_usd</code>, then one purchase a line (an empty price takes CoinGecko&apos;s
            price of that day). The file is checked first; nothing is recorded until you import it.
          </p>
        </div>
        <div className="actions-row">
          <button type="submit" disabled={!file || busy}>
            {state.kind === 'running' && state.action === 'check' ? 'Checking…' : 'Check file'}
          </button>
          {state.kind === 'running' && state.action === 'check' && (
            <button type="button" onClick={() => running.current?.abort()}>
              Cancel
            </button>
          )}
        </div>
      </form>

      <div role="status" className="visually-hidden" data-testid="import-live">
        {liveText(state)}
      </div>

      {state.kind === 'running' && <StageProgress id={ids.progress} stage={state.stage} action={state.action} />}

      {state.kind === 'error' && <ImportProblem error={state.error} action={state.action} />}

      {state.kind === 'failed' && (
        <div className="notice notice-error" role="alert">
          <p>The import stopped part-way: {sentence(state.failure.detail)}</p>
          <p data-testid="import-recorded-so-far">Recorded so far: {count(state.failure.recorded)}</p>
        </div>
      )}

      {report && <ReportView report={report} headingRef={resultHeading} />}

      {offer && choice && (
        <div className="import-choice">
          {offer.invalid > 0 && (
            <div className="field checkbox">
              <input id={ids.skip} type="checkbox" checked={skipInvalid} disabled={busy} onChange={(e) => setSkipInvalid(e.target.checked)} />
              <label htmlFor={ids.skip}>
                Skip the {offer.invalid === 1 ? 'invalid row' : `${count(offer.invalid)} invalid rows`} and import the valid ones
              </label>
            </div>
          )}
          <button
            type="button"
            className="primary"
            disabled={!choice.canImport || busy}
            aria-describedby={choice.why ? ids.why : undefined}
            onClick={() => void runImport(offer)}
          >
            {state.kind === 'running' ? 'Importing…' : state.kind === 'failed' ? 'Import again (records the rest)' : choice.label}
          </button>
          {choice.why && (
            <p id={ids.why} className="hint">
              {choice.why}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function StageProgress({ id, stage, action }: { id: string; stage: ImportStage; action: ImportAction }) {
  const shown = describeStage(stage, action);
  return (
    <div className="import-progress">
      <label htmlFor={id}>{shown.label}</label>
      <progress id={id} max={shown.max} value={shown.value} data-step={stage.step} />
    </div>
  );
}

function ReportView({ report, headingRef }: { report: ImportReport; headingRef: React.RefObject<HTMLHeadingElement | null> }) {
  const { title, summary } = describeReport(report);
  const groups = groupErrorsByLine(report.errors);
  return (
    <div className={`import-report import-${report.outcome}`} data-testid="import-report" data-outcome={report.outcome}>
      <h3 ref={headingRef} tabIndex={-1}>
        {title}
      </h3>
      <p>{summary}</p>
      <dl className="import-counts">
        <div>
          <dt>Rows</dt>
          <dd data-testid="import-rows">{count(report.rows)}</dd>
        </div>
        <div>
          <dt>{report.outcome === 'imported' ? 'Recorded' : 'New'}</dt>
          <dd data-testid="import-new">{count(report.outcome === 'imported' ? report.recorded : report.newRows)}</dd>
        </div>
        <div>
          <dt>Already present</dt>
          <dd data-testid="import-present">{count(report.alreadyPresent)}</dd>
        </div>
        <div>
          <dt>Invalid</dt>
          <dd data-testid="import-invalid">{count(report.invalid)}</dd>
        </div>
      </dl>
      {groups.length > 0 && (
        <div className="table-wrap import-errors-wrap">
          <table className="import-errors">
            <caption>
              Invalid rows, by line
              {report.errorsTruncated ? ` (the first ${count(report.errors.length)} problems are listed; ${count(report.invalid)} rows are invalid in all)` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Field: problem</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((group) => (
                <tr key={group.line} data-line={group.line}>
                  <th scope="row">{group.line}</th>
                  <td>
                    <ul>
                      {group.problems.map((problem, index) => (
                        <li key={index}>
                          <code>{problem.field}</code>: {problem.reason}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ImportProblem({ error, action }: { error: ApiError; action: ImportAction }) {
  const nothing = action === 'check' ? 'nothing was checked' : 'nothing was recorded';
  const text = error.unreachable
    ? `The command API cannot be reached, so ${nothing}. Try again in a moment.`
    : error.status === 413
      ? `The file is too large, so nothing was recorded: ${sentence(error.message)}`
      : error.status === 429
        ? `Other imports are running: ${sentence(error.message)}`
        : `The file cannot be ${action === 'check' ? 'checked' : 'imported'}: ${sentence(error.message)}`;
  const fields = error.problem?.errors ?? [];
  return (
    <div className="notice notice-error" role="alert">
      <p>{text}</p>
      {fields.length > 0 && (
        <ul className="problem-fields">
          {fields.map((field, index) => (
            <li key={index}>
              {field.line !== undefined && `Line ${field.line}: `}
              <code>{field.field}</code>: {field.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The service's text as a sentence (its details have no final stop). */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** What the live region says: the step (coarsely), then the outcome. Errors speak through their alerts. */
function liveText(state: PanelState): string {
  switch (state.kind) {
    case 'running':
      return describeStage(state.stage, state.action).spoken;
    case 'report': {
      const { title, summary } = describeReport(state.report);
      return `${title}. ${summary}`;
    }
    default:
      return '';
  }
}
