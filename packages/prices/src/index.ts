export {
  createPriceService,
  retryWithinBudget,
  priceUnavailable,
  unknownCoin,
  noHistoricalPrice,
  type PriceService,
  type PriceServiceOptions,
} from './price-service.ts';
export {
  createCoinGeckoApi,
  CoinGeckoFailure,
  parseRetryAfter,
  storagePrice,
  PUBLIC_API_URL,
  PRO_API_URL,
  type CoinGeckoApi,
  type CoinGeckoSettings,
} from './coingecko.ts';
export { resolveCoinId, TICKER_SYMBOLS, COIN_ID_PATTERN, type CoinResolution } from './coin-ids.ts';
