import type { Context, TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { stringifyJsonExact } from '@crypto-invest/money';

/**
 * Sends JSON text that stringifyJsonExact (the serializer behind sendJson) already
 * wrote — a cached body — typed like sendJson's response for the OpenAPI routes. A
 * cached body is best kept as its UTF-8 bytes: the server then writes them as they
 * are, instead of encoding (and copying) tens of kilobytes of text per response.
 */
export function sendJsonText<S extends ContentfulStatusCode>(
  c: Context,
  status: S,
  text: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Response & TypedResponse<any, S, 'json'> {
  return c.body(text, status, { 'content-type': 'application/json; charset=utf-8', ...headers }) as unknown as Response &
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    TypedResponse<any, S, 'json'>;
}

const encoder = new TextEncoder();

/** A body to keep and send many times: stringifyJsonExact's text, as UTF-8 bytes. */
export function jsonBytes(value: unknown): Uint8Array<ArrayBuffer> {
  return encoder.encode(stringifyJsonExact(value));
}
