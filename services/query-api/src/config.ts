import { env, loadConfig, z } from '@crypto-invest/config';

/** Every setting of the query API, validated once at start-up. Only this file reads process.env. */
const Schema = z
  .object({
    NODE_ENV: env.nodeEnv(),
    HOST: env.host(),
    PORT: env.port(8001),
    LOG_LEVEL: env.logLevel(),
    /** One or more hot-standby replicas, as the crypto_query role (comma-separated). */
    REPLICA_URLS: env.postgresUrlList(),
  })
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    replicaUrls: c.REPLICA_URLS,
  }));

export type Config = z.output<typeof Schema>;

export const loadQueryApiConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
