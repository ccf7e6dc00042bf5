import type { Context, TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Sends JSON text that stringifyJsonExact (the serializer behind sendJson) already
 * wrote — a cached body — typed like sendJson's response for the OpenAPI routes.
 */
export function sendJsonText<S extends ContentfulStatusCode>(
  c: Context,
  status: S,
  text: string,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Response & TypedResponse<any, S, 'json'> {
  return c.body(text, status, { 'content-type': 'application/json; charset=utf-8', ...headers }) as unknown as Response &
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    TypedResponse<any, S, 'json'>;
}
