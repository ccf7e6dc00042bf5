import { z } from 'zod';

/** Thrown at start-up when the environment does not satisfy a service's schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start-up, into a typed object. The schema
 * names the environment variables; every problem is listed, not just the first.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
  );
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (host: string) => LOOPBACK.has(host);

/** Reusable pieces of service schemas. Defaults exist only for local development. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: () => z.string().min(1).default('127.0.0.1'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  nodeEnv: () => z.enum(['development', 'production', 'test']).default('development'),
  postgresUrl: () =>
    z
      .string({ error: 'is required (postgres://user:password@host:port/database)' })
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  postgresUrlList: () =>
    z
      .string({ error: 'is required (comma-separated postgres:// URLs)' })
      .transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')).min(1)),
  milliseconds: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  url: () => z.url(),
  /** Comma-separated API keys; each at least 24 characters. */
  apiKeys: () =>
    z
      .string()
      .optional()
      .transform((s) => (s ?? '').split(',').map((k) => k.trim()).filter(Boolean))
      .pipe(z.array(z.string().min(24, 'each API key must be at least 24 characters'))),
  /** `AUTH=disabled` turns key checks off; only ever on request. */
  auth: () => z.enum(['required', 'disabled']).default('required'),
  /**
   * Comma-separated exact origins (`scheme://host[:port]`) whose pages may call an API
   * from a browser (CORS). No wildcard: `*` is refused.
   */
  corsOrigins: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(
        z.array(
          z
            .string()
            .refine((o) => o !== '*', 'a wildcard is refused: list the dashboard’s origin(s)')
            .refine((o) => /^https?:\/\/[^/\s*]+$/.test(o), 'each origin must be scheme://host[:port], without a path'),
        ),
      ),
};

/**
 * Cross-field rules every HTTP service shares: keys are required unless auth is
 * explicitly disabled, and disabling it is refused off loopback.
 */
export function checkAuthSettings(
  config: { host: string; auth: 'required' | 'disabled'; apiKeys: string[] },
  ctx: z.RefinementCtx,
): void {
  if (config.auth === 'disabled' && !isLoopback(config.host)) {
    ctx.addIssue({ code: 'custom', path: ['AUTH'], message: `AUTH=disabled is refused when binding to ${config.host}; bind to 127.0.0.1 or set API_KEYS` });
  }
  if (config.auth === 'required' && config.apiKeys.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: 'is required (comma-separated keys) unless AUTH=disabled' });
  }
}

export { z };
