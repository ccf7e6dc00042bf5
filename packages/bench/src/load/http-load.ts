import autocannon from 'autocannon';
import type { LoadFigures } from '../result.ts';

export interface HttpLoad {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

/**
 * Closed-loop HTTP load with autocannon 9 (keep-alive connections, each sending its next
 * request when the previous answer arrives): successful requests per second and the
 * latency of the 2xx answers. Latencies are whole milliseconds (autocannon's histogram).
 */
export async function runHttpLoad(load: HttpLoad): Promise<LoadFigures> {
  const result = await autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    ...(load.body !== undefined ? { body: load.body } : {}),
    headers: load.headers ?? {},
    connections: load.connections,
    duration: load.seconds,
    // The seed design's aggregate at a million rows queues for seconds at 32 connections: count it, don't drop it.
    timeout: 60,
  });
  const ok = result['2xx'];
  const duration = result.duration || load.seconds;
  return {
    connections: load.connections,
    duration_seconds: duration,
    requests: ok,
    errors: result.non2xx + result.errors + result.timeouts,
    requests_per_second: round(ok / duration),
    mean_ms: round(result.latency.average),
    p50_ms: round(result.latency.p50),
    p99_ms: round(result.latency.p99),
  };
}

/** Sends one request and fails unless it answers 2xx (a warm-up, or a check before measuring). */
export async function requestOnce(load: Omit<HttpLoad, 'connections' | 'seconds'>): Promise<Response> {
  const response = await fetch(load.url, {
    method: load.method ?? 'GET',
    ...(load.body !== undefined ? { body: load.body } : {}),
    headers: load.headers ?? {},
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`${load.method ?? 'GET'} ${load.url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return response;
}

export const round = (n: number, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : 0);
