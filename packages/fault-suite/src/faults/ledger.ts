import { Decimal, toPlain } from '@crypto-invest/money';

/**
 * What the writers were told. Every intended investment carries a unique amount (its
 * marker), so its row can be found whatever the answers said. Each answer is one of:
 *  - accepted: 200/201 — the investment must exist exactly once, with the id answered;
 *  - rejected: a 4xx, or a 503 given before any transaction (price unavailable) — no row;
 *  - indeterminate: the connection failed, a 5xx after the write began, a COMMIT whose
 *    answer was lost — zero or one row (never two). Writers with an Idempotency-Key
 *    retry until the answer is definite, so theirs end accepted or rejected.
 */
export type Outcome = 'accepted' | 'rejected' | 'indeterminate';

export interface Answer {
  status: number | 'network-error' | 'timeout';
  /** The problem type of an error answer (`/problems/price-unavailable`). */
  problemType?: string;
  investmentId?: string;
  replayed?: boolean;
  ms: number;
}

export interface Intent {
  marker: string;
  via: 'POST /invest' | 'POST /investments' | 'SQL (held transaction)';
  coin: string;
  /** Why this one should be refused, when it is built to be. */
  hostile?: string;
  idempotencyKey?: string;
  answers: Answer[];
  /** Set by the SQL writer: the investment id its transaction wrote, and how the transaction ended. */
  sql?: { investmentId?: string; committed?: boolean; failedAt?: 'before-commit' | 'commit' };
}

export interface VoidRequest {
  investmentId: string;
  answers: Answer[];
}

/** Problems answered before any transaction opened: nothing can have been written. */
const BEFORE_ANY_WRITE = new Set(['/problems/price-unavailable', '/problems/historical-price-unavailable', '/problems/unknown-coin']);

export function answerOutcome(answer: Answer): Outcome {
  if (typeof answer.status !== 'number') return 'indeterminate';
  if (answer.status >= 200 && answer.status < 300) return 'accepted';
  if (answer.status >= 400 && answer.status < 500) return 'rejected';
  if (answer.status === 503 && answer.problemType && BEFORE_ANY_WRITE.has(answer.problemType)) return 'rejected';
  return 'indeterminate';
}

export function intentOutcome(intent: Intent): Outcome {
  if (intent.sql) {
    if (intent.sql.committed) return 'accepted';
    // Still open (not yet visible to anyone), or a COMMIT whose answer was lost.
    if (!intent.sql.failedAt || intent.sql.failedAt === 'commit') return 'indeterminate';
    return 'rejected';
  }
  const outcomes = intent.answers.map(answerOutcome);
  if (outcomes.includes('accepted')) return 'accepted';
  if (outcomes.includes('indeterminate')) return 'indeterminate';
  return 'rejected';
}

/** The one id every successful answer of an intent gave (a replay must give the first one's). */
export function acceptedIds(intent: Intent): string[] {
  if (intent.sql) return intent.sql.committed && intent.sql.investmentId ? [intent.sql.investmentId] : [];
  return [...new Set(intent.answers.filter((a) => answerOutcome(a) === 'accepted').map((a) => a.investmentId ?? '?'))];
}

export class Ledger {
  readonly intents: Intent[] = [];
  readonly voids: VoidRequest[] = [];
  /** Every HTTP answer by service and status, to show no 500 and no hang anywhere. */
  readonly statuses = new Map<string, number>();
  private sequence = 0;

  /** A unique amount: 9 decimal places ending in 1, so no two intents (and no trailing zeros) collide. */
  nextMarker(): string {
    this.sequence += 1;
    return toPlain(new Decimal(`${1 + (this.sequence % 37)}.${String(this.sequence).padStart(8, '0')}1`));
  }

  add(intent: Omit<Intent, 'answers' | 'marker'> & { marker?: string }): Intent {
    const entry: Intent = { ...intent, marker: intent.marker ?? this.nextMarker(), answers: [] };
    this.intents.push(entry);
    return entry;
  }

  count(service: string, status: Answer['status']): void {
    const key = `${service} ${status}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }

  /** Ids of investments the system said it recorded (for the voider to pick from). */
  acceptedInvestmentIds(): string[] {
    return this.intents.filter((i) => intentOutcome(i) === 'accepted').flatMap(acceptedIds);
  }
}
