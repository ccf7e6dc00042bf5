import { DomainError, type DomainErrorKind, type FieldProblem } from '@crypto-invest/contracts';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { stringifyJsonExact } from '@crypto-invest/money';

/** RFC 9457 problem details, as every error response of every service. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const TYPE_BASE = '/problems/';

export const STATUS_OF: Record<DomainErrorKind, ContentfulStatusCode> = {
  invalid: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

/** The problem body for a domain error (its `kind` decides the status). */
export function problemFromDomainError(error: DomainError): Problem {
  const { fields, retryAfterSeconds: _retry, ...extensions } = error.extra;
  return {
    type: TYPE_BASE + error.code,
    title: error.title,
    status: STATUS_OF[error.kind],
    detail: error.detail,
    ...(fields?.length ? { errors: fields } : {}),
    ...extensions,
  };
}

export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  const body: Problem = { ...problem, instance: c.req.path, request_id: c.get('requestId') as string | undefined };
  return c.body(stringifyJsonExact(body), problem.status as ContentfulStatusCode, {
    'content-type': PROBLEM_MEDIA_TYPE,
    ...headers,
  });
}

/** Shorthand for errors raised by the HTTP layer itself (415, 413, 400 malformed JSON...). */
export function httpProblem(status: number, code: string, title: string, detail: string, fields?: FieldProblem[]): Problem {
  return { type: TYPE_BASE + code, title, status, detail, ...(fields?.length ? { errors: fields } : {}) };
}

/** OpenAPI schema of a problem body, for `responses` of every route. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: '/problems/validation-failed' }),
    title: z.string().openapi({ example: 'Your request is not valid' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'amount: must be greater than 0' }),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), reason: z.string() }))
      .optional()
      .openapi({ description: 'The failing fields, each with the reason' }),
  })
  .passthrough()
  .openapi('Problem', { description: 'RFC 9457 problem details (application/problem+json)' });

/** `{ 400: problem('...') }` builds a route's error response entries. */
export function problemContent(description: string) {
  return { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } } };
}

export { DomainError };
