import { corsForOrigins, createServiceApp, mountDocs, mountHealth, type AppEnv, type OpenAPIHono } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import type { Pool } from '@crypto-invest/postgres';
import type { Config } from './config.ts';
import { ConsistentReads, POSITION_HEADER } from './freshness/consistency.ts';
import { PositionWatcher } from './freshness/position-watcher.ts';
import { streamPositions } from './freshness/stream.handlers.ts';
import { streamRoute } from './freshness/stream.routes.ts';
import { checkReadiness } from './health/readiness.ts';
import { getHistory } from './history/history.handlers.ts';
import { HistoryPages } from './history/history-pages.ts';
import { historyRoute } from './history/history.routes.ts';
import { createPriceLookup, type CurrentPrices } from './prices/current-prices.ts';
import type { ReadServices } from './read-services.ts';
import { ReadSources, type ReadSource } from './replicas/read-sources.ts';
import { ReplayClock } from './replicas/replay-clock.ts';
import { getStatistics } from './statistics/statistics.handlers.ts';
import { StatisticsReader } from './statistics/statistics-reader.ts';
import { statisticsRoute } from './statistics/statistics.routes.ts';

export interface QueryApiDeps {
  config: Config;
  logger: Logger;
  /** One pool per replica, as crypto_query, in REPLICA_URLS order. */
  replicas: Pool[];
  /** The primary as crypto_query; used only when config.readFallback is 'primary'. */
  primary?: Pool;
  /** Current USD prices (the shared price service in production, a fake in tests). */
  currentPrices: CurrentPrices;
}

export interface QueryApi {
  app: OpenAPIHono<AppEnv>;
  /** First health check of every read source, then the background checks. */
  start(): Promise<void>;
  /** Stops the background checks and polls and ends open /stream responses (the pools are the caller's to end). */
  stop(): void;
}

/** Builds the query API. index.ts serves it; tests call it in-process. */
export function createApp(deps: QueryApiDeps): QueryApi {
  const { config, logger } = deps;
  const { app, metrics } = createServiceApp({ service: 'query-api', logger });
  app.use(corsForOrigins({ origins: config.cors.origins }));

  const replicaUp = metrics.gauge('query_api_read_source_up', 'Whether a read source answered its last check (1) or not (0)', ['source']);
  const lagSeconds = metrics.gauge('query_api_replication_lag_seconds', 'Replication lag of a replica, seconds', ['source']);
  const lagBytes = metrics.gauge('query_api_replication_lag_bytes', 'WAL a replica has not replayed yet, bytes', ['source']);
  const waits = metrics.histogram('query_api_consistency_wait_seconds', 'Time requests with a consistency token waited', ['outcome'], [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5]);
  const statsCache = metrics.counter('query_api_statistics_cache_total', 'Statistics reads served from the snapshot cache (hit) or read from the replica (miss)', ['result']);
  const historyCache = metrics.counter(
    'query_api_history_cache_total',
    'History pages served from the page cache (hit), read from a replica (miss), or read uncached from a server not in recovery (bypass)',
    ['result'],
  );
  const streamClients = metrics.gauge('query_api_stream_clients', 'Connected /stream clients');

  const sourceOf = (pool: Pool, name: string, role: ReadSource['role']): ReadSource => ({ name, role, pool, address: addressOf(pool) });
  const sources: ReadSources = new ReadSources({
    replicas: deps.replicas.map((pool, i) => sourceOf(pool, `replica-${i + 1}`, 'replica')),
    fallback: config.readFallback === 'primary' && deps.primary ? sourceOf(deps.primary, 'primary', 'primary') : undefined,
    maxLagMs: config.replicas.maxLagMs,
    healthCheckIntervalMs: config.replicas.healthCheckIntervalMs,
    logger,
    onChecked: async (source, health) => {
      replicaUp.set({ source: source.name }, health.reachable ? 1 : 0);
      if (health.replication) {
        lagSeconds.set({ source: source.name }, health.replication.lagSeconds);
        lagBytes.set({ source: source.name }, health.replication.lagBytes);
      }
      // The health check doubles as the idle-time position poll.
      if (health.reachable) await watcher.observe(source).catch(() => undefined);
    },
  });
  const watcher = new PositionWatcher(sources, {
    pollMs: config.consistency.positionPollMs,
    streamPollMs: config.consistency.streamPollMs,
    logger,
  });
  const shutdown = new AbortController();
  const reads: ReadServices = {
    config,
    logger,
    sources,
    watcher,
    consistent: new ConsistentReads(watcher, config.consistency.waitMs, (outcome, seconds) => waits.observe({ outcome }, seconds)),
    statistics: new StatisticsReader(sources, watcher, (result) => statsCache.inc({ result })),
    historyPages: new HistoryPages(sources, watcher, new ReplayClock(sources), (result) => historyCache.inc({ result })),
    lookupPrices: createPriceLookup(deps.currentPrices, { waitMs: config.prices.waitMs }),
    shutdown: shutdown.signal,
  };

  // Every response says which projection position it reflects; data routes set the
  // position their own snapshot read, the others the newest one known.
  app.use(async (c, next) => {
    await next();
    const newest = watcher.newest();
    if (newest && !c.res.headers.has(POSITION_HEADER)) {
      try {
        c.res.headers.set(POSITION_HEADER, newest.token);
      } catch {
        // Immutable headers (a response passed through as is): nothing to add.
      }
    }
  });

  mountHealth(app, 'query-api', () => checkReadiness(sources, watcher));
  app.openapi(historyRoute, getHistory(reads));
  app.openapi(statisticsRoute, getStatistics(reads));
  app.openapi(streamRoute, streamPositions(reads, (delta) => streamClients.inc(delta)));
  mountDocs(app, {
    title: 'crypto-invest query API',
    version: '1.0.0',
    description:
      'History and statistics, read from the hot-standby replica. Decimals are exact JSON numbers (parse them losslessly). ' +
      'Every response carries X-Projection-Position; send a command\'s consistency_token (X-Consistency-Token or ?after=) to read your own write. ' +
      'Errors are RFC 9457 problem details (application/problem+json) with the failing fields and a request id. Reads need no API key.',
    servers: [{ url: '.', description: 'This query API (where this document is served from; http://127.0.0.1:8001 locally)' }],
    license: { name: 'UNLICENSED (private project)' },
    tags: [
      { name: 'history', description: 'The list of investments (keyset pages or one streamed array)' },
      { name: 'statistics', description: 'Portfolio statistics from the read model, with current values' },
      { name: 'freshness', description: 'Live projection position (Server-Sent Events)' },
      { name: 'operations', description: 'Liveness and readiness' },
    ],
  });

  return {
    app,
    start: () => sources.start(),
    stop: () => {
      shutdown.abort();
      sources.stop();
      watcher.stop();
    },
  };
}

/** host:port of a pool's server, for /ready (the URL without its credentials). */
function addressOf(pool: Pool): string {
  const url = (pool as Pool & { options: { connectionString?: string } }).options.connectionString;
  try {
    const parsed = new URL(url ?? '');
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'unknown';
  }
}
