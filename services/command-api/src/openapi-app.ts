import { createLogger } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createPriceService } from '@crypto-invest/prices';
import type { DocumentedApp } from '@crypto-invest/tooling';
import { createApp } from './app.ts';

/**
 * The app with inert dependencies, only to render its OpenAPI document (openapi.json
 * is written from it by `npm run openapi`, and a test fails when the two differ). No
 * handler runs: the pool never connects and no price is asked for.
 */
export function openApiApp(): DocumentedApp {
  const logger = createLogger({ service: 'command-api', level: 'silent' });
  const pool = createPool({ url: 'postgres://openapi@127.0.0.1:9/openapi', name: 'command-api-openapi', logger });
  const app = createApp({
    config: { auth: { mode: 'required', keys: [] }, queryApiPublicUrl: 'http://127.0.0.1:8001', idempotency: { ttlHours: 24 } },
    logger,
    pool,
    prices: createPriceService({ logger }),
  });
  return { app, close: () => pool.end() };
}
