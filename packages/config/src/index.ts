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

/** An optional secret: unset and empty both mean "not given". */
const optionalSecret = () =>
  z
    .string()
    .optional()
    .transform((s) => s?.trim() || undefined);

/**
 * The price service's variables (packages/prices), the same in every service that
 * uses it: spread into a service's schema, checked with checkPriceSettings, read
 * with priceSettings.
 */
export const PRICE_ENV = {
  /** CoinGecko's API root. Unset: the public API, or the pro API when a pro key is given. */
  COINGECKO_BASE_URL: z
    .string()
    .optional()
    .transform((s) => s?.trim() || undefined)
    .pipe(z.url().optional()),
  COINGECKO_DEMO_API_KEY: optionalSecret(),
  COINGECKO_PRO_API_KEY: optionalSecret(),
  /** How long a coin's current price is reused. */
  PRICE_CACHE_TTL_MS: env.milliseconds(60_000),
  /** Longest a price lookup may take, retries and Retry-After waits included; then 503. */
  PRICE_BUDGET_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Longest one request to CoinGecko may take (within the budget). */
  PRICE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
};

type PriceEnv = z.output<z.ZodObject<typeof PRICE_ENV>>;

export function checkPriceSettings(config: Pick<PriceEnv, 'COINGECKO_DEMO_API_KEY' | 'COINGECKO_PRO_API_KEY'>, ctx: z.RefinementCtx): void {
  if (config.COINGECKO_DEMO_API_KEY && config.COINGECKO_PRO_API_KEY) {
    ctx.addIssue({ code: 'custom', path: ['COINGECKO_PRO_API_KEY'], message: 'give either COINGECKO_DEMO_API_KEY or COINGECKO_PRO_API_KEY, not both' });
  }
}

/** The price service's settings from a parsed environment. */
export function priceSettings(c: PriceEnv) {
  return {
    baseUrl: c.COINGECKO_BASE_URL,
    demoApiKey: c.COINGECKO_DEMO_API_KEY,
    proApiKey: c.COINGECKO_PRO_API_KEY,
    cacheTtlMs: c.PRICE_CACHE_TTL_MS,
    budgetMs: c.PRICE_BUDGET_MS,
    timeoutMs: c.PRICE_TIMEOUT_MS,
  };
}

export { z };
