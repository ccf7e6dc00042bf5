import { env, loadConfig, z } from '@crypto-invest/config';

/** Every setting of the dashboard server, validated once at start-up. Only this file reads process.env. */
const Schema = z
  .object({
    NODE_ENV: env.nodeEnv(),
    HOST: env.host(),
    PORT: env.port(8501),
    LOG_LEVEL: env.logLevel(),
    COMMAND_API_URL: env.url().default('http://127.0.0.1:8000'),
    QUERY_API_URL: env.url().default('http://127.0.0.1:8001'),
    PROJECTOR_URL: env.url().default('http://127.0.0.1:8002'),
  })
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    upstreams: { command: c.COMMAND_API_URL, query: c.QUERY_API_URL, projector: c.PROJECTOR_URL },
  }));

export type Config = z.output<typeof Schema>;

export const loadDashboardConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
