import { serveApp } from '@crypto-invest/http';
import { createLogger } from '@crypto-invest/logger';
import { createApp } from './app.ts';
import { loadDashboardConfig } from './config.ts';

const config = loadDashboardConfig(process.env);
const logger = createLogger({ service: 'dashboard', level: config.logLevel });
if (!config.apiKey) logger.warn('DASHBOARD_API_KEY is not set: recording and voiding work only if the services run with AUTH=disabled');

await serveApp({ fetch: createApp({ config, logger }).fetch, host: config.http.host, port: config.http.port, logger });
