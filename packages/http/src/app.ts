import { OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, type FieldProblem } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ZodError } from 'zod';
import type { AppEnv } from './context.ts';
import { httpProblem, problemFromDomainError, problemResponse } from './problem.ts';
import { createMetrics, type Metrics } from './metrics.ts';

export interface ServiceAppOptions {
  service: string;
  logger: Logger;
}

export interface ServiceApp {
  app: OpenAPIHono<AppEnv>;
  metrics: Metrics;
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * The app every service builds on: request ids (X-Request-Id, taken from the caller
 * when well-formed), a per-request child logger and one access-log line, secure
 * headers, Prometheus metrics, zod validation failures and domain errors mapped to
 * problem+json in exactly one place, and a 500 that says nothing internal.
 */
export function createServiceApp({ service, logger }: ServiceAppOptions): ServiceApp {
  const metrics = createMetrics(service);
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as ZodError, result.target);
    },
  });

  app.use(
    requestId({
      headerName: 'X-Request-Id',
      generator: () => crypto.randomUUID(),
    }),
  );
  app.use(async (c, next) => {
    // requestId() trusts any incoming id up to 255 chars; keep only safe ones in our logs.
    if (!SAFE_REQUEST_ID.test(c.get('requestId'))) {
      c.set('requestId', crypto.randomUUID());
      c.header('X-Request-Id', c.get('requestId'));
    }
    const log = logger.child({ request_id: c.get('requestId') });
    c.set('logger', log);
    c.set('principal', 'anonymous');
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || 'unmatched';
    metrics.httpDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
    log.info(
      { method: c.req.method, path: c.req.path, route, status: c.res.status, ms: Math.round(seconds * 10_000) / 10 },
      'request',
    );
  });
  app.use(secureHeaders({ crossOriginResourcePolicy: 'same-site' }));

  app.onError((error, c) => {
    if (error instanceof DomainError) {
      const problem = problemFromDomainError(error);
      const retry = error.extra.retryAfterSeconds;
      return problemResponse(c, problem, retry !== undefined ? { 'Retry-After': String(Math.max(1, Math.ceil(retry))) } : {});
    }
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(c, httpProblem(error.status, 'bad-request', 'Bad request', error.message || 'the request could not be read'));
    }
    c.get('logger')?.error({ err: error }, 'unhandled error');
    return problemResponse(c, httpProblem(500, 'internal-error', 'Internal error', 'something went wrong on our side; quote the request id when reporting it'));
  });

  app.notFound((c) =>
    problemResponse(c, httpProblem(404, 'not-found', 'Not found', `there is no ${c.req.method} ${c.req.path}`)),
  );

  app.get('/metrics', async (c) => {
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': metrics.registry.contentType });
  });

  return { app, metrics };
}

const ZOD_TYPE_MESSAGE = /^Invalid input: expected (\w+), received (\w+)$/;
const TYPE_NAMES: Record<string, string> = { object: 'a JSON object', array: 'an array', string: 'a string', number: 'a number', boolean: 'true or false', bigint: 'an integer',
  // Numbers of an exact JSON body (exactJsonBody) arrive as LosslessNumber.
  LosslessNumber: 'a number' };

/** "is required" for a missing value, "must be a string" for one of another type; a schema's own message as it is. */
function typeReason(issue: ZodError['issues'][number]): string {
  const zodDefault = ZOD_TYPE_MESSAGE.exec(issue.message);
  if (!zodDefault) return issue.input === undefined ? 'is required' : issue.message;
  const [, expected, received] = zodDefault;
  if (received === 'undefined') return 'is required';
  return `must be ${TYPE_NAMES[expected!] ?? expected}, not ${received === 'null' ? 'null' : TYPE_NAMES[received!] ?? received}`;
}

/** A union none of whose branches got a value: the field is missing. */
function missingFromEveryBranch(issue: ZodError['issues'][number]): boolean {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return false;
  return issue.errors.every((branch) => branch.some((i) => i.code === 'invalid_type' && / received undefined$/.test(i.message)));
}

/** A zod failure of a route's body, query, params or headers → problem fields. */
export function validationError(error: ZodError, target: string): DomainError {
  const fields: FieldProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields.push({ field: path ? `${path}.${key}` : key, reason: 'is not a known field' });
      continue;
    }
    const field = path || (target === 'json' ? 'body' : target);
    fields.push({ field, reason: issue.code === 'invalid_type' ? typeReason(issue) : missingFromEveryBranch(issue) ? 'is required' : issue.message });
  }
  return new DomainError(
    'invalid',
    'validation-failed',
    'Your request is not valid',
    fields.map((f) => `${f.field}: ${f.reason}`).join('; '),
    { fields },
  );
}
