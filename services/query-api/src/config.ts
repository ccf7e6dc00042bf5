import { checkPriceSettings, env, loadConfig, PRICE_ENV, priceSettings, z } from '@crypto-invest/config';

/** Every setting of the query API, validated once at start-up. Only this file reads process.env. */
const Schema = z
  .object({
    NODE_ENV: env.nodeEnv(),
    HOST: env.host(),
    PORT: env.port(8001),
    LOG_LEVEL: env.logLevel(),
    /** One or more hot-standby replicas, as the crypto_query role (comma-separated). */
    REPLICA_URLS: env.postgresUrlList(),
    /** The primary, as crypto_query. Used only when READ_FALLBACK=primary. */
    PRIMARY_URL: env.postgresUrl().optional(),
    /** `primary`: read from the primary while no replica answers. Off by default (the primary takes writes). */
    READ_FALLBACK: z.enum(['none', 'primary']).default('none'),
    /** Longest a request carrying a consistency token waits for the replica to reach it. */
    CONSISTENCY_WAIT_MS: env.milliseconds(2_000),
    /** A replica further behind than this is skipped while another one is within the bound. */
    MAX_REPLICA_LAG_MS: env.milliseconds(2_000),
    /** Connect timeout per replica: a dead replica gives a 503 within this bound (keep it under 2 s). */
    REPLICA_CONNECT_TIMEOUT_MS: env.milliseconds(1_500),
    /** Server-side cap on one read statement. */
    QUERY_TIMEOUT_MS: env.milliseconds(10_000),
    REPLICA_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
    /** How often each replica's reachability, lag and projection position are checked when nobody waits. */
    HEALTH_CHECK_INTERVAL_MS: env.milliseconds(1_000),
    /** How often the projection position is polled while a request waits for a consistency token. */
    POSITION_POLL_MS: env.milliseconds(5),
    /** How often it is polled while /stream clients are connected. */
    STREAM_POLL_MS: env.milliseconds(50),
    /** SSE comment sent this often so proxies keep an idle /stream open. */
    STREAM_HEARTBEAT_MS: env.milliseconds(15_000),
    /** Longest /stats waits for current prices before answering with the price fields unavailable. */
    PRICE_WAIT_MS: env.milliseconds(1_500),
    /** The shared price service's settings (the same variables as the command API's). */
    ...PRICE_ENV,
    /** Origins whose pages may call this API from a browser (the dashboard's); no wildcard. */
    CORS_ORIGINS: env.corsOrigins('http://127.0.0.1:8501,http://localhost:8501'),
  })
  .superRefine((c, ctx) => {
    if (c.READ_FALLBACK === 'primary' && !c.PRIMARY_URL) {
      ctx.addIssue({ code: 'custom', path: ['PRIMARY_URL'], message: 'is required when READ_FALLBACK=primary' });
    }
    checkPriceSettings(c, ctx);
    if (c.REPLICA_CONNECT_TIMEOUT_MS === 0) {
      ctx.addIssue({ code: 'custom', path: ['REPLICA_CONNECT_TIMEOUT_MS'], message: 'must be greater than 0 (0 would wait forever)' });
    }
  })
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    replicaUrls: c.REPLICA_URLS,
    primaryUrl: c.PRIMARY_URL,
    readFallback: c.READ_FALLBACK,
    database: {
      poolSize: c.REPLICA_POOL_SIZE,
      connectTimeoutMs: c.REPLICA_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: c.QUERY_TIMEOUT_MS,
    },
    replicas: {
      maxLagMs: c.MAX_REPLICA_LAG_MS,
      healthCheckIntervalMs: c.HEALTH_CHECK_INTERVAL_MS,
    },
    consistency: {
      waitMs: c.CONSISTENCY_WAIT_MS,
      positionPollMs: c.POSITION_POLL_MS,
      streamPollMs: c.STREAM_POLL_MS,
      streamHeartbeatMs: c.STREAM_HEARTBEAT_MS,
    },
    cors: { origins: c.CORS_ORIGINS },
    prices: {
      waitMs: c.PRICE_WAIT_MS,
      service: priceSettings(c),
    },
  }));

export type Config = z.output<typeof Schema>;

export const loadQueryApiConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
