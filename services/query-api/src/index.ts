import { serveApp } from '@crypto-invest/http';
import { createLogger } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createApp } from './app.ts';
import { loadQueryApiConfig } from './config.ts';

const config = loadQueryApiConfig(process.env);
const logger = createLogger({ service: 'query-api', level: config.logLevel });
const replicas = config.replicaUrls.map((url, i) => createPool({ url, name: `query-api-replica-${i + 1}`, max: 20, logger }));

await serveApp({
  fetch: createApp({ config, logger, replicas }).fetch,
  host: config.http.host,
  port: config.http.port,
  logger,
  onShutdown: async () => {
    await Promise.all(replicas.map((pool) => pool.end()));
  },
});
