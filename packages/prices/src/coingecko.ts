import Coingecko, { APIConnectionError, APIError, APIUserAbortError } from '@coingecko/coingecko-typescript';
import { Decimal, isLosslessNumber, parseJsonExact } from '@crypto-invest/money';

export const PUBLIC_API_URL = 'https://api.coingecko.com/api/v3';
export const PRO_API_URL = 'https://pro-api.coingecko.com/api/v3';

/** Prices are kept at the scale of a stored price (NUMERIC(38,18)), so what we return is what the database keeps. */
const PRICE_SCALE = 18;
const PRICE_LIMIT = new Decimal('1e20');

export interface CoinGeckoSettings {
  /** Default: the pro host with a pro key, the public host otherwise. */
  baseUrl?: string | undefined;
  /** Sent as `x-cg-demo-api-key`. */
  demoApiKey?: string | undefined;
  /** Sent as `x-cg-pro-api-key`. */
  proApiKey?: string | undefined;
  fetch?: typeof globalThis.fetch | undefined;
}

export interface AttemptOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * Why a request failed. `transient` failures (timeouts, lost connections, 408, 429,
 * 5xx, an unreadable answer) are worth retrying; `not_found` and `refused` (other
 * 4xx) are not.
 */
export class CoinGeckoFailure extends Error {
  constructor(
    readonly kind: 'transient' | 'not_found' | 'refused' | 'aborted',
    message: string,
    readonly status?: number,
    /** From the answer's Retry-After header. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'CoinGeckoFailure';
  }
}

export interface CoinGeckoApi {
  readonly baseUrl: string;
  /** `/simple/price?ids=…&vs_currencies=usd&precision=full`: coin → USD price, or null when it has none. */
  simplePrices(ids: readonly string[], options: AttemptOptions): Promise<Map<string, Decimal | null>>;
  /** `/coins/{id}/history?date=dd-mm-yyyy` for a UTC day `YYYY-MM-DD`: the USD price, or null when it has none for that day. */
  historicalPrice(id: string, day: string, options: AttemptOptions): Promise<Decimal | null>;
}

/**
 * CoinGecko through its official SDK, with three things changed to fit us:
 * - the SDK's own retries are off (`maxRetries: 0`): it would sleep whatever
 *   Retry-After says, with no overall budget; the price service retries instead;
 * - answers are read as raw text (`asResponse()`) and parsed with parseJsonExact,
 *   because the SDK's parser is JSON.parse, which rounds prices to 17 digits;
 * - every option the SDK would otherwise read from process.env is given explicitly.
 */
export function createCoinGeckoApi(settings: CoinGeckoSettings): CoinGeckoApi {
  if (settings.demoApiKey && settings.proApiKey) throw new Error('give either a demo or a pro CoinGecko API key, not both');
  const baseUrl = (settings.baseUrl || (settings.proApiKey ? PRO_API_URL : PUBLIC_API_URL)).replace(/\/+$/, '');
  const client = new Coingecko({
    baseURL: baseUrl,
    proAPIKey: settings.proApiKey || null,
    demoAPIKey: settings.demoApiKey || null,
    maxRetries: 0,
    logLevel: 'off',
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    // The keyless public API (and the local fake) need no key: tell the SDK so.
    ...(settings.proApiKey || settings.demoApiKey ? {} : { defaultHeaders: { 'x-cg-pro-api-key': null, 'x-cg-demo-api-key': null } }),
  });

  const read = async (request: () => { asResponse(): Promise<Response> }, what: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await request().asResponse();
    } catch (error) {
      throw classify(error, what);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw classify(error, what);
    }
    try {
      return parseJsonExact(text);
    } catch {
      throw new CoinGeckoFailure('transient', `${what}: the answer is not valid JSON`, response.status);
    }
  };

  return {
    baseUrl,
    async simplePrices(ids, { signal, timeoutMs }) {
      const body = await read(
        () => client.simple.price.get({ ids: ids.join(','), vs_currencies: 'usd', precision: 'full' }, { signal, timeout: attemptTimeout(timeoutMs) }),
        'simple/price',
      );
      if (!isObject(body)) throw new CoinGeckoFailure('transient', 'simple/price: the answer is not a JSON object');
      const prices = new Map<string, Decimal | null>();
      for (const id of ids) {
        const entry = body[id];
        prices.set(id, isObject(entry) ? storagePrice(entry.usd) : null);
      }
      return prices;
    },
    async historicalPrice(id, day, { signal, timeoutMs }) {
      const [year, month, date] = day.split('-');
      const body = await read(
        () => client.coins.history.get(id, { date: `${date}-${month}-${year}`, localization: false }, { signal, timeout: attemptTimeout(timeoutMs) }),
        `coins/${id}/history`,
      );
      if (!isObject(body)) throw new CoinGeckoFailure('transient', 'coins/history: the answer is not a JSON object');
      // CoinGecko leaves market_data out for a day it has no data for.
      const marketData = body.market_data;
      const current = isObject(marketData) ? marketData.current_price : undefined;
      return isObject(current) ? storagePrice(current.usd) : null;
    },
  };
}

/**
 * A JSON number from CoinGecko (possibly in exponent notation, e.g. `1.234e-7`) as an
 * exact decimal rounded half-even to 18 places; null when it is missing, not positive
 * at that scale, or absurdly large. Never a float, and never 0.
 */
export function storagePrice(value: unknown): Decimal | null {
  if (!isLosslessNumber(value)) return null;
  let price: Decimal;
  try {
    price = new Decimal(value.value);
  } catch {
    return null;
  }
  if (!price.isFinite()) return null;
  price = price.toDecimalPlaces(PRICE_SCALE, Decimal.ROUND_HALF_EVEN);
  if (price.lte(0) || price.gte(PRICE_LIMIT)) return null;
  return price;
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function classify(error: unknown, what: string): CoinGeckoFailure {
  if (error instanceof CoinGeckoFailure) return error;
  if (error instanceof APIUserAbortError) return new CoinGeckoFailure('aborted', `${what}: out of time`);
  // APIConnectionError covers timeouts (its subclass) and lost connections.
  if (error instanceof APIConnectionError) return new CoinGeckoFailure('transient', `${what}: ${error.message}`);
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'), Date.now());
    const message = `${what}: HTTP ${status}`;
    if (status === 404) return new CoinGeckoFailure('not_found', message, status);
    if (status === 408 || status === 429 || status >= 500) return new CoinGeckoFailure('transient', message, status, retryAfterMs);
    return new CoinGeckoFailure('refused', message, status);
  }
  if ((error as { name?: string } | null)?.name === 'AbortError') return new CoinGeckoFailure('aborted', `${what}: out of time`);
  return new CoinGeckoFailure('transient', `${what}: ${(error as Error | null)?.message ?? String(error)}`);
}

const attemptTimeout = (ms: number) => Math.max(1, Math.floor(ms));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}
