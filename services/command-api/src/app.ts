import { corsForOrigins, createServiceApp, mountDocs, mountHealth, rateLimit, requireApiKey } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import { LATEST_MIGRATION } from '@crypto-invest/db/schema-version';
import type { Config } from './config.ts';
import { DEFAULT_IMPORT_LIMITS } from './imports/import-file.ts';
import { mountImports } from './imports/imports.handlers.ts';
import { mountInvestments } from './investments/investments.handlers.ts';
import type { PriceLookup } from './investments/record-investment.ts';
import { mountReadRedirects } from './reads/reads.handlers.ts';
import { checkPrimary, type Pool } from '@crypto-invest/postgres';

export interface CommandApiDeps {
  config: Pick<Config, 'auth' | 'queryApiPublicUrl' | 'idempotency'> & Partial<Pick<Config, 'imports' | 'writeRateLimit' | 'cors'>>;
  logger: Logger;
  /** The primary, as crypto_command. */
  pool: Pool;
  /** USD prices (CoinGecko through @crypto-invest/prices). */
  prices: PriceLookup;
  /** The clock: "now" of a purchase without a timestamp, of a void, and of the future check. */
  now?: () => Date;
}

/** Builds the command API. index.ts serves it; tests call it in-process. */
export function createApp(deps: CommandApiDeps) {
  const { app, metrics } = createServiceApp({ service: 'command-api', logger: deps.logger });
  const now = deps.now ?? (() => new Date());
  if (deps.config.cors) app.use(corsForOrigins({ origins: deps.config.cors.origins }));
  if (deps.config.writeRateLimit) {
    // Every write route, in one place and before the routes: the key is checked first
    // (the limiter counts per key, and a request without a valid key is never counted),
    // then the key's bucket. The routes check the key again themselves (it is theirs,
    // and in their OpenAPI security); that costs one hash.
    const guard = [requireApiKey(deps.config.auth), rateLimit({ ...deps.config.writeRateLimit, what: 'writes' })] as const;
    app.on('POST', ['/invest', '/investments', '/imports'], ...guard);
    app.on('DELETE', '/investments/:id', ...guard);
  }
  mountHealth(app, 'command-api', async () => {
    const primary = await checkPrimary(deps.pool, LATEST_MIGRATION);
    return { ready: primary.ok, checks: { primary } };
  });
  mountInvestments(app, {
    pool: deps.pool,
    prices: deps.prices,
    now,
    logger: deps.logger,
    auth: deps.config.auth,
    idempotencyTtlHours: deps.config.idempotency.ttlHours,
    metrics,
  });
  mountImports(app, {
    pool: deps.pool,
    prices: deps.prices,
    now,
    logger: deps.logger,
    auth: deps.config.auth,
    metrics,
    limits: { ...DEFAULT_IMPORT_LIMITS, ...(deps.config.imports ? { maxBytes: deps.config.imports.maxBytes } : {}) },
  });
  mountReadRedirects(app, deps.config.queryApiPublicUrl);
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from API_KEYS: `Authorization: Bearer <API key>` (not needed when the service runs with AUTH=disabled)',
  });
  mountDocs(app, {
    title: 'crypto-invest command API',
    version: '1.0.0',
    description:
      'Records investments on the PostgreSQL primary: one transaction writes the investment, its event and a NOTIFY. ' +
      'Decimals are exact: JSON numbers with every stored digit, never exponent notation, never rounded through a float. ' +
      'Errors are RFC 9457 problem details (application/problem+json) with `detail`, the failing fields in `errors`, and a request id.',
    servers: [{ url: '.', description: 'This command API (where this document is served from; http://127.0.0.1:8000 locally)' }],
    license: { name: 'UNLICENSED (private project)' },
    tags: [
      { name: 'investments', description: 'Record and void investments (writes on the primary)' },
      { name: 'imports', description: 'Import purchases from a CSV file, through the same rules and events as POST /invest' },
      { name: 'reads', description: 'Reads of the seed contract, redirected to the query API' },
      { name: 'operations', description: 'Liveness and readiness' },
    ],
  });
  return app;
}
