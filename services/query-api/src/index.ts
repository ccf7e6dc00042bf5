import { serveApp } from '@crypto-invest/http';
import { createLogger, redactUrl } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createPriceService } from '@crypto-invest/prices';
import { createApp } from './app.ts';
import { loadQueryApiConfig } from './config.ts';

const config = loadQueryApiConfig(process.env);
const logger = createLogger({ service: 'query-api', level: config.logLevel });
const poolSettings = {
  max: config.database.poolSize,
  connectTimeoutMs: config.database.connectTimeoutMs,
  statementTimeoutMs: config.database.queryTimeoutMs,
  logger,
};
const replicas = config.replicaUrls.map((url, i) => createPool({ url, name: `query-api-replica-${i + 1}`, ...poolSettings }));
const primary = config.readFallback === 'primary' && config.primaryUrl ? createPool({ url: config.primaryUrl, name: 'query-api-primary-fallback', ...poolSettings }) : undefined;
// The shared price service (cache, single flight, retries within a budget): /stats asks it for current prices.
const prices = createPriceService({ ...config.prices.service, logger });

logger.info(
  { replicas: config.replicaUrls.map(redactUrl), read_fallback: config.readFallback, coingecko: prices.baseUrl },
  'starting',
);
const queryApi = createApp({ config, logger, replicas, primary, currentPrices: (coins) => prices.currentPrices(coins) });
await queryApi.start();
// /stream responses never end by themselves: end them as soon as shutdown begins, so the server can close.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => queryApi.stop());

await serveApp({
  fetch: queryApi.app.fetch,
  host: config.http.host,
  port: config.http.port,
  logger,
  onShutdown: async () => {
    queryApi.stop();
    await Promise.all([...replicas, ...(primary ? [primary] : [])].map((pool) => pool.end()));
  },
});
