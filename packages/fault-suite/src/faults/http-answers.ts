import { isLosslessNumber, parseJsonExact } from '@crypto-invest/money';
import type { Answer, Ledger } from './ledger.ts';

/** Anything longer is a hang: every service promises an answer (often a 503) within seconds. */
export const REQUEST_TIMEOUT_MS = 20_000;

export interface Reply {
  answer: Answer;
  headers?: Headers;
  body?: unknown;
}

/** One HTTP request, bounded in time, its answer read losslessly and counted in the ledger. */
export async function send(ledger: Ledger, service: string, url: string, init: RequestInit = {}): Promise<Reply> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? parseJsonExact(text) : undefined;
    } catch {
      // not JSON (an event stream, a redirect): kept as text
    }
    const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const answer: Answer = {
      status: response.status,
      ms: performance.now() - started,
      ...(response.headers.get('content-type')?.startsWith('application/problem+json') && typeof record.type === 'string' ? { problemType: record.type } : {}),
      ...(record.id !== undefined ? { investmentId: idText(record.id) } : {}),
      ...(response.headers.get('idempotent-replayed') === 'true' ? { replayed: true } : {}),
    };
    ledger.count(service, response.status);
    return { answer, headers: response.headers, body };
  } catch (error) {
    const status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
    ledger.count(service, status);
    return { answer: { status, ms: performance.now() - started } };
  }
}

const idText = (value: unknown) => (isLosslessNumber(value) ? value.value : String(value));
