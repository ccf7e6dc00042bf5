import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Real market data carried by the project (see data/README.md): daily USD closes
 * for six coins 2017–2021, and a 580-purchase weekly portfolio priced at them.
 * Prices stay decimal strings exactly as in the files.
 */
export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));
export const PORTFOLIO_CSV = fileURLToPath(new URL('../data/portfolio-weekly-2019-2021.csv', import.meta.url));

export interface CoinInfo {
  id: string;
  symbol: string;
  name: string;
}

/** The coins with a price history file. */
export const HISTORY_COINS: CoinInfo[] = [
  { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin' },
  { id: 'ethereum', symbol: 'eth', name: 'Ethereum' },
  { id: 'binancecoin', symbol: 'bnb', name: 'BNB' },
  { id: 'cardano', symbol: 'ada', name: 'Cardano' },
  { id: 'dogecoin', symbol: 'doge', name: 'Dogecoin' },
  { id: 'litecoin', symbol: 'ltc', name: 'Litecoin' },
];

/** date (YYYY-MM-DD) → close in USD (decimal text), oldest first. */
export type PriceHistory = Map<string, string>;

const cache = new Map<string, PriceHistory>();

export function loadPriceHistory(coin: string): PriceHistory | undefined {
  if (!HISTORY_COINS.some((c) => c.id === coin)) return undefined;
  let history = cache.get(coin);
  if (!history) {
    history = new Map();
    const text = readFileSync(fileURLToPath(new URL(`../data/prices/${coin}.csv`, import.meta.url)), 'utf8');
    for (const line of text.split(/\r?\n/).slice(1)) {
      const [date, close] = line.split(',');
      if (date && close) history.set(date.trim(), close.trim());
    }
    cache.set(coin, history);
  }
  return history;
}

export interface PortfolioRow {
  timestamp: string;
  coin: string;
  amount: string;
  purchase_price_usd: string;
}

/** The demo portfolio's rows, as text (no float anywhere). */
export function loadPortfolio(): PortfolioRow[] {
  const text = readFileSync(PORTFOLIO_CSV, 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => {
      const [timestamp, coin, amount, purchase_price_usd] = line.split(',') as [string, string, string, string];
      return { timestamp, coin, amount, purchase_price_usd };
    });
}
