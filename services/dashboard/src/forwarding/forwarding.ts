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
  /**
   * Longest the exchange may go without progress before the upstream's response headers: the
   * clock restarts with every request-body chunk passed on, so a large upload is not cut for
   * taking long, only for stalling. The answer's body (an event stream, NDJSON lines) then
   * flows without limit.
   */
  timeoutMs: number;
  /** Largest request body passed on. Bodies are streamed, never held whole, and counted as they pass. */
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

  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > options.maxBodyBytes) return tooLarge(c, options.maxBodyBytes);

  const timeout = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let answered = false;
  const restartClock = () => {
    clearTimeout(timer);
    // Once the headers are in, the limit is over (an upload may still end after an early answer).
    if (!answered) timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  };
  restartClock();
  const bodyless = c.req.method === 'GET' || c.req.method === 'HEAD' || declared === 0 || !c.req.raw.body;
  const body = bodyless ? undefined : countedBody(c.req.raw.body!, options.maxBodyBytes, restartClock);

  let answer: Response;
  try {
    answer = await options.fetch(upstream.baseUrl + path + url.search, {
      method: c.req.method,
      headers,
      // Passed on as it arrives (chunked): a 64 MiB import never sits in this server's memory.
      ...(body ? { body: body.stream, duplex: 'half' } : {}),
      // A redirect is handed to the browser, not followed. But for a request with a body, Node's
      // fetch (undici 6) then tees the body to be able to re-send it, and keeps the whole upload in
      // memory (measured: 500 MiB streamed, 500 MiB held; with 'error', under 10 MiB). No write of
      // the services redirects; the reads that do (GET /history → 307) have no body.
      redirect: body ? 'error' : 'manual',
      // The browser going away (a closed event stream, a cancelled upload) cancels the upstream request too.
      signal: AbortSignal.any([timeout.signal, c.req.raw.signal]),
    } as RequestInit);
  } catch (error) {
    const log = c.get('logger');
    if (body?.tooLarge()) return tooLarge(c, options.maxBodyBytes);
    if (body && isRedirectRefusal(error)) {
      log.warn({ upstream: upstream.label }, 'upstream answered a request with a body with a redirect');
      return problemResponse(
        c,
        httpProblem(502, 'upstream-redirect', `The ${upstream.label} redirected a request with a body`, `the ${upstream.label} answered with a redirect, which the dashboard does not follow for a request with a body`),
      );
    }
    if (c.req.raw.signal.aborted && !timeout.signal.aborted) {
      // The browser went away (e.g. cancelled an upload): nobody is left to answer.
      log.info({ upstream: upstream.label }, 'request cancelled by the browser');
      return new Response(null, { status: 499 });
    }
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
    answered = true;
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
  const contentType = out.get('content-type') ?? '';
  if (contentType.startsWith('text/event-stream') || contentType.startsWith('application/x-ndjson')) {
    // Proxies in front of us must not buffer the stream (events, an import's progress lines) either.
    out.set('x-accel-buffering', 'no');
    if (contentType.startsWith('text/event-stream')) out.set('cache-control', 'no-cache');
    else if (!out.has('cache-control')) out.set('cache-control', 'no-store');
  }
  const relayed = BODYLESS_STATUSES.has(answer.status) || !answer.body ? null : relayBody(answer.body, c.req.raw.signal, () => c.get('logger').warn({ upstream: upstream.label }, 'upstream answer broke off'));
  return new Response(relayed, { status: answer.status, headers: out });
}

/**
 * The browser's request body, passed on chunk by chunk as it arrives. Each chunk restarts the
 * time limit (`onChunk`); past `maxBytes` the stream fails, which cancels the browser's upload
 * and the upstream request, and `tooLarge()` tells the caller to answer 413.
 */
function countedBody(source: ReadableStream<Uint8Array>, maxBytes: number, onChunk: () => void) {
  let bytes = 0;
  let over = false;
  const stream = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > maxBytes) {
          over = true;
          controller.error(new RangeError(`request body over ${maxBytes} bytes`));
          return;
        }
        onChunk();
        controller.enqueue(chunk);
      },
      // The whole body is passed on: the wait for the answer starts now.
      flush: onChunk,
    }),
  );
  return { stream, tooLarge: () => over };
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
  return problemResponse(c, httpProblem(413, 'payload-too-large', 'Request body too large', `the request body may be at most ${sizeText(max)}`));
}

/** 67108864 → "64 MiB", 65536 → "64 KiB": the limit as people set it. */
function sizeText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** fetch's failure when `redirect: 'error'` met a 3xx. */
function isRedirectRefusal(error: unknown): boolean {
  return (error as { cause?: { message?: string } })?.cause?.message === 'unexpected redirect';
}

/** The network error's code (ECONNREFUSED…) for the log; never a URL with credentials. */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (error instanceof Error ? error.name : 'unknown');
}
