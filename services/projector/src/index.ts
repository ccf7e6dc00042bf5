import { writeSync } from 'node:fs';
import { serveApp } from '@crypto-invest/http';
import { createLogger } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createApp } from './app.ts';
import { loadProjectorConfig, type Config } from './config.ts';
import type { BatchHooks } from './projection/apply-batch.ts';
import { Projector } from './projection/projector.ts';

const config = loadProjectorConfig(process.env);
const logger = createLogger({ service: 'projector', level: config.logLevel });
if (config.auth.mode === 'disabled') logger.warn('AUTH=disabled: the admin API (rebuilds) accepts requests without an API key (trusted local setup only)');
// At once: the live loop, a rebuild's batch, its read-ahead and its investment-times load,
// the old-generation cleanup, status samples and HTTP readiness/admin reads.
const pool = createPool({ url: config.database.url, name: 'projector', max: 10, statementTimeoutMs: 60_000, logger });
const projector = new Projector({ pool, databaseUrl: config.database.url, logger, settings: config.projection, hooks: faultHooks(config) });

await serveApp({
  fetch: createApp({ config, logger, pool, projector }).fetch,
  host: config.http.host,
  port: config.http.port,
  logger,
  onShutdown: async () => {
    await projector.stop();
    await pool.end();
  },
});
projector.start();

/** The test-only crash switch (config refuses it in production). */
function faultHooks(config: Config): BatchHooks {
  const at = config.faults.killBeforeCommitAtBatch;
  if (at === undefined) return {};
  let batches = 0;
  return {
    beforeCommit: async ({ generation, events }) => {
      if (++batches < at) return;
      // Written synchronously: pino's stdout writes are asynchronous and would die with the process.
      writeSync(
        process.stderr.fd,
        JSON.stringify({ level: 'warn', time: new Date().toISOString(), service: 'projector', generation, events, batch: batches,
          msg: 'fault injection: SIGKILL after applying a batch, before COMMIT' }) + '\n',
      );
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined); // never reaches COMMIT
    },
  };
}
