/** An RFC 9457 problem as the services (and the dashboard server) write them. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** The failing fields; `line` names the row of an imported file. */
  errors?: Array<{ field: string; reason: string; line?: number }>;
  request_id?: string;
  /** Extensions (an import's refusal carries its report's counts). */
  [extension: string]: unknown;
}

/** A failed call: the service's problem when it sent one, or what happened on the way. */
export class ApiError extends Error {
  constructor(
    /** HTTP status, or null when no answer came (network down, dashboard server gone). */
    readonly status: number | null,
    readonly problem: Problem | null,
  ) {
    super(problem?.detail ?? problem?.title ?? (status === null ? 'the dashboard server cannot be reached' : `request failed (${status})`));
    this.name = 'ApiError';
  }

  /** The service (or the dashboard server itself) could not be reached: say so, keep the last data. */
  get unreachable(): boolean {
    if (this.status === null) return true;
    const type = this.problem?.type ?? '';
    return type.endsWith('/upstream-unreachable') || type.endsWith('/upstream-timeout') || this.status === 502 || this.status === 504;
  }

  /** The field problems the service named (`amount` → "must be greater than 0"). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { field, reason } of this.problem?.errors ?? []) out[field] = out[field] ? `${out[field]}; ${reason}` : reason;
    return out;
  }
}

/** Reads a failed response's problem body (plain JSON.parse is fine: a problem carries no money). */
export function problemOf(error: unknown): Problem | null {
  if (error && typeof error === 'object') return error as Problem;
  if (typeof error === 'string') {
    try {
      const parsed: unknown = JSON.parse(error);
      return parsed && typeof parsed === 'object' ? (parsed as Problem) : null;
    } catch {
      return null;
    }
  }
  return null;
}
