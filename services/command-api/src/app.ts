import { createServiceApp, mountDocs, mountHealth } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import type { Pool } from '@crypto-invest/postgres';
import { LATEST_MIGRATION } from '@crypto-invest/db/schema-version';
import type { Config } from './config.ts';
import { checkPrimary } from './readiness.ts';

export interface CommandApiDeps {
  config: Config;
  logger: Logger;
  /** The primary, as crypto_command. */
  pool: Pool;
}

/** Builds the command API. index.ts serves it; tests call it in-process. */
export function createApp(deps: CommandApiDeps) {
  const { app } = createServiceApp({ service: 'command-api', logger: deps.logger });
  mountHealth(app, 'command-api', async () => {
    const primary = await checkPrimary(deps.pool, LATEST_MIGRATION);
    return { ready: primary.ok, checks: { primary } };
  });
  mountDocs(app, {
    title: 'crypto-invest command API',
    version: '1.0.0',
    description: 'Records investments on the primary: one transaction writes the investment and its event.',
  });
  return app;
}
