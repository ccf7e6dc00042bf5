import { DomainError } from '@crypto-invest/contracts';
import type { Decimal } from '@crypto-invest/money';

/**
 * The port /stats needs: current USD prices of some coins. A coin missing from the
 * map has no price (never 0). May reject (typically a DomainError 'unavailable').
 * index.ts wires the shared price service of @crypto-invest/prices; tests pass fakes.
 */
export type CurrentPrices = (coins: readonly string[]) => Promise<ReadonlyMap<string, Decimal>>;

export type PriceLookup = { available: true; prices: ReadonlyMap<string, Decimal> } | { available: false; reason: string };

export interface PriceLookupOptions {
  /** Longest a request waits for prices before answering without them. */
  waitMs: number;
  /** After a failed lookup, requests stop waiting this long (lookups go on in the background). */
  backoffMs?: number;
  now?: () => number;
}

/**
 * How /stats asks for prices: never longer than `waitMs`, and after a failure it
 * stops making every request wait for a source that is down — it answers "unavailable"
 * at once while one lookup at a time keeps trying in the background, so the prices
 * come back by themselves when the source does.
 */
export function createPriceLookup(currentPrices: CurrentPrices, options: PriceLookupOptions) {
  const now = options.now ?? Date.now;
  const backoffMs = options.backoffMs ?? 5_000;
  let failedAt: number | undefined;
  let lastReason = '';
  let background: Promise<unknown> | undefined;

  const attempt = (coins: readonly string[]) => {
    const lookup = currentPrices(coins).then(
      (prices) => {
        failedAt = undefined;
        return prices;
      },
      (error: unknown) => {
        failedAt = now();
        lastReason = reasonOf(error);
        throw error;
      },
    );
    return lookup;
  };

  return async function lookupPrices(coins: readonly string[]): Promise<PriceLookup> {
    if (coins.length === 0) return { available: true, prices: new Map() };
    if (failedAt !== undefined && now() - failedAt < backoffMs) {
      if (!background) {
        background = attempt(coins)
          .catch(() => undefined)
          .finally(() => (background = undefined));
      }
      return { available: false, reason: lastReason };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PriceLookup>((resolve) => {
      timer = setTimeout(() => {
        // Slow counts as failing until the lookup still under way succeeds.
        failedAt = now();
        lastReason = `current prices did not arrive within ${options.waitMs} ms`;
        resolve({ available: false, reason: lastReason });
      }, options.waitMs);
    });
    try {
      return await Promise.race([
        attempt(coins).then(
          (prices): PriceLookup => ({ available: true, prices }),
          (error: unknown): PriceLookup => ({ available: false, reason: reasonOf(error) }),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export type LookupPrices = ReturnType<typeof createPriceLookup>;

// A DomainError's detail is written for people; anything else stays internal.
function reasonOf(error: unknown): string {
  return error instanceof DomainError ? error.detail : 'the price service failed';
}
