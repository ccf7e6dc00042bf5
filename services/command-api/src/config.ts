import { checkAuthSettings, env, loadConfig, z } from '@crypto-invest/config';

/** Every setting of the command API, validated once at start-up. Only this file reads process.env. */
const Schema = z
  .object({
    NODE_ENV: env.nodeEnv(),
    HOST: env.host(),
    PORT: env.port(8000),
    LOG_LEVEL: env.logLevel(),
    /** The primary, as the crypto_command role. */
    DATABASE_URL: env.postgresUrl(),
    /** Where GET /history and /stats are redirected (the query API's public base URL). */
    QUERY_API_PUBLIC_URL: env.url().default('http://127.0.0.1:8001'),
    API_KEYS: env.apiKeys(),
    AUTH: env.auth(),
  })
  .superRefine((c, ctx) => checkAuthSettings({ host: c.HOST, auth: c.AUTH, apiKeys: c.API_KEYS }, ctx))
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    database: { url: c.DATABASE_URL },
    queryApiPublicUrl: c.QUERY_API_PUBLIC_URL.replace(/\/+$/, ''),
    auth: { mode: c.AUTH, keys: c.API_KEYS },
  }));

export type Config = z.output<typeof Schema>;

export const loadCommandApiConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
