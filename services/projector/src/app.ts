import { createServiceApp, mountHealth } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import { errorSummary, type Pool } from '@crypto-invest/postgres';
import type { Config } from './config.ts';

export interface ProjectorDeps {
  config: Config;
  logger: Logger;
  pool: Pool;
}

/** The projector's admin HTTP app. index.ts serves it; tests call it in-process. */
export function createApp(deps: ProjectorDeps) {
  const { app } = createServiceApp({ service: 'projector', logger: deps.logger });
  mountHealth(app, 'projector', async () => {
    try {
      await deps.pool.query('select 1');
      return { ready: true, checks: { primary: { ok: true, reachable: true } } };
    } catch (error) {
      return { ready: false, checks: { primary: { ok: false, reachable: false, error: errorSummary(error).message } } };
    }
  });
  return app;
}
