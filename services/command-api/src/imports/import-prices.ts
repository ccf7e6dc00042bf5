import { DomainError, type FieldProblem } from '@crypto-invest/contracts';
import type { Decimal } from '@crypto-invest/money';
import type { PricePlan, PriceSource } from '../investments/investment.ts';
import { lookUpPrice, type PriceLookup } from '../investments/record-investment.ts';

export type PriceOutcome = { ok: true; value: Decimal; source: PriceSource } | { ok: false; problem: FieldProblem };

export interface ImportPriceOptions {
  /** Lookups running at once (CoinGecko rate-limits; the price service also single-flights per coin-day). */
  concurrency: number;
  /** Most distinct coin-days one import may ask CoinGecko for. */
  maxLookups: number;
}

/**
 * The prices of one import's rows without `purchase_price_usd`, through the command
 * API's price service (its cache, single flight, retries and budget): each coin-day is
 * asked for once per import, at most `concurrency` at a time. A row whose price cannot
 * be had becomes an invalid row saying why. Once CoinGecko has failed to answer within
 * the budget, it is not asked again during this import — otherwise a file of 5,000
 * price-less rows would wait 5,000 budgets for a service that is down.
 */
export function createImportPrices(prices: PriceLookup, options: ImportPriceOptions) {
  const known = new Map<string, Promise<PriceOutcome>>();
  let running = 0;
  const waiting: Array<() => void> = [];
  let unavailable: string | undefined;

  const slot = async () => {
    while (running >= options.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };

  const ask = async (coin: string, plan: PricePlan): Promise<PriceOutcome> => {
    await slot();
    try {
      if (unavailable) return { ok: false, problem: { field: 'purchase_price_usd', reason: unavailable } };
      const price = await lookUpPrice(prices, coin, plan);
      return { ok: true, ...price };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'price-unavailable') {
        unavailable = 'is empty and CoinGecko did not give a price in time (price unavailable): give the price, or import again later';
        return { ok: false, problem: { field: 'purchase_price_usd', reason: unavailable } };
      }
      const field = error.extra.fields?.[0];
      return { ok: false, problem: field ?? { field: 'purchase_price_usd', reason: error.detail } };
    } finally {
      release();
    }
  };

  return {
    /** The price of a row by its plan: the user's at once, CoinGecko's once per coin and day. */
    price(coin: string, plan: PricePlan): Promise<PriceOutcome> {
      if (plan.source === 'user') return Promise.resolve({ ok: true, value: plan.price, source: 'user' });
      const key = `${coin}@${plan.at === 'now' ? 'now' : plan.day}`;
      let outcome = known.get(key);
      if (!outcome) {
        outcome =
          known.size >= options.maxLookups
            ? Promise.resolve<PriceOutcome>({
                ok: false,
                problem: { field: 'purchase_price_usd', reason: `is empty, and this file already needs more than ${options.maxLookups} CoinGecko prices: give the prices` },
              })
            : ask(coin, plan);
        if (known.size < options.maxLookups) known.set(key, outcome);
      }
      return outcome;
    },
    /** Distinct coin-days asked for so far. */
    get lookups() {
      return known.size;
    },
  };
}

export type ImportPrices = ReturnType<typeof createImportPrices>;
