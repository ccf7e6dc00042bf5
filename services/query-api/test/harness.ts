import { createLogger } from '@crypto-invest/logger';
import { createPool, type Pool } from '@crypto-invest/postgres';
import { createApp, type QueryApi } from '../src/app.ts';
import { loadQueryApiConfig } from '../src/config.ts';
import type { CurrentPrices } from '../src/prices/current-prices.ts';

export interface QueryApiHarness {
  sut: QueryApi;
  /** An in-process request to the app (`/stats`, `/history?limit=10`...). */
  request(path: string, init?: RequestInit): Promise<Response>;
  replicas: Pool[];
  primary?: Pool;
  close(): Promise<void>;
}

export interface HarnessOptions {
  replicaUrls: string[];
  primaryUrl?: string;
  /** Extra environment (CONSISTENCY_WAIT_MS, READ_FALLBACK, ...). */
  env?: Record<string, string>;
  currentPrices?: CurrentPrices;
}

/** Builds the query API exactly as index.ts does, against real servers, and starts its health checks. */
export async function startQueryApi(options: HarnessOptions): Promise<QueryApiHarness> {
  const config = loadQueryApiConfig({
    REPLICA_URLS: options.replicaUrls.join(','),
    ...(options.primaryUrl ? { PRIMARY_URL: options.primaryUrl } : {}),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logger = createLogger({ service: 'query-api-test', level: config.logLevel });
  const settings = {
    max: config.database.poolSize,
    connectTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.queryTimeoutMs,
    logger,
  };
  const replicas = config.replicaUrls.map((url, i) => createPool({ url, name: `query-api-test-${i + 1}`, ...settings }));
  const primary = config.primaryUrl ? createPool({ url: config.primaryUrl, name: 'query-api-test-primary', ...settings }) : undefined;
  const currentPrices: CurrentPrices = options.currentPrices ?? (async () => new Map());
  const sut = createApp({ config, logger, replicas, primary, currentPrices });
  await sut.start();
  return {
    sut,
    replicas,
    primary,
    request: (path, init) => Promise.resolve(sut.app.request(path, init)),
    async close() {
      sut.stop();
      await Promise.all([...replicas, ...(primary ? [primary] : [])].map((pool) => pool.end()));
    },
  };
}
