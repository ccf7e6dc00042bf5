import { COMMON_COINS } from './common-coins.ts';

/** One suggestion of the coin picker; `id` is what the command API takes. */
export interface CoinChoice {
  id: string;
  symbol: string;
  name: string;
}

export interface CoinSearchResult {
  coins: CoinChoice[];
  /** `fallback` when CoinGecko could not be asked and the built-in list answered. */
  source: 'coingecko' | 'fallback';
}

export interface CoinSearchSettings {
  baseUrl: string;
  timeoutMs: number;
  fetch: typeof fetch;
  /** How long a CoinGecko answer is reused (the free API allows few calls a minute). */
  cacheMs?: number;
  maxResults?: number;
  now?: () => number;
}

const CACHE_ENTRIES = 500;

/**
 * Finds coins by name, symbol or id through a CoinGecko-compatible `/search`, with a small
 * cache; when CoinGecko fails or is slow, the built-in list of common coins answers instead.
 */
export function createCoinSearch(settings: CoinSearchSettings) {
  const cacheMs = settings.cacheMs ?? 10 * 60_000;
  const maxResults = settings.maxResults ?? 10;
  const now = settings.now ?? Date.now;
  const cache = new Map<string, { at: number; coins: CoinChoice[] }>();

  return async function searchCoins(query: string): Promise<CoinSearchResult> {
    const key = query.trim().toLowerCase();
    if (!key) return { coins: [], source: 'coingecko' };
    const cached = cache.get(key);
    if (cached && now() - cached.at < cacheMs) return { coins: cached.coins, source: 'coingecko' };
    try {
      const response = await settings.fetch(`${settings.baseUrl}/search?query=${encodeURIComponent(key)}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      if (!response.ok) throw new Error(`search answered ${response.status}`);
      const coins = readSearchAnswer(await response.json()).slice(0, maxResults);
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, { at: now(), coins });
      return { coins, source: 'coingecko' };
    } catch {
      return { coins: matchCommonCoins(key).slice(0, maxResults), source: 'fallback' };
    }
  };
}

/** The coins of a CoinGecko `/search` answer; anything malformed is skipped. */
export function readSearchAnswer(body: unknown): CoinChoice[] {
  const coins = (body as { coins?: unknown })?.coins;
  if (!Array.isArray(coins)) throw new Error('search answer has no coins');
  const choices: CoinChoice[] = [];
  for (const coin of coins as Array<Record<string, unknown>>) {
    if (typeof coin?.id !== 'string' || typeof coin.name !== 'string' || typeof coin.symbol !== 'string') continue;
    choices.push({ id: coin.id, name: coin.name, symbol: coin.symbol.toUpperCase() });
  }
  return choices;
}

/** The common coins matching a query: exact symbol or id first, then names and ids that start with it, then contain it. */
export function matchCommonCoins(query: string): CoinChoice[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const rank = (coin: CoinChoice): number => {
    const name = coin.name.toLowerCase();
    if (coin.symbol.toLowerCase() === q || coin.id === q || name === q) return 0;
    if (name.startsWith(q) || coin.id.startsWith(q) || coin.symbol.toLowerCase().startsWith(q)) return 1;
    if (name.includes(q) || coin.id.includes(q)) return 2;
    return -1;
  };
  return COMMON_COINS.map((coin) => ({ coin, rank: rank(coin) }))
    .filter((entry) => entry.rank >= 0)
    .sort((a, b) => a.rank - b.rank)
    .map((entry) => entry.coin);
}
