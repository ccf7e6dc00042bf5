import { parsePositiveDecimal } from '@crypto-invest/money';
import type { CoinChoice } from '../../src/coins/coin-search.ts';
import type { RecordCommand } from '../api/model.ts';

/** What the person typed, as typed. */
export interface RecordDraft {
  coin: CoinChoice | null;
  amount: string;
  /** USD per coin; empty = let the command API fetch the current (or that day's) price. */
  price: string;
  /** `datetime-local` value in the browser's time zone; empty = now. */
  when: string;
}

export type RecordField = 'coin' | 'amount' | 'price' | 'when';
export type FieldErrors = Partial<Record<RecordField, string>>;

export const EMPTY_DRAFT: RecordDraft = { coin: null, amount: '', price: '', when: '' };

/**
 * Checks a draft with the same decimal rules as the command API (shared from @crypto-invest/money)
 * and builds the command: decimals leave as the exact text typed, never as a float.
 */
export function validateDraft(draft: RecordDraft, now: Date): { ok: true; command: RecordCommand } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!draft.coin) errors.coin = 'Choose a coin from the list';

  const amountText = draft.amount.trim();
  const amount = amountText ? parsePositiveDecimal(amountText) : undefined;
  if (!amountText) errors.amount = 'Enter the amount of coins you bought';
  else if (amount && !amount.ok) errors.amount = `Amount ${amount.reason}`;

  const priceText = draft.price.trim();
  if (priceText) {
    const price = parsePositiveDecimal(priceText);
    if (!price.ok) errors.price = `Price ${price.reason}`;
  }

  let timestamp: string | undefined;
  if (draft.when.trim()) {
    const at = new Date(draft.when);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(draft.when.trim()) || Number.isNaN(at.getTime())) {
      errors.when = 'Enter a date and time such as 2024-01-31 14:30';
    } else if (at.getTime() > now.getTime()) {
      errors.when = 'The purchase date cannot be in the future';
    } else {
      timestamp = at.toISOString();
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    command: {
      coin: draft.coin!.id,
      amount: amountText,
      ...(priceText ? { purchase_price_usd: priceText } : {}),
      ...(timestamp ? { timestamp } : {}),
    },
  };
}

/** Which form field a field named by the API belongs to (`purchase_price_usd` → price). */
export function formFieldOf(apiField: string): RecordField | undefined {
  const head = apiField.split('.')[0];
  switch (head) {
    case 'coin':
      return 'coin';
    case 'amount':
      return 'amount';
    case 'purchase_price_usd':
      return 'price';
    case 'timestamp':
      return 'when';
    default:
      return undefined;
  }
}

/** The API's field errors placed beside their form fields; the rest is returned for a general message. */
export function placeApiErrors(fieldErrors: Record<string, string>): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const [apiField, reason] of Object.entries(fieldErrors)) {
    const field = formFieldOf(apiField);
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${reason}` : capitalize(reason);
    else other.push(`${apiField}: ${reason}`);
  }
  return { fields, other };
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * One Idempotency-Key per intended purchase: a retry of the same draft (a double click, a resend
 * after a lost answer) reuses the key, so the command API records it once; a changed draft gets a
 * new key (the API refuses a key reused with another body).
 */
export function createIdempotencyKeys(newKey: () => string = () => crypto.randomUUID()) {
  let current: { fingerprint: string; key: string } | undefined;
  return {
    keyFor(command: RecordCommand): string {
      const fingerprint = JSON.stringify([command.coin, command.amount, command.purchase_price_usd ?? null, command.timestamp ?? null]);
      if (current?.fingerprint !== fingerprint) current = { fingerprint, key: newKey() };
      return current.key;
    },
    /** After a success: the next purchase, even an identical one, is a new purchase. */
    settled(): void {
      current = undefined;
    },
  };
}
