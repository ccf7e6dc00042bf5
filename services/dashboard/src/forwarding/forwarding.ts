import { httpProblem, problemResponse, type AppEnv } from '@crypto-invest/http';
import type { Context } from 'hono';

/** A service the dashboard forwards to, and the path prefix it has on the dashboard's origin. */
export interface Upstream {
  /** For people: "command API". */
  label: string;
  baseUrl: string;
  /** `/api/command`: what the browser calls. */
  prefix: string;
}

export interface ForwardingOptions {
  /** Every upstream, so a Location or Link pointing at any of them is rewritten to the dashboard's origin. */
  upstreams: Upstream[];
  /** Added as `Authorization: Bearer …` here, server-side; the browser's own Authorization is never passed on. */
  apiKey: string | undefined;
  /** Longest wait for the upstream's response headers; the body (e.g. an event stream) then flows without limit. */
  timeoutMs: number;
  maxBodyBytes: number;
  fetch: typeof fetch;
}

// What the browser may tell the services. Everything else (cookies, Authorization, …) stays here.
const REQUEST_HEADERS = ['accept', 'content-type', 'idempotency-key', 'x-consistency-token', 'last-event-id'];
// What the services tell the browser. Location and Link are rewritten, the rest passed as they are.
const RESPONSE_HEADERS = [
  'content-type',
  'cache-control',
  'retry-after',
  'x-consistency-token',
  'x-projection-position',
  'x-read-stale',
  'etag',
  'last-modified',
];
const BODYLESS_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Forwards the request to `upstream` (path below the prefix, query unchanged) and streams the answer
 * back. An upstream that refuses the connection gives 502 at once; one that does not answer within
 * the time limit gives 503; never a hang.
 */
export async function forwardRequest(c: Context<AppEnv>, upstream: Upstream, options: ForwardingOptions): Promise<Response> {
  const url = new URL(c.req.url);
  // The URL parser has already resolved dot segments, so the path cannot climb out of the prefix.
  const path = url.pathname.slice(upstream.prefix.length) || '/';

  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  headers.set('x-request-id', c.get('requestId'));
  if (options.apiKey) headers.set('authorization', `Bearer ${options.apiKey}`);

  let body: ArrayBuffer | undefined;
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > options.maxBodyBytes) return tooLarge(c, options.maxBodyBytes);
    body = await c.req.arrayBuffer();
    if (body.byteLength > options.maxBodyBytes) return tooLarge(c, options.maxBodyBytes);
  }

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  let answer: Response;
  try {
    answer = await options.fetch(upstream.baseUrl + path + url.search, {
      method: c.req.method,
      headers,
      ...(body ? { body } : {}),
      redirect: 'manual',
      // The browser going away (a closed event stream) cancels the upstream request too.
      signal: AbortSignal.any([timeout.signal, c.req.raw.signal]),
    });
  } catch (error) {
    const log = c.get('logger');
    if (timeout.signal.aborted) {
      log.warn({ upstream: upstream.label, timeout_ms: options.timeoutMs }, 'upstream did not answer in time');
      return problemResponse(
        c,
        httpProblem(503, 'upstream-timeout', `The ${upstream.label} did not answer`, `the ${upstream.label} did not answer within ${options.timeoutMs / 1000} s; try again shortly`),
        { 'Retry-After': '2' },
      );
    }
    log.warn({ upstream: upstream.label, error: describeFetchError(error) }, 'upstream unreachable');
    return problemResponse(
      c,
      httpProblem(502, 'upstream-unreachable', `The ${upstream.label} cannot be reached`, `the ${upstream.label} is not answering (is it running?)`),
    );
  } finally {
    clearTimeout(timer);
  }

  const out = new Headers({ 'x-request-id': c.get('requestId') });
  for (const name of RESPONSE_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  const location = answer.headers.get('location');
  if (location !== null) out.set('location', rewriteUrl(location, upstream, options.upstreams));
  const link = answer.headers.get('link');
  if (link !== null) out.set('link', rewriteLinkHeader(link, upstream, options.upstreams));
  const upstreamRequestId = answer.headers.get('x-request-id');
  if (upstreamRequestId !== null) out.set('x-upstream-request-id', upstreamRequestId);
  if (out.get('content-type')?.startsWith('text/event-stream')) {
    // Proxies in front of us must not buffer the stream either.
    out.set('x-accel-buffering', 'no');
    out.set('cache-control', 'no-cache');
  }
  const relayed = BODYLESS_STATUSES.has(answer.status) || !answer.body ? null : relayBody(answer.body, c.req.raw.signal, () => c.get('logger').warn({ upstream: upstream.label }, 'upstream answer broke off'));
  return new Response(relayed, { status: answer.status, headers: out });
}

/**
 * The upstream body, passed on chunk by chunk. When the browser goes away (a closed tab ends its
 * event stream) the upstream read is aborted: that is the normal end, not an error to report. An
 * upstream that breaks off while the browser still listens is reported, and the browser's
 * response is cut too, so it does not take a truncated body for a whole one.
 */
function relayBody(upstream: ReadableStream<Uint8Array>, browser: AbortSignal, onBrokenOff: () => void): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (browser.aborted) {
          controller.close();
        } else {
          onBrokenOff();
          controller.error(error);
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * A URL a service gave us (Location, Link), as the browser must call it through the dashboard:
 * `http://127.0.0.1:8001/history?x` → `/api/query/history?x`; `/investments/7` from the command
 * API → `/api/command/investments/7`. URLs of anything else are left alone.
 */
export function rewriteUrl(target: string, from: Upstream, upstreams: Upstream[]): string {
  if (target.startsWith('/') && !target.startsWith('//')) return from.prefix + stripBasePath(target, from.baseUrl);
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return target;
  }
  for (const upstream of upstreams) {
    const base = new URL(upstream.baseUrl);
    if (parsed.origin !== base.origin) continue;
    const rest = parsed.pathname + parsed.search + parsed.hash;
    const basePath = base.pathname.replace(/\/+$/, '');
    if (basePath && !rest.startsWith(basePath + '/')) continue;
    return upstream.prefix + rest.slice(basePath.length);
  }
  return target;
}

/** Every `<url>` of an RFC 8288 Link header, rewritten as by `rewriteUrl`. */
export function rewriteLinkHeader(value: string, from: Upstream, upstreams: Upstream[]): string {
  return value.replace(/<([^>]*)>/g, (_all, url: string) => `<${rewriteUrl(url, from, upstreams)}>`);
}

function stripBasePath(path: string, baseUrl: string): string {
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  return basePath && path.startsWith(basePath + '/') ? path.slice(basePath.length) : path;
}

function tooLarge(c: Context<AppEnv>, max: number): Response {
  return problemResponse(c, httpProblem(413, 'payload-too-large', 'Request body too large', `the body may be at most ${max} bytes`));
}

/** The network error's code (ECONNREFUSED…) for the log; never a URL with credentials. */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (error instanceof Error ? error.name : 'unknown');
}
