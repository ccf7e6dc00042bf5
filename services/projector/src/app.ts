import { LATEST_MIGRATION } from '@crypto-invest/db/schema-version';
import { createServiceApp, mountDocs, mountHealth } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import { checkPrimary, type Pool } from '@crypto-invest/postgres';
import { mountAdmin } from './admin/admin.index.ts';
import type { Config } from './config.ts';
import { instrumentProjector } from './projection/projection-metrics.ts';
import type { Projector } from './projection/projector.ts';

export interface ProjectorDeps {
  config: Config;
  logger: Logger;
  /** The primary, as crypto_projector. */
  pool: Pool;
  projector: Projector;
}

/** The projector's admin HTTP app. index.ts serves it; tests call it in-process. */
export function createApp(deps: ProjectorDeps) {
  const { app, metrics } = createServiceApp({ service: 'projector', logger: deps.logger });
  instrumentProjector(deps.projector, metrics);
  mountHealth(app, 'projector', async () => {
    const primary = await checkPrimary(deps.pool, LATEST_MIGRATION);
    return { ready: primary.ok, checks: { primary, projector: { ok: true, role: deps.projector.isActive ? 'active' : 'standby' } } };
  });
  mountDocs(app, {
    title: 'crypto-invest projector',
    version: '1.0.0',
    description: 'Applies the event log to the statistics read model exactly once. Admin API: status, rebuild without downtime.',
  });
  mountAdmin(app, { projector: deps.projector, pool: deps.pool, auth: deps.config.auth });
  return app;
}
