export type { AppEnv } from './context.ts';
export { createServiceApp, validationError, type ServiceApp, type ServiceAppOptions } from './app.ts';
export {
  ProblemSchema,
  PROBLEM_MEDIA_TYPE,
  problemContent,
  problemResponse,
  problemFromDomainError,
  httpProblem,
  STATUS_OF,
  type Problem,
} from './problem.ts';
export { sendJson } from './respond.ts';
export { exactJsonBody } from './json-body.ts';
export { mountDocs, type DocsInfo } from './docs.ts';
export { mountHealth, type ReadinessReport } from './health.ts';
export { requireApiKey, keyId, type ApiKeyAuth } from './auth.ts';
export { rateLimit, type RateLimitOptions } from './rate-limit.ts';
export { corsForOrigins, type CorsOptions } from './cors.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { serveApp, type ServeOptions } from './serve.ts';
export { z, createRoute, OpenAPIHono } from '@hono/zod-openapi';
