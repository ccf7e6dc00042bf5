import { checkAuthSettings, env, loadConfig, z } from '@crypto-invest/config';

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
  })
  .superRefine((c, ctx) => checkAuthSettings({ host: c.HOST, auth: c.AUTH, apiKeys: c.API_KEYS }, ctx))
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    database: { url: c.DATABASE_URL },
    auth: { mode: c.AUTH, keys: c.API_KEYS },
  }));

export type Config = z.output<typeof Schema>;

export const loadProjectorConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
