import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { sendJson } from './respond.ts';

export interface ReadinessReport {
  ready: boolean;
  /** Named checks, each with its own facts (reachable, lag, migration...). */
  checks: Record<string, { ok: boolean; [fact: string]: unknown }>;
}

const HealthSchema = z.object({ status: z.literal('ok'), service: z.string(), uptime_seconds: z.number() }).openapi('Health');
const ReadySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    service: z.string(),
    checks: z.record(z.string(), z.object({ ok: z.boolean() }).passthrough()),
  })
  .openapi('Readiness');

/**
 * `GET /health`: the process is alive (no dependency is checked, so an orchestrator
 * never restarts a service for a database outage). `GET /ready`: 200 when every
 * check passes, 503 with the same body otherwise.
 */
export function mountHealth(app: OpenAPIHono<AppEnv>, service: string, readiness: () => Promise<ReadinessReport>): void {
  const started = Date.now();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'health',
      tags: ['operations'],
      security: [],
      summary: 'Liveness: the process is up',
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: HealthSchema } } } },
    }),
    (c) => sendJson(c, 200, { status: 'ok', service, uptime_seconds: Math.round((Date.now() - started) / 1000) }),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ready',
      operationId: 'ready',
      tags: ['operations'],
      security: [],
      summary: 'Readiness: dependencies reachable and usable',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: ReadySchema } } },
        503: { description: 'Not ready (the body says which check failed)', content: { 'application/json': { schema: ReadySchema } } },
      },
    }),
    async (c) => {
      const report = await readiness();
      const body = { status: report.ready ? 'ready' : 'not_ready', service, checks: report.checks };
      return report.ready ? sendJson(c, 200, body) : sendJson(c, 503, body);
    },
  );
}
