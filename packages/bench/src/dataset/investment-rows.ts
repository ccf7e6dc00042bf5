import { HISTORY_COINS, loadPriceHistory } from '@crypto-invest/demo-data';
import { toPlain, Decimal } from '@crypto-invest/money';
import type { InvestmentRecordedData } from '@crypto-invest/contracts';

// Realistic purchases for the flat-cost data sets: the six coins of the demo data, a day
// on which the coin traded, the real closing price of that day (exact text from the
// price files), an amount of the coin's usual size. Deterministic (seeded), so two runs
// load the same rows.

export interface GeneratedInvestment {
  coin: string;
  /** Canonical decimal text (as `toPlain` writes it: no trailing zeros). */
  amount: string;
  purchasePriceUsd: string;
  /** ISO 8601 UTC with milliseconds, as the command API writes `timestamp`. */
  timestamp: string;
}

/** Amount sizes per coin: a mantissa of up to 8 digits times 10^-decimals (bitcoin 0.00000001–1, dogecoin 0.01–1,000,000). */
const AMOUNT_DECIMALS: Record<string, number> = { bitcoin: 8, ethereum: 7, binancecoin: 6, litecoin: 6, cardano: 2, dogecoin: 2 };

interface CoinDays {
  coin: string;
  days: string[];
  /** day → close, canonical text. */
  closes: Map<string, string>;
}

/** A small, fast, seeded PRNG (mulberry32): same seed, same rows. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decimal text of mantissa × 10^-decimals, without trailing zeros (what toPlain gives). */
export function scaledDecimal(mantissa: number, decimals: number): string {
  const digits = String(mantissa).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

function loadCoinDays(): CoinDays[] {
  return HISTORY_COINS.map(({ id }) => {
    const history = loadPriceHistory(id);
    if (!history) throw new Error(`no price history for ${id}`);
    const closes = new Map<string, string>();
    for (const [day, close] of history) closes.set(day, toPlain(new Decimal(close)));
    return { coin: id, days: [...closes.keys()], closes };
  });
}

/** Endless stream of purchases; `seed` picks which. */
export function* generateInvestments(seed: number): Generator<GeneratedInvestment> {
  const random = seededRandom(seed);
  const coins = loadCoinDays();
  for (;;) {
    const { coin, days, closes } = coins[Math.floor(random() * coins.length)]!;
    const day = days[Math.floor(random() * days.length)]!;
    const msOfDay = Math.floor(random() * 86_400_000);
    const timestamp = new Date(Date.parse(`${day}T00:00:00.000Z`) + msOfDay).toISOString();
    const mantissa = 1 + Math.floor(random() * 99_999_999);
    yield { coin, amount: scaledDecimal(mantissa, AMOUNT_DECIMALS[coin] ?? 8), purchasePriceUsd: closes.get(day)!, timestamp };
  }
}

/** The InvestmentRecorded event data the command API writes for this investment once it has an id. */
export function recordedEventData(id: string, investment: GeneratedInvestment): InvestmentRecordedData {
  return {
    investment_id: id,
    coin: investment.coin,
    amount: investment.amount,
    purchase_price_usd: investment.purchasePriceUsd,
    timestamp: investment.timestamp,
    price_source: 'user',
  };
}
