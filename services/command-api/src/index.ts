import { serveApp } from '@crypto-invest/http';
import { createLogger, redactUrl } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createApp } from './app.ts';
import { loadCommandApiConfig } from './config.ts';

const config = loadCommandApiConfig(process.env);
const logger = createLogger({ service: 'command-api', level: config.logLevel });
if (config.auth.mode === 'disabled') logger.warn('AUTH=disabled: write endpoints accept requests without an API key (trusted local setup only)');
const pool = createPool({ url: config.database.url, name: 'command-api', max: 20, logger });
logger.info({ database: redactUrl(config.database.url) }, 'starting');

await serveApp({
  fetch: createApp({ config, logger, pool }).fetch,
  host: config.http.host,
  port: config.http.port,
  logger,
  onShutdown: () => pool.end(),
});
