import { serveApp } from '@crypto-invest/http';
import { createLogger } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createApp } from './app.ts';
import { loadProjectorConfig } from './config.ts';

const config = loadProjectorConfig(process.env);
const logger = createLogger({ service: 'projector', level: config.logLevel });
const pool = createPool({ url: config.database.url, name: 'projector', max: 5, logger });

await serveApp({
  fetch: createApp({ config, logger, pool }).fetch,
  host: config.http.host,
  port: config.http.port,
  logger,
  onShutdown: () => pool.end(),
});
