import type { Context, TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { stringifyJsonExact } from '@crypto-invest/money';

/**
 * Sends a JSON body in which every Decimal is written as a JSON number with all its
 * digits (c.json would go through JSON.stringify, which cannot). Typed as a JSON
 * response of `status` so it satisfies an OpenAPI route's declared responses.
 */
export function sendJson<S extends ContentfulStatusCode>(
  c: Context,
  status: S,
  body: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Response & TypedResponse<any, S, 'json'> {
  return c.body(stringifyJsonExact(body), status, {
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as unknown as Response & TypedResponse<any, S, "json">;
}
