/**
 * Domain errors say what went wrong in the domain's words and carry no HTTP.
 * `@crypto-invest/http` maps each kind to a status and an RFC 9457 problem in one place.
 */
export type DomainErrorKind =
  | 'invalid' // the request is malformed or a field fails validation
  | 'unprocessable' // well-formed, but cannot be carried out (unknown coin, ...)
  | 'not_found'
  | 'conflict' // e.g. an Idempotency-Key reused with another body
  | 'unauthorized'
  | 'rate_limited'
  | 'unavailable'; // a dependency outside us is down (CoinGecko, the replica)

export interface FieldProblem {
  /** Dotted path of the field: `amount`, `coin`, `limit`, `Idempotency-Key`. */
  field: string;
  reason: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable, machine-readable slug: becomes the problem `type`. */
    readonly code: string,
    /** Short, stable human summary of the kind of problem. */
    readonly title: string,
    /** What happened this time, for people (shown by the seed's clients). */
    readonly detail: string,
    readonly extra: { fields?: FieldProblem[]; retryAfterSeconds?: number; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export const invalidFields = (fields: FieldProblem[], detail?: string) =>
  new DomainError(
    'invalid',
    'validation-failed',
    'Your request is not valid',
    detail ?? fields.map((f) => `${f.field}: ${f.reason}`).join('; '),
    { fields },
  );
