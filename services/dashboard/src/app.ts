import { createServiceApp, mountHealth } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import type { Config } from './config.ts';

export interface DashboardDeps {
  config: Config;
  logger: Logger;
}

/** The dashboard server: serves the single-page app and forwards /api/* to the services. */
export function createApp(deps: DashboardDeps) {
  const { app } = createServiceApp({ service: 'dashboard', logger: deps.logger });
  mountHealth(app, 'dashboard', async () => ({ ready: true, checks: {} }));
  app.get('/', (c) => c.html('<!doctype html><title>crypto-invest</title><h1>crypto-invest dashboard</h1>'));
  return app;
}
