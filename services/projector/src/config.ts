import { checkAuthSettings, env, loadConfig, z } from '@crypto-invest/config';

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** Every setting of the projector, validated once at start-up. Only this file reads process.env. */
const Schema = z
  .object({
    NODE_ENV: env.nodeEnv(),
    HOST: env.host(),
    PORT: env.port(8002),
    LOG_LEVEL: env.logLevel(),
    /** The primary, as the crypto_projector role. */
    DATABASE_URL: env.postgresUrl(),
    API_KEYS: env.apiKeys(),
    AUTH: env.auth(),
    /** Most events applied in one live transaction. */
    BATCH_SIZE: count(500, 50_000),
    /** Most events applied in one rebuild transaction. */
    REBUILD_BATCH_SIZE: count(5_000, 100_000),
    /** The idle poll under LISTEN: notifications sent while disconnected are lost, so at most 1 s. */
    POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(1_000).default(1_000),
    /** How often a standby instance tries to become the active one. */
    LEADER_RETRY_MS: z.coerce.number().int().min(50).max(10_000).default(1_000),
    /** Events held back by an open transaction longer than this are reported as a stall. */
    STALL_REPORT_AFTER_MS: z.coerce.number().int().min(0).default(5_000),
    /** Backoff between retries after a database error. */
    RETRY_MIN_MS: z.coerce.number().int().min(1).default(50),
    RETRY_MAX_MS: z.coerce.number().int().min(1).default(1_000),
    /** How often a rebuild logs and stores its progress. */
    REBUILD_PROGRESS_MS: z.coerce.number().int().min(100).default(2_000),
    /**
     * Test-only fault: the process SIGKILLs itself after writing its Nth non-empty batch
     * and moving the checkpoint, before COMMIT. Refused in production.
     */
    FAULT_KILL_BEFORE_COMMIT_AT_BATCH: z.coerce.number().int().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    checkAuthSettings({ host: c.HOST, auth: c.AUTH, apiKeys: c.API_KEYS }, ctx);
    if (c.NODE_ENV === 'production' && c.FAULT_KILL_BEFORE_COMMIT_AT_BATCH !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['FAULT_KILL_BEFORE_COMMIT_AT_BATCH'], message: 'is a test-only fault and is refused when NODE_ENV=production' });
    }
    if (c.RETRY_MAX_MS < c.RETRY_MIN_MS) ctx.addIssue({ code: 'custom', path: ['RETRY_MAX_MS'], message: 'must be at least RETRY_MIN_MS' });
  })
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    database: { url: c.DATABASE_URL },
    auth: { mode: c.AUTH, keys: c.API_KEYS },
    projection: {
      batchSize: c.BATCH_SIZE,
      rebuildBatchSize: c.REBUILD_BATCH_SIZE,
      pollIntervalMs: c.POLL_INTERVAL_MS,
      leaderRetryMs: c.LEADER_RETRY_MS,
      stallReportAfterMs: c.STALL_REPORT_AFTER_MS,
      retryMinMs: c.RETRY_MIN_MS,
      retryMaxMs: c.RETRY_MAX_MS,
      progressEveryMs: c.REBUILD_PROGRESS_MS,
    },
    faults: { killBeforeCommitAtBatch: c.FAULT_KILL_BEFORE_COMMIT_AT_BATCH },
  }));

export type Config = z.output<typeof Schema>;

export const loadProjectorConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
