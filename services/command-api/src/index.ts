import { serveApp } from '@crypto-invest/http';
import { createLogger, redactUrl } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createPriceService } from '@crypto-invest/prices';
import { createApp } from './app.ts';
import { loadCommandApiConfig } from './config.ts';

const config = loadCommandApiConfig(process.env);
const logger = createLogger({ service: 'command-api', level: config.logLevel });
if (config.auth.mode === 'disabled') logger.warn('AUTH=disabled: write endpoints accept requests without an API key (trusted local setup only)');
const pool = createPool({ url: config.database.url, name: 'command-api', max: config.database.poolMax, logger });
const prices = createPriceService({ ...config.prices, logger });
logger.info(
  {
    database: redactUrl(config.database.url),
    coingecko: prices.baseUrl,
    coingecko_key: config.prices.proApiKey ? 'pro' : config.prices.demoApiKey ? 'demo' : 'none',
    query_api: config.queryApiPublicUrl,
    auth: config.auth.mode,
    api_keys: config.auth.keys.length,
    write_rate_limit: config.writeRateLimit,
    cors_origins: config.cors.origins,
  },
  'starting',
);

await serveApp({
  fetch: createApp({ config, logger, pool, prices }).fetch,
  host: config.http.host,
  port: config.http.port,
  logger,
  onShutdown: () => pool.end(),
});
