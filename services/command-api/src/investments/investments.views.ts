import { encodePosition } from '@crypto-invest/contracts';
import { stringifyJsonExact, toPlain } from '@crypto-invest/money';
import type { StoredResponse } from './idempotency.ts';
import type { StoredInvestment } from './investment.ts';
import type { RecordedInvestment } from './record-investment.ts';

// How the routes answer. Decimals stay Decimals until stringifyJsonExact writes them as
// JSON numbers with every digit; ids are bigints, written as JSON integers.

export const CONSISTENCY_TOKEN_HEADER = 'X-Consistency-Token';

/** The Investment view of the public API contract. */
export function investmentView(investment: StoredInvestment) {
  return {
    id: BigInt(investment.id),
    coin_name: investment.coin,
    amount: investment.amount,
    purchase_price_usd: investment.purchasePriceUsd,
    total_value_usd: investment.totalValueUsd,
    timestamp: investment.timestamp.toISOString(),
    price_source: investment.priceSource,
    voided: investment.voidedAt !== null,
    voided_at: investment.voidedAt?.toISOString() ?? null,
  };
}

/** `POST /invest`: 200 with the seed's `investment` wrapper, and the recorded fields beside it. */
export function investResponse({ investment, position, symbol }: RecordedInvestment): StoredResponse {
  const token = encodePosition(position);
  const resolved = symbol ? ` (${symbol.toUpperCase()} is CoinGecko's ${investment.coin})` : '';
  const body = {
    status: 'success',
    message:
      `Recorded ${toPlain(investment.amount)} ${investment.coin}${resolved} at ${toPlain(investment.purchasePriceUsd)} USD per coin ` +
      `(${toPlain(investment.totalValueUsd)} USD)`,
    investment: {
      id: BigInt(investment.id),
      coin: investment.coin,
      amount: investment.amount,
      price_per_coin_usd: investment.purchasePriceUsd,
      total_value_usd: investment.totalValueUsd,
      timestamp: investment.timestamp.toISOString(),
    },
    id: BigInt(investment.id),
    coin_name: investment.coin,
    amount: investment.amount,
    purchase_price_usd: investment.purchasePriceUsd,
    timestamp: investment.timestamp.toISOString(),
    total_value_usd: investment.totalValueUsd,
    price_source: investment.priceSource,
    consistency_token: token,
  };
  return { status: 200, body: stringifyJsonExact(body), headers: { [CONSISTENCY_TOKEN_HEADER]: token } };
}

/** `POST /investments`: 201 Created, Location, the flat Investment view plus the token. */
export function createdResponse({ investment, position }: RecordedInvestment): StoredResponse {
  const token = encodePosition(position);
  return {
    status: 201,
    body: stringifyJsonExact({ ...investmentView(investment), consistency_token: token }),
    headers: { Location: `/investments/${investment.id}`, [CONSISTENCY_TOKEN_HEADER]: token },
  };
}
