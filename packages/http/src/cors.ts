import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';
import { httpProblem, problemResponse } from './problem.ts';

export interface CorsOptions {
  /** Exact origins (`scheme://host[:port]`) a browser page may call from; never '*'. */
  origins: string[];
  /** Request headers a page may send (besides the CORS-safelisted ones). */
  allowHeaders?: string[];
  /** Response headers a page may read (besides the CORS-safelisted ones). */
  exposeHeaders?: string[];
  allowMethods?: string[];
}

const DEFAULT_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Consistency-Token', 'X-Request-Id', 'Last-Event-ID'];
const DEFAULT_EXPOSE_HEADERS = [
  'Location',
  'Link',
  'Retry-After',
  'X-Request-Id',
  'X-Consistency-Token',
  'X-Projection-Position',
  'X-Read-Stale',
  'Idempotent-Replayed',
];
const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'DELETE'];

/**
 * CORS for an allow-list of origins only. A request from a listed origin gets
 * `Access-Control-Allow-Origin: <that origin>` (never `*`, and no credentials: the APIs
 * use bearer keys, not cookies); a preflight from it gets 204 with the allowed methods
 * and headers. A preflight from any other origin is refused with a 403 problem; other
 * requests from other origins get no CORS header, so a browser keeps the answer from
 * the page. Clients that are not browsers send no Origin and are not affected.
 */
export function corsForOrigins(options: CorsOptions): MiddlewareHandler<AppEnv> {
  for (const origin of options.origins) {
    if (origin === '*' || !/^https?:\/\/[^/\s*]+$/.test(origin)) throw new Error(`not an exact origin: ${JSON.stringify(origin)}`);
  }
  const allowed = new Set(options.origins);
  const allowHeaders = (options.allowHeaders ?? DEFAULT_ALLOW_HEADERS).join(', ');
  const exposeHeaders = (options.exposeHeaders ?? DEFAULT_EXPOSE_HEADERS).join(', ');
  const allowMethods = (options.allowMethods ?? DEFAULT_METHODS).join(', ');
  return async (c, next) => {
    const origin = c.req.header('origin');
    const preflight = c.req.method === 'OPTIONS' && origin !== undefined && c.req.header('access-control-request-method') !== undefined;
    if (preflight) {
      if (!allowed.has(origin)) {
        const response = problemResponse(
          c,
          httpProblem(403, 'origin-not-allowed', 'Origin not allowed', `pages from ${JSON.stringify(origin.slice(0, 200))} may not call this API (CORS_ORIGINS)`, [
            { field: 'Origin', reason: 'is not one of the allowed origins' },
          ]),
        );
        response.headers.set('Vary', 'Origin');
        return response;
      }
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': allowMethods,
        'Access-Control-Allow-Headers': allowHeaders,
        'Access-Control-Max-Age': '600',
        Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      });
    }
    await next();
    if (origin !== undefined && allowed.has(origin)) {
      try {
        c.res.headers.set('Access-Control-Allow-Origin', origin);
        c.res.headers.set('Access-Control-Expose-Headers', exposeHeaders);
      } catch {
        // An immutable response passed through as is: it stays without CORS headers.
      }
    }
    try {
      c.res.headers.append('Vary', 'Origin');
    } catch {
      // as above
    }
  };
}
