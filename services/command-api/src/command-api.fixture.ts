// Test fixture (not a test): the command API built in-process against a fresh database
// on the run's real primary and the local fake CoinGecko over real HTTP.
import { createLogger } from '@crypto-invest/logger';
import { createPool, type Pool } from '@crypto-invest/postgres';
import { createPriceService, type PriceServiceOptions } from '@crypto-invest/prices';
import { freshDatabase, startFakeCoinGecko, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
// brings in the typing of the run's cluster settings that freshDatabase() injects
import type {} from '@crypto-invest/testing/global-setup';
import { createApp } from './app.ts';

export const API_KEY = 'test-key-0123456789abcdefghij';
export const OTHER_API_KEY = 'other-key-0123456789abcdefghij';
export const QUERY_API_URL = 'http://query.example.test:8001';

export interface SutOptions {
  prices?: Partial<PriceServiceOptions>;
  now?: () => Date;
  /** POST /imports' largest file (default 64 MiB). */
  importMaxBytes?: number;
}

export interface CommandApiFixture {
  db: TestDatabase;
  fake: FakeCoinGecko;
  pool: Pool;
  /** A new app (and a new price service, so an empty price cache) on the same database and fake. */
  sut(options?: SutOptions): ReturnType<typeof createApp>;
  /** Row counts of the write side, to show a refused request wrote nothing. */
  counts(): Promise<{ investments: number; events: number; keys: number }>;
  close(): Promise<void>;
}

export async function commandApiFixture(): Promise<CommandApiFixture> {
  const db = await freshDatabase();
  const fake = await startFakeCoinGecko();
  const logger = createLogger({ service: 'command-api-test', level: 'silent' });
  const pool = createPool({ url: db.url('command'), name: 'command-api-test', max: 20, logger });
  return {
    db,
    fake,
    pool,
    sut: (options = {}) =>
      createApp({
        config: {
          auth: { mode: 'required', keys: [API_KEY, OTHER_API_KEY] },
          queryApiPublicUrl: QUERY_API_URL,
          idempotency: { ttlHours: 24 },
          ...(options.importMaxBytes ? { imports: { maxBytes: options.importMaxBytes } } : {}),
        },
        logger,
        pool,
        prices: createPriceService({ baseUrl: fake.url, logger, budgetMs: 5_000, ...options.prices }),
        ...(options.now ? { now: options.now } : {}),
      }),
    async counts() {
      const { rows } = await db.admin.query<{ investments: number; events: number; keys: number }>(
        `select (select count(*) from investments)::int as investments, (select count(*) from events)::int as events,
                (select count(*) from idempotency_keys)::int as keys`,
      );
      return rows[0]!;
    },
    async close() {
      await pool.end();
      await fake.close();
      await db.drop();
    },
  };
}

/** A JSON request as a client sends it: the body is text, so numbers keep the digits written in it. */
export function jsonRequest(body: string, headers: Record<string, string> = {}, method = 'POST'): RequestInit {
  return { method, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers } };
}
