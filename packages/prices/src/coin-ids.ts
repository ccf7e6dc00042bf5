/**
 * What a client may send as `coin`: a CoinGecko coin id (`bitcoin`, `shiba-inu`),
 * trimmed and lower-cased as the seed did, or one of a few ticker symbols whose
 * meaning is not in doubt. Many coins share a symbol, so only the symbols below are
 * resolved (to the coin that overwhelmingly owns it); any other text is taken as an
 * id, and CoinGecko says whether it knows it.
 */

/** The same rule as the `investments.coin_name` CHECK constraint. */
export const COIN_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * Ticker symbol → CoinGecko id. Each entry is the top coin by market cap that uses the
 * symbol, by a wide margin. A symbol listed here is never taken as a coin id.
 */
export const TICKER_SYMBOLS: Readonly<Record<string, string>> = Object.freeze({
  btc: 'bitcoin',
  eth: 'ethereum',
  usdt: 'tether',
  bnb: 'binancecoin',
  sol: 'solana',
  xrp: 'ripple',
  usdc: 'usd-coin',
  ada: 'cardano',
  doge: 'dogecoin',
  trx: 'tron',
  ltc: 'litecoin',
  dot: 'polkadot',
  link: 'chainlink',
  shib: 'shiba-inu',
  avax: 'avalanche-2',
  xlm: 'stellar',
  bch: 'bitcoin-cash',
  xmr: 'monero',
  etc: 'ethereum-classic',
  atom: 'cosmos',
});

export type CoinResolution =
  | { ok: true; id: string; /** The symbol the client sent, when it was resolved through TICKER_SYMBOLS. */ symbol?: string }
  | { ok: false; reason: string };

/** Trims, lower-cases and resolves a listed ticker symbol; refuses text that cannot be a coin id. */
export function resolveCoinId(input: string): CoinResolution {
  const text = input.trim().toLowerCase();
  if (!text) return { ok: false, reason: 'must not be empty; use a CoinGecko coin id such as "bitcoin"' };
  const mapped = TICKER_SYMBOLS[text];
  if (mapped) return { ok: true, id: mapped, symbol: text };
  if (!COIN_ID_PATTERN.test(text)) {
    return {
      ok: false,
      reason: 'must be a CoinGecko coin id such as "bitcoin" or "shiba-inu" (lower-case letters, digits, "-", "_", "."; at most 100 characters)',
    };
  }
  return { ok: true, id: text };
}
