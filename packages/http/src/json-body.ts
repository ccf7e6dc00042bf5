import type { MiddlewareHandler } from 'hono';
import { parseJsonExact } from '@crypto-invest/money';
import type { AppEnv } from './context.ts';
import { httpProblem, problemResponse } from './problem.ts';

const JSON_MEDIA = /^application\/(?:[\w.-]+\+)?json$/i;

/**
 * For routes with a JSON body: 415 unless the Content-Type is JSON, 413 over
 * `maxBytes`, 400 for malformed JSON. The body is parsed with every number kept as
 * its exact text (a LosslessNumber), and handed to the route's validator in place of
 * JSON.parse's lossy result.
 */
export function exactJsonBody({ maxBytes = 16 * 1024 }: { maxBytes?: number } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const contentType = c.req.header('content-type') ?? '';
    const media = contentType.split(';')[0]!.trim();
    if (!JSON_MEDIA.test(media)) {
      return problemResponse(
        c,
        httpProblem(415, 'unsupported-media-type', 'Unsupported media type', `send the body as application/json (got ${media ? JSON.stringify(media) : 'no Content-Type'})`, [
          { field: 'Content-Type', reason: 'must be application/json' },
        ]),
      );
    }
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(c, maxBytes);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > maxBytes) return tooLarge(c, maxBytes);
    let value: unknown;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      value = parseJsonExact(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message.slice(0, 200) : 'unreadable';
      return problemResponse(c, httpProblem(400, 'malformed-json', 'Malformed JSON', `the body is not valid JSON: ${reason}`, [{ field: 'body', reason: 'is not valid JSON' }]));
    }
    // The OpenAPI validator reads c.req.json(): give it the exact parse.
    Object.defineProperty(c.req, 'json', { value: () => Promise.resolve(value), configurable: true });
    await next();
  };
}

function tooLarge(c: Parameters<MiddlewareHandler<AppEnv>>[0], maxBytes: number) {
  return problemResponse(c, httpProblem(413, 'payload-too-large', 'Request body too large', `the body must be at most ${maxBytes} bytes`, [{ field: 'body', reason: `is larger than ${maxBytes} bytes` }]));
}
