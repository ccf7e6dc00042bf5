import pRetry from 'p-retry';
import { DomainError } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import type { Decimal } from '@crypto-invest/money';
import { CoinGeckoFailure, createCoinGeckoApi, type AttemptOptions, type CoinGeckoApi } from './coingecko.ts';

export interface PriceServiceOptions {
  /** CoinGecko's API root, e.g. the local fake's. Default: the pro host with a pro key, the public host otherwise. */
  baseUrl?: string | undefined;
  demoApiKey?: string | undefined;
  proApiKey?: string | undefined;
  /** How long a current price is reused (per coin). Default 60 s; 0 turns the cache off. */
  cacheTtlMs?: number;
  /** Longest one lookup may take, retries and Retry-After waits included. Default 5 s. */
  budgetMs?: number;
  /** Longest one HTTP attempt may take (always within the budget). Default 2 s. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch | undefined;
  /** Clock for the cache (milliseconds since the epoch). */
  now?: () => number;
  logger: Logger;
}

export interface PriceService {
  /** The current USD price; 422 'unknown-coin' when CoinGecko prices no such coin, 503 'price-unavailable' when it cannot be had in time. */
  currentPrice(coin: string): Promise<Decimal>;
  /**
   * Current USD prices of several coins with one batched request for those not cached.
   * Coins CoinGecko has no price for are absent from the map (never 0); 503 when it cannot be had in time.
   */
  currentPrices(coins: readonly string[]): Promise<Map<string, Decimal>>;
  /** The USD price on a UTC day (`YYYY-MM-DD`), from `/coins/{id}/history`; 422 when CoinGecko has none, 503 when it cannot be had in time. */
  historicalPrice(coin: string, day: string): Promise<Decimal>;
  readonly baseUrl: string;
}

/** CoinGecko's limit on URL length leaves room for far more, but small batches fail alone. */
const MAX_IDS_PER_REQUEST = 100;
const MAX_HISTORICAL_ENTRIES = 10_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * USD prices from CoinGecko, exact to the digit, for the command API (price of a
 * purchase) and the query API (current values). Current prices are cached per coin;
 * concurrent lookups of one coin share one request (single flight); transient
 * failures are retried with backoff, honouring Retry-After, all within one budget.
 */
export function createPriceService(options: PriceServiceOptions): PriceService {
  const api = createCoinGeckoApi(options);
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const budgetMs = options.budgetMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'prices' });

  const current = new Map<string, { price: Decimal; expiresAt: number }>();
  const currentInFlight = new Map<string, Promise<Decimal | null>>();
  // A past day's price does not change: kept until the map is full, then the oldest go first.
  const historical = new Map<string, Decimal>();
  const historicalInFlight = new Map<string, Promise<Decimal | null>>();

  const withinBudget = <T>(what: string, attempt: (o: AttemptOptions) => Promise<T>) =>
    retryWithinBudget(what, attempt, { budgetMs, timeoutMs, logger });

  const fetchBatch = async (coins: string[]): Promise<Map<string, Decimal | null>> => {
    const what = `price of ${coins.join(', ')}`;
    const prices = await withinBudget(what, (attempt) => api.simplePrices(coins, attempt)).catch((error: unknown) => {
      if (!(error instanceof CoinGeckoFailure)) throw error;
      // simple/price answers {} for coins it does not know: a 4xx here means our key or URL is wrong.
      logger.error({ what, status: error.status }, 'CoinGecko refused the request (check the API key and base URL)');
      throw priceUnavailable(what, budgetMs, error);
    });
    const expiresAt = now() + cacheTtlMs;
    for (const [coin, price] of prices) if (price && cacheTtlMs > 0) current.set(coin, { price, expiresAt });
    return prices;
  };

  const currentPrices = async (coins: readonly string[]): Promise<Map<string, Decimal>> => {
    const wanted = [...new Set(coins)];
    const found = new Map<string, Decimal>();
    const waits: Array<Promise<void>> = [];
    const missing: string[] = [];
    const at = now();
    for (const coin of wanted) {
      const cached = current.get(coin);
      if (cached && cached.expiresAt > at) {
        found.set(coin, cached.price);
        continue;
      }
      const flying = currentInFlight.get(coin);
      if (flying) waits.push(flying.then((price) => void (price && found.set(coin, price))));
      else missing.push(coin);
    }
    for (let i = 0; i < missing.length; i += MAX_IDS_PER_REQUEST) {
      const chunk = missing.slice(i, i + MAX_IDS_PER_REQUEST);
      const batch = fetchBatch(chunk);
      for (const coin of chunk) {
        const one = batch.then((prices) => prices.get(coin) ?? null);
        singleFlight(currentInFlight, coin, one);
        waits.push(one.then((price) => void (price && found.set(coin, price))));
      }
    }
    await Promise.all(waits);
    // In the order asked for.
    return new Map(wanted.filter((coin) => found.has(coin)).map((coin) => [coin, found.get(coin)!]));
  };

  return {
    baseUrl: api.baseUrl,
    currentPrices,
    async currentPrice(coin) {
      const price = (await currentPrices([coin])).get(coin);
      if (!price) throw unknownCoin(coin);
      return price;
    },
    async historicalPrice(coin, day) {
      if (!DAY.test(day)) throw new Error(`historicalPrice wants a UTC day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
      const key = `${coin}@${day}`;
      const known = historical.get(key);
      if (known) return known;
      let flying = historicalInFlight.get(key);
      if (!flying) {
        flying = withinBudget(`price of ${coin} on ${day}`, (attempt) => api.historicalPrice(coin, day, attempt)).catch((error: unknown) => {
          if (error instanceof CoinGeckoFailure && error.kind === 'not_found') throw unknownCoin(coin);
          // 400/401/403: CoinGecko will not give that day (the public API only reaches a year back).
          if (error instanceof CoinGeckoFailure && error.kind === 'refused') throw noHistoricalPrice(coin, day, `CoinGecko refused: HTTP ${error.status}`);
          throw error;
        });
        singleFlight(historicalInFlight, key, flying);
      }
      const price = await flying;
      if (!price) throw noHistoricalPrice(coin, day, 'CoinGecko has no price for that day');
      if (historical.size >= MAX_HISTORICAL_ENTRIES) historical.delete(historical.keys().next().value!);
      historical.set(key, price);
      return price;
    },
  };
}

/** Registers `promise` as the one lookup of `key` until it settles. */
function singleFlight<T>(inFlight: Map<string, Promise<T>>, key: string, promise: Promise<T>): void {
  inFlight.set(key, promise);
  const clear = () => {
    if (inFlight.get(key) === promise) inFlight.delete(key);
  };
  promise.then(clear, clear);
}

interface BudgetSettings {
  budgetMs: number;
  timeoutMs: number;
  logger: Logger;
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with exponential
 * backoff (p-retry) and waiting at least what a Retry-After header asks, all within
 * `budgetMs`. Out of budget — or asked to wait beyond it — it gives up with a 503
 * DomainError. Non-transient failures are rethrown as they are.
 */
export async function retryWithinBudget<T>(
  what: string,
  attempt: (options: AttemptOptions) => Promise<T>,
  { budgetMs, timeoutMs, logger }: BudgetSettings,
): Promise<T> {
  const started = performance.now();
  const remaining = () => budgetMs - (performance.now() - started);
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new CoinGeckoFailure('aborted', 'out of time')), budgetMs);
  let last: CoinGeckoFailure | undefined;
  try {
    return await pRetry(() => attempt({ signal: budget.signal, timeoutMs: Math.min(timeoutMs, Math.max(1, remaining())) }), {
      retries: 20,
      minTimeout: 100,
      factor: 2,
      maxTimeout: 1_000,
      randomize: true,
      maxRetryTime: budgetMs,
      signal: budget.signal,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (error instanceof CoinGeckoFailure && error.kind !== 'aborted') last = error;
        logger.warn({ what, attempt: attemptNumber, failure: error.message, status: (error as CoinGeckoFailure).status }, 'CoinGecko request failed');
      },
      shouldRetry: async ({ error }) => {
        if (!(error instanceof CoinGeckoFailure) || error.kind !== 'transient') return false;
        const wait = error.retryAfterMs ?? 0;
        if (wait >= remaining()) return false; // asked to wait past the budget: answer now instead
        if (wait > 0) await sleep(wait, budget.signal);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof CoinGeckoFailure && (error.kind === 'not_found' || error.kind === 'refused')) throw error;
    if (error instanceof DomainError) throw error;
    throw priceUnavailable(what, budgetMs, last ?? (error instanceof CoinGeckoFailure ? error : undefined));
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function priceUnavailable(what: string, budgetMs: number, last: CoinGeckoFailure | undefined): DomainError {
  const cause = last ? ` (last failure: ${last.message.replace(/^[^:]*: /, '')})` : '';
  return new DomainError(
    'unavailable',
    'price-unavailable',
    'Price unavailable',
    `price unavailable, give purchase_price_usd: CoinGecko did not give the ${what} within ${budgetMs / 1000} s${cause}`,
    {
      fields: [{ field: 'purchase_price_usd', reason: 'is needed while CoinGecko cannot be reached' }],
      ...(last?.retryAfterMs !== undefined ? { retryAfterSeconds: last.retryAfterMs / 1000 } : {}),
    },
  );
}

export function unknownCoin(coin: string): DomainError {
  return new DomainError(
    'unprocessable',
    'unknown-coin',
    'Unknown coin',
    `CoinGecko has no USD price for a coin with the id "${coin}"; use a CoinGecko coin id such as "bitcoin" or "shiba-inu"`,
    { fields: [{ field: 'coin', reason: `"${coin}" is not a coin CoinGecko prices` }], coin },
  );
}

export function noHistoricalPrice(coin: string, day: string, why: string): DomainError {
  return new DomainError(
    'unprocessable',
    'historical-price-unavailable',
    'No price for that day',
    `${why}: no USD price of ${coin} on ${day}; give purchase_price_usd`,
    { fields: [{ field: 'purchase_price_usd', reason: `is needed: CoinGecko has no price of ${coin} on ${day}` }], coin, day },
  );
}

export type { CoinGeckoApi };
