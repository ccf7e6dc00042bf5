import { createHash } from 'node:crypto';
import {
  InvestmentRecorded,
  InvestmentVoided,
  invalidFields,
  type FieldProblem,
} from '@crypto-invest/contracts';
import { isLosslessNumber, parsePositiveDecimal, toPlain, type Decimal, type LosslessNumber } from '@crypto-invest/money';
import { resolveCoinId } from '@crypto-invest/prices';
import { z } from '@crypto-invest/http';

// The investment command's domain: pure functions, no I/O, no HTTP.

/** The body as the route's schema lets it through: shapes only; the rules are checked below. */
export interface RecordInvestmentBody {
  coin: string;
  amount: string | LosslessNumber;
  purchase_price_usd?: string | LosslessNumber | null | undefined;
  timestamp?: string | null | undefined;
}

export type PriceSource = 'user' | 'coingecko';

export interface RecordInvestmentCommand {
  /** A CoinGecko coin id. */
  coin: string;
  /** The ticker symbol the client sent, when `coin` was resolved from one. */
  symbol?: string;
  amount: Decimal;
  purchasePriceUsd?: Decimal;
  /** When the purchase happened; absent means "now". */
  timestamp?: Date;
}

/** Where the price of a purchase comes from. */
export type PricePlan =
  | { source: 'user'; price: Decimal }
  | { source: 'coingecko'; at: 'now' }
  | { source: 'coingecko'; at: 'day'; day: string };

/** The facts of an investment about to be recorded. */
export interface NewInvestment {
  coin: string;
  amount: Decimal;
  purchasePriceUsd: Decimal;
  timestamp: Date;
  priceSource: PriceSource;
}

/** An investment as stored (NUMERIC read back as text, so exact). */
export interface StoredInvestment {
  id: string;
  coin: string;
  amount: Decimal;
  purchasePriceUsd: Decimal;
  totalValueUsd: Decimal;
  timestamp: Date;
  priceSource: PriceSource;
  voidedAt: Date | null;
}

/** Clocks disagree a little; a purchase a few seconds "in the future" is a skewed clock, not a prophecy. */
export const CLOCK_SKEW_MS = 5_000;
/** The first day anyone could buy a cryptocurrency (Bitcoin's genesis block). */
export const EARLIEST_PURCHASE = new Date('2009-01-03T00:00:00.000Z');
const ISO_WITH_OFFSET = z.iso.datetime({ offset: true });

const decimalText = (value: string | LosslessNumber) => (isLosslessNumber(value) ? value.value : value);

/**
 * Checks a body against the command's rules and returns the command, or throws one
 * 400 naming every failing field. Amounts and prices go from their JSON text to a
 * Decimal without a float.
 */
export function parseRecordInvestment(body: RecordInvestmentBody, now: Date): RecordInvestmentCommand {
  const checked = checkRecordInvestment(body, now);
  if (!checked.ok) throw invalidFields(checked.problems);
  return checked.command;
}

export type RecordInvestmentCheck = { ok: true; command: RecordInvestmentCommand } | { ok: false; problems: FieldProblem[] };

/**
 * The rules of `parseRecordInvestment` without the throw: the command, or every failing
 * field. A CSV import checks each row with it and reports the problems by line.
 */
export function checkRecordInvestment(body: RecordInvestmentBody, now: Date): RecordInvestmentCheck {
  const problems: FieldProblem[] = [];
  const coin = resolveCoinId(body.coin);
  if (!coin.ok) problems.push({ field: 'coin', reason: coin.reason });

  const amount = parsePositiveDecimal(decimalText(body.amount));
  if (!amount.ok) problems.push({ field: 'amount', reason: amount.reason });

  let purchasePriceUsd: Decimal | undefined;
  if (body.purchase_price_usd !== undefined && body.purchase_price_usd !== null) {
    const price = parsePositiveDecimal(decimalText(body.purchase_price_usd));
    if (price.ok) purchasePriceUsd = price.value;
    else problems.push({ field: 'purchase_price_usd', reason: price.reason });
  }

  let timestamp: Date | undefined;
  if (body.timestamp !== undefined && body.timestamp !== null) {
    const parsed = parseTimestamp(body.timestamp, now);
    if (parsed.ok) timestamp = parsed.value;
    else problems.push({ field: 'timestamp', reason: parsed.reason });
  }

  if (problems.length || !coin.ok || !amount.ok) return { ok: false, problems };
  return {
    ok: true,
    command: {
      coin: coin.id,
      ...(coin.symbol ? { symbol: coin.symbol } : {}),
      amount: amount.value,
      ...(purchasePriceUsd ? { purchasePriceUsd } : {}),
      ...(timestamp ? { timestamp } : {}),
    },
  };
}

function parseTimestamp(text: string, now: Date): { ok: true; value: Date } | { ok: false; reason: string } {
  if (!ISO_WITH_OFFSET.safeParse(text).success) {
    return { ok: false, reason: 'must be an ISO 8601 date-time with seconds and an offset, e.g. 2024-05-01T14:30:00Z or 2024-05-01T16:30:00+02:00' };
  }
  // Stored with millisecond precision (timestamptz(3)); finer digits are dropped here so the event and the row agree.
  const value = new Date(Date.parse(text));
  if (value.getTime() > now.getTime() + CLOCK_SKEW_MS) return { ok: false, reason: 'must not be in the future' };
  if (value < EARLIEST_PURCHASE) return { ok: false, reason: 'must not be before 2009-01-03 (the first Bitcoin block)' };
  return { ok: true, value };
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);

/**
 * The user's price when given; otherwise CoinGecko's: the current price for a purchase
 * made today (UTC) or with no timestamp, the historical price of the UTC day for an
 * earlier purchase.
 */
export function planPrice(command: RecordInvestmentCommand, now: Date): PricePlan {
  if (command.purchasePriceUsd) return { source: 'user', price: command.purchasePriceUsd };
  if (!command.timestamp || utcDay(command.timestamp) === utcDay(now)) return { source: 'coingecko', at: 'now' };
  return { source: 'coingecko', at: 'day', day: utcDay(command.timestamp) };
}

/** The investment to record, from the command and the price its plan produced. */
export function decideInvestment(command: RecordInvestmentCommand, price: Decimal, source: PriceSource, now: Date): NewInvestment {
  return { coin: command.coin, amount: command.amount, purchasePriceUsd: price, timestamp: command.timestamp ?? now, priceSource: source };
}

/** What an `InvestmentRecorded` event says: the facts of the purchase and the investment's id. */
export type RecordedFacts = Pick<StoredInvestment, 'id' | 'coin' | 'amount' | 'purchasePriceUsd' | 'timestamp' | 'priceSource'>;

/** The `InvestmentRecorded` event: the facts as recorded, decimals as strings, nothing derived. */
export function investmentRecorded(investment: RecordedFacts): InvestmentRecorded {
  return InvestmentRecorded.parse({
    type: 'InvestmentRecorded',
    data: {
      investment_id: investment.id,
      coin: investment.coin,
      amount: toPlain(investment.amount),
      purchase_price_usd: toPlain(investment.purchasePriceUsd),
      timestamp: investment.timestamp.toISOString(),
      price_source: investment.priceSource,
    },
  });
}

/** The `InvestmentVoided` event carries the original facts, so a projection can take back exactly what it added. */
export function investmentVoided(investment: StoredInvestment, voidedAt: Date): InvestmentVoided {
  return InvestmentVoided.parse({
    type: 'InvestmentVoided',
    data: {
      investment_id: investment.id,
      coin: investment.coin,
      amount: toPlain(investment.amount),
      purchase_price_usd: toPlain(investment.purchasePriceUsd),
      timestamp: investment.timestamp.toISOString(),
      voided_at: voidedAt.toISOString(),
    },
  });
}

/**
 * What makes two requests "the same" for an Idempotency-Key: the route and the
 * command after parsing (so `0.5` and `"0.50"` match), not the bytes of the body.
 * A missing timestamp stays missing: a retry of "bought now" is the same request.
 */
export function requestFingerprint(route: string, command: RecordInvestmentCommand): string {
  const canonical = JSON.stringify([
    route,
    command.coin,
    toPlain(command.amount),
    command.purchasePriceUsd ? toPlain(command.purchasePriceUsd) : null,
    command.timestamp ? command.timestamp.toISOString() : null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
