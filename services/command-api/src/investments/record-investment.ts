import type { EventPosition } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import type { Decimal } from '@crypto-invest/money';
import { withTransaction, type Pool } from '@crypto-invest/postgres';
import type { PriceService } from '@crypto-invest/prices';
import { claimKey, findStoredResponse, storeResponse, type IdempotencyScope, type StoredResponse } from './idempotency.ts';
import {
  decideInvestment,
  investmentRecorded,
  planPrice,
  requestFingerprint,
  type PricePlan,
  type PriceSource,
  type RecordInvestmentCommand,
  type StoredInvestment,
} from './investment.ts';
import { appendInvestmentEvent, insertInvestment, insertInvestmentWithEvent, PENDING_INVESTMENT_ID } from './investments.store.ts';
import { databaseUnavailable } from '../database-errors.ts';

export type PriceLookup = Pick<PriceService, 'currentPrice' | 'historicalPrice'>;

export interface RecordInvestmentDeps {
  pool: Pool;
  prices: PriceLookup;
  now: () => Date;
  logger: Logger;
  idempotencyTtlHours: number;
}

export interface RecordedInvestment {
  investment: StoredInvestment;
  position: EventPosition;
  /** The ticker symbol the coin was resolved from, if any. */
  symbol?: string;
}

export interface RecordInvestmentRequest {
  /** `POST /invest` or `POST /investments`: part of what makes a retry "the same request". */
  route: string;
  idempotency?: IdempotencyScope | undefined;
  /** Facts about the request for the event's metadata (request id, principal). */
  metadata: Record<string, string>;
  /** How this route answers; its result is what an Idempotency-Key replays. */
  respond: (recorded: RecordedInvestment) => StoredResponse;
}

export interface RecordInvestmentOutcome {
  response: StoredResponse;
  /** True when the response is the stored one of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * Records an investment: decides its price (the user's, or CoinGecko's current or
 * historical one — looked up before any transaction is opened), then writes, in ONE
 * transaction on the primary, the Idempotency-Key claim, the investment, its
 * `InvestmentRecorded` event and the NOTIFY, and the stored response. Either all of
 * it commits or none of it does: there is no moment at which an investment exists
 * without its event. Without an Idempotency-Key that transaction is a single
 * statement (insertInvestmentWithEvent): one round trip to the primary.
 */
export async function recordInvestment(
  deps: RecordInvestmentDeps,
  command: RecordInvestmentCommand,
  request: RecordInvestmentRequest,
): Promise<RecordInvestmentOutcome> {
  const { idempotency } = request;
  // What makes a retry "the same request": needed only with an Idempotency-Key.
  const fingerprint = idempotency ? requestFingerprint(request.route, command) : '';
  if (idempotency) {
    // A retry of a finished request is answered without CoinGecko and without a write.
    const stored = await findStoredResponse(deps.pool, idempotency, fingerprint).catch(databaseUnavailable);
    if (stored) return { response: stored, replayed: true };
  }

  const now = deps.now();
  const plan = planPrice(command, now);
  const price = await lookUpPrice(deps.prices, command.coin, plan);
  const investment = decideInvestment(command, price.value, price.source, now);

  if (!idempotency) {
    // Nothing else to write with it: the investment, its event and the NOTIFY as one statement.
    const event = investmentRecorded({ ...investment, id: PENDING_INVESTMENT_ID });
    const { stored, position } = await insertInvestmentWithEvent(deps.pool, investment, event, request.metadata).catch(databaseUnavailable);
    const response = request.respond({ investment: stored, position, ...(command.symbol ? { symbol: command.symbol } : {}) });
    return { response, replayed: false };
  }

  return withTransaction(deps.pool, async (client) => {
    const claim = await claimKey(client, idempotency, fingerprint, deps.idempotencyTtlHours);
    if (!claim.claimed) return { response: claim.response, replayed: true };
    const stored = await insertInvestment(client, investment);
    const position = await appendInvestmentEvent(client, investmentRecorded(stored), request.metadata);
    const response = request.respond({ investment: stored, position, ...(command.symbol ? { symbol: command.symbol } : {}) });
    await storeResponse(client, idempotency, response);
    return { response, replayed: false };
  }).catch(databaseUnavailable);
}

/** Carries out a price plan: the user's price as it is, or CoinGecko's current or historical price. */
export async function lookUpPrice(prices: PriceLookup, coin: string, plan: PricePlan): Promise<{ value: Decimal; source: PriceSource }> {
  if (plan.source === 'user') return { value: plan.price, source: 'user' };
  const value = plan.at === 'now' ? await prices.currentPrice(coin) : await prices.historicalPrice(coin, plan.day);
  return { value, source: 'coingecko' };
}
