import type { Logger } from '@crypto-invest/logger';
import type { Config } from './config.ts';
import type { ConsistentReads } from './freshness/consistency.ts';
import type { PositionWatcher } from './freshness/position-watcher.ts';
import type { HistoryPages } from './history/history-pages.ts';
import type { LookupPrices } from './prices/current-prices.ts';
import type { ReadSources } from './replicas/read-sources.ts';
import type { StatisticsReader } from './statistics/statistics-reader.ts';

/** What the feature handlers read through, built once by createApp. */
export interface ReadServices {
  config: Config;
  logger: Logger;
  sources: ReadSources;
  watcher: PositionWatcher;
  consistent: ConsistentReads;
  statistics: StatisticsReader;
  historyPages: HistoryPages;
  lookupPrices: LookupPrices;
  /** Aborted when the service shuts down: open /stream responses end so the server can close. */
  shutdown: AbortSignal;
}
