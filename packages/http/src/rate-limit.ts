import type { MiddlewareHandler } from 'hono';
import { DomainError } from '@crypto-invest/contracts';
import type { AppEnv } from './context.ts';

export interface RateLimitOptions {
  /** Sustained rate each caller may keep up. */
  requestsPerSecond: number;
  /** Requests a caller may make at once after being idle (the bucket's size, ≥ 1). */
  burst: number;
  /** What is being limited, for the problem's text ("writes"). */
  what?: string;
  /** Milliseconds clock; tests hand in their own. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per caller, keyed by `c.get('principal')` (an API key's id, or
 * 'anonymous' when auth is disabled), so it must run after `requireApiKey`: a request
 * without a valid key never reaches it, and the number of buckets stays bounded by the
 * configured keys. Over the limit: 429 problem `rate-limited` with `Retry-After`
 * (seconds until a token is back). In memory and per process: N instances behind a
 * balancer allow N times the rate.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const { requestsPerSecond: rate, burst } = options;
  if (!(rate > 0) || !(burst >= 1)) throw new Error('rateLimit needs requestsPerSecond > 0 and burst >= 1');
  const now = options.now ?? (() => performance.now());
  const what = options.what ?? 'requests';
  const buckets = new Map<string, Bucket>();
  return async (c, next) => {
    const caller = c.get('principal') ?? 'anonymous';
    const at = now();
    const bucket = buckets.get(caller) ?? { tokens: burst, updatedAt: at };
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = at;
    buckets.set(caller, bucket);
    if (bucket.tokens < 1) {
      const waitSeconds = (1 - bucket.tokens) / rate;
      throw new DomainError(
        'rate_limited',
        'rate-limited',
        'Too many requests',
        `at most ${rate} ${what} per second per API key (bursts of ${burst}); retry after ${Math.max(1, Math.ceil(waitSeconds))} s`,
        { retryAfterSeconds: waitSeconds },
      );
    }
    bucket.tokens -= 1;
    await next();
  };
}
