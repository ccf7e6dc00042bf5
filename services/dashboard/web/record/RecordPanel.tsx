import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error.ts';
import type { CommandResult } from '../api/model.ts';
import { useApi } from '../app/api-context.tsx';
import { formatAmount, formatPriceUsd, formatUsd } from '../format/format.ts';
import { CoinPicker } from './CoinPicker.tsx';
import { createIdempotencyKeys, EMPTY_DRAFT, placeApiErrors, validateDraft, type FieldErrors, type RecordDraft } from './record-form.ts';

interface RecordPanelProps {
  /** Called with the command's result so history and statistics can read this write at once. */
  onRecorded(result: CommandResult): void;
  now?: () => Date;
}

type Notice = { kind: 'success' | 'error' | 'prices-unavailable'; text: string } | null;

/** The form to record a purchase. */
export function RecordPanel({ onRecorded, now = () => new Date() }: RecordPanelProps) {
  const api = useApi();
  const ids = { coin: useId(), amount: useId(), price: useId(), when: useId() };
  const [draft, setDraft] = useState<RecordDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<Notice>(null);
  const [inFlight, setInFlight] = useState(false);
  const submitting = useRef(false);
  const keys = useRef(createIdempotencyKeys());
  const priceInput = useRef<HTMLInputElement>(null);
  // The inputs are disabled while in flight: focus the price once they are enabled again.
  const [askPrice, setAskPrice] = useState(0);
  useEffect(() => {
    if (askPrice > 0 && !inFlight) priceInput.current?.focus();
  }, [askPrice, inFlight]);

  const update = (patch: Partial<RecordDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    const touched = Object.keys(patch) as Array<keyof RecordDraft>;
    setErrors((e) => {
      const next = { ...e };
      for (const field of touched) delete next[field];
      return next;
    });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The button is disabled while in flight; this also stops a second submit in the same tick.
    if (submitting.current) return;
    const checked = validateDraft(draft, now());
    if (!checked.ok) {
      setErrors(checked.errors);
      setNotice(null);
      return;
    }
    submitting.current = true;
    setInFlight(true);
    setNotice(null);
    try {
      const result = await api.recordInvestment(checked.command, keys.current.keyFor(checked.command));
      keys.current.settled();
      const inv = result.investment;
      setNotice({
        kind: 'success',
        text: `Recorded ${formatAmount(inv.amount)} ${inv.coin} at ${formatPriceUsd(inv.priceUsd)} (${formatUsd(inv.totalUsd)}${inv.priceSource === 'coingecko' ? ', CoinGecko price' : ''}).`,
      });
      setDraft(EMPTY_DRAFT);
      setErrors({});
      onRecorded(result);
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(null, null);
      const placed = placeApiErrors(failure.fieldErrors);
      setErrors(placed.fields);
      if (failure.unreachable) {
        setNotice({ kind: 'error', text: 'The command API cannot be reached, so nothing was recorded. Try again in a moment: the same purchase will be recorded once.' });
      } else if (needsManualPrice(failure)) {
        setNotice({
          kind: 'prices-unavailable',
          text:
            failure.status === 503
              ? 'Current prices are unavailable right now, so nothing was recorded. Enter the price you paid per coin below and record again.'
              : `CoinGecko has no price for that day. Enter the price you paid per coin below and record again.`,
        });
        setAskPrice((n) => n + 1);
      } else if (Object.keys(placed.fields).length === 0 || placed.other.length > 0) {
        setNotice({ kind: 'error', text: [failure.problem?.detail ?? failure.message, ...placed.other].filter(Boolean).join(' · ') });
      }
    } finally {
      submitting.current = false;
      setInFlight(false);
    }
  };

  const describe = (field: keyof FieldErrors, hint?: string) => [hint, errors[field] ? `${ids[field]}-error` : undefined].filter(Boolean).join(' ') || undefined;
  const fieldError = (field: keyof FieldErrors) =>
    errors[field] ? (
      <p id={`${ids[field]}-error`} className="field-error" role="alert">
        {errors[field]}
      </p>
    ) : null;

  const pricesUnavailable = notice?.kind === 'prices-unavailable';
  return (
    <section className="panel record-panel" aria-labelledby="record-title">
      <h2 id="record-title">Record a purchase</h2>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.coin}>Coin</label>
          <CoinPicker id={ids.coin} value={draft.coin} onChange={(coin) => update({ coin })} error={errors.coin} disabled={inFlight} />
        </div>
        <div className="field">
          <label htmlFor={ids.amount}>Amount (coins)</label>
          <input
            id={ids.amount}
            name="amount"
            inputMode="decimal"
            autoComplete="off"
            placeholder="0.5"
            value={draft.amount}
            aria-invalid={errors.amount ? true : undefined}
            aria-describedby={describe('amount')}
            onChange={(e) => update({ amount: e.target.value })}
            disabled={inFlight}
          />
          {fieldError('amount')}
        </div>
        <div className={`field${pricesUnavailable ? ' highlight' : ''}`}>
          <label htmlFor={ids.price}>
            Price per coin, USD <span className="optional">{pricesUnavailable ? '(needed now)' : '(optional)'}</span>
          </label>
          <input
            id={ids.price}
            ref={priceInput}
            name="purchase_price_usd"
            inputMode="decimal"
            autoComplete="off"
            placeholder="current price from CoinGecko"
            value={draft.price}
            aria-invalid={errors.price ? true : undefined}
            aria-describedby={describe('price', `${ids.price}-hint`)}
            onChange={(e) => update({ price: e.target.value })}
            disabled={inFlight}
          />
          <p id={`${ids.price}-hint`} className="hint">
            Leave empty to use CoinGecko&apos;s price for the purchase time.
          </p>
          {fieldError('price')}
        </div>
        <div className="field">
          <label htmlFor={ids.when}>
            Bought at <span className="optional">(optional, your local time)</span>
          </label>
          <input
            id={ids.when}
            name="timestamp"
            type="datetime-local"
            step={60}
            value={draft.when}
            max={localInputValue(now())}
            aria-invalid={errors.when ? true : undefined}
            aria-describedby={describe('when')}
            onChange={(e) => update({ when: e.target.value })}
            disabled={inFlight}
          />
          {fieldError('when')}
        </div>
        <button type="submit" className="primary" disabled={inFlight} aria-busy={inFlight}>
          {inFlight ? 'Recording…' : 'Record purchase'}
        </button>
        <div aria-live="polite" className="notice-area">
          {notice && (
            <p className={`notice notice-${notice.kind}`} role={notice.kind === 'success' ? 'status' : 'alert'}>
              {notice.text}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}

/** CoinGecko could not price it (down, or no price for that day): the person can give the price. */
function needsManualPrice(failure: ApiError): boolean {
  const type = failure.problem?.type ?? '';
  return type.endsWith('/price-unavailable') || type.endsWith('/historical-price-unavailable') || (failure.status === 503 && 'purchase_price_usd' in failure.fieldErrors);
}

const pad = (n: number) => String(n).padStart(2, '0');
function localInputValue(at: Date): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

