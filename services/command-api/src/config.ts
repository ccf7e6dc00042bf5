import { checkAuthSettings, checkPriceSettings, env, loadConfig, PRICE_ENV, priceSettings, z } from '@crypto-invest/config';

/** Every setting of the command API, validated once at start-up. Only this file reads process.env. */
const Schema = z
  .object({
    NODE_ENV: env.nodeEnv(),
    HOST: env.host(),
    PORT: env.port(8000),
    LOG_LEVEL: env.logLevel(),
    /** The primary, as the crypto_command role. */
    DATABASE_URL: env.postgresUrl(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
    /** Where GET /history and /stats are redirected (the query API's public base URL). */
    QUERY_API_PUBLIC_URL: env.url().default('http://127.0.0.1:8001'),
    API_KEYS: env.apiKeys(),
    AUTH: env.auth(),
    ...PRICE_ENV,
    /** How long an Idempotency-Key and its response are kept (at least a day, for retries). */
    IDEMPOTENCY_KEY_TTL_HOURS: z.coerce.number().int().min(24, 'must be at least 24 (clients retry for up to a day)').max(24 * 30).default(24),
    /** Largest CSV file POST /imports reads (64 MiB ≈ a million rows). */
    IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
    /**
     * Writes (POST /invest, /investments, /imports, DELETE) each API key may make per second,
     * sustained, and at once after a pause. Generous by default: above what this service's
     * write path sustains on a small machine, so benchmarks and imports are never throttled;
     * it stops one runaway or leaked key from flooding the primary on bigger hardware.
     */
    WRITE_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(1_000),
    WRITE_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(2_000),
    /** Origins whose pages may call this API from a browser (the dashboard's); no wildcard. */
    CORS_ORIGINS: env.corsOrigins('http://127.0.0.1:8501,http://localhost:8501'),
  })
  .superRefine((c, ctx) => {
    checkAuthSettings({ host: c.HOST, auth: c.AUTH, apiKeys: c.API_KEYS }, ctx);
    checkPriceSettings(c, ctx);
  })
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    database: { url: c.DATABASE_URL, poolMax: c.DATABASE_POOL_MAX },
    queryApiPublicUrl: c.QUERY_API_PUBLIC_URL.replace(/\/+$/, ''),
    auth: { mode: c.AUTH, keys: c.API_KEYS },
    prices: priceSettings(c),
    idempotency: { ttlHours: c.IDEMPOTENCY_KEY_TTL_HOURS },
    imports: { maxBytes: c.IMPORT_MAX_BYTES },
    writeRateLimit: { requestsPerSecond: c.WRITE_RATE_LIMIT_PER_SECOND, burst: c.WRITE_RATE_LIMIT_BURST },
    cors: { origins: c.CORS_ORIGINS },
  }));

export type Config = z.output<typeof Schema>;

export const loadCommandApiConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
