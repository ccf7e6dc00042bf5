import { createLogger } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import type { DocumentedApp } from '@crypto-invest/tooling';
import { createApp } from './app.ts';
import { loadQueryApiConfig } from './config.ts';

/**
 * The app with inert dependencies, only to render its OpenAPI document (openapi.json
 * is written from it by `npm run openapi`, and a test fails when the two differ).
 * Nothing runs: start() is never called, so the pool never connects.
 */
export function openApiApp(): DocumentedApp {
  const config = loadQueryApiConfig({ REPLICA_URLS: 'postgres://openapi@127.0.0.1:9/openapi', LOG_LEVEL: 'silent' });
  const logger = createLogger({ service: 'query-api', level: 'silent' });
  const pool = createPool({ url: config.replicaUrls[0]!, name: 'query-api-openapi', logger });
  const { app } = createApp({ config, logger, replicas: [pool], currentPrices: async () => new Map() });
  return { app, close: () => pool.end() };
}
