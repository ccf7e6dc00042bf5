import { createServiceApp, mountDocs, mountHealth } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import { errorSummary, type Pool } from '@crypto-invest/postgres';
import type { Config } from './config.ts';

export interface QueryApiDeps {
  config: Config;
  logger: Logger;
  /** One pool per replica, as crypto_query. */
  replicas: Pool[];
}

/** Builds the query API. index.ts serves it; tests call it in-process. */
export function createApp(deps: QueryApiDeps) {
  const { app } = createServiceApp({ service: 'query-api', logger: deps.logger });
  mountHealth(app, 'query-api', async () => {
    const checks: Record<string, { ok: boolean; [k: string]: unknown }> = {};
    await Promise.all(
      deps.replicas.map(async (pool, i) => {
        try {
          const { rows } = await pool.query<{ in_recovery: boolean }>('select pg_is_in_recovery() as in_recovery');
          checks[`replica_${i + 1}`] = { ok: true, reachable: true, in_recovery: rows[0]!.in_recovery };
        } catch (error) {
          checks[`replica_${i + 1}`] = { ok: false, reachable: false, error: errorSummary(error).message };
        }
      }),
    );
    return { ready: Object.values(checks).some((c) => c.ok), checks };
  });
  mountDocs(app, {
    title: 'crypto-invest query API',
    version: '1.0.0',
    description: 'History and statistics, read from the hot-standby replica.',
  });
  return app;
}
