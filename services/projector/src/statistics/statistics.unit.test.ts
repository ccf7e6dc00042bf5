import { loadPortfolio } from '@crypto-invest/demo-data';
import { Decimal, divide, toPlain } from '@crypto-invest/money';
import { describe, expect, it } from 'vitest';
import {
  aggregateInvestments,
  applyEvents,
  dayKey,
  emptyState,
  InconsistentEventError,
  parseInstantMs,
  type InvestmentFacts,
  type StatisticsEvent,
  type StatisticsState,
  type StatisticsUpdate,
} from './statistics.ts';

let nextId = 1;
const investment = (coin: string, amount: string, price: string, at = '2021-03-01T12:00:00.000Z'): InvestmentFacts => ({
  investmentId: String(nextId++),
  coin,
  amount: new Decimal(amount),
  purchasePriceUsd: new Decimal(price),
  investedAt: Date.parse(at),
});
const recorded = (facts: InvestmentFacts): StatisticsEvent => ({ type: 'InvestmentRecorded', investment: facts });
const voided = (facts: InvestmentFacts): StatisticsEvent => ({ type: 'InvestmentVoided', investment: facts });

/**
 * What the store does with an update: coins whose first/last a void removed get it
 * from the live investment times, here the list of live investments.
 */
function resolveTimes(update: StatisticsUpdate, live: InvestmentFacts[]): StatisticsState {
  const coins = new Map(update.state.coins);
  for (const coin of update.timesToRecompute) {
    const stats = coins.get(coin);
    if (!stats) continue;
    const times = live.filter((i) => i.coin === coin).map((i) => i.investedAt);
    coins.set(coin, { ...stats, firstInvestmentAt: Math.min(...times), lastInvestmentAt: Math.max(...times) });
  }
  return { ...update.state, coins };
}

/** A state as plain text, so equality means every digit is equal. */
const plain = (state: StatisticsState) => ({
  coins: Object.fromEntries(
    [...state.coins].sort(([a], [b]) => a.localeCompare(b)).map(([coin, s]) => [
      coin,
      {
        amount: toPlain(s.totalAmount),
        invested: toPlain(s.totalInvestedUsd),
        count: s.investmentCount,
        first: new Date(s.firstInvestmentAt).toISOString(),
        last: new Date(s.lastInvestmentAt).toISOString(),
      },
    ]),
  ),
  days: Object.fromEntries(
    [...state.days].sort(([a], [b]) => a.localeCompare(b)).map(([key, d]) => [key, [toPlain(d.amount), toPlain(d.investedUsd), d.investmentCount]]),
  ),
  totals: { invested: toPlain(state.totals.totalInvestedUsd), count: state.totals.investmentCount, coins: state.totals.coinCount },
});

describe('applyEvents', () => {
  it('sums amounts and invested USD exactly and gives the weighted average, not the mean of prices', () => {
    const { state } = applyEvents(emptyState(), [
      recorded(investment('bitcoin', '1.9887', '88.63')),
      recorded(investment('bitcoin', '0.388', '58.64')),
    ]);
    const bitcoin = state.coins.get('bitcoin')!;
    expect(toPlain(bitcoin.totalAmount)).toBe('2.3767');
    expect(toPlain(bitcoin.totalInvestedUsd)).toBe('199.010801'); // 176.258481 + 22.75232
    expect(bitcoin.investmentCount).toBe(2n);
    expect(toPlain(divide(bitcoin.totalInvestedUsd, bitcoin.totalAmount)!)).toBe('83.734085496697101022');
    expect(toPlain(divide(bitcoin.totalInvestedUsd, bitcoin.totalAmount)!)).not.toBe('73.635');
    expect(plain(state).totals).toEqual({ invested: '199.010801', count: 2n, coins: 1 });
  });

  it('keeps 36-decimal products and 20-digit amounts exact (no float anywhere)', () => {
    const { state } = applyEvents(emptyState(), [
      recorded(investment('shiba-inu', '99999999999999999999.999999999999999999', '0.000000000000000001')),
      recorded(investment('shiba-inu', '0.000000000000000001', '0.000000000000000001')),
    ]);
    const shiba = state.coins.get('shiba-inu')!;
    // 99.999999999999999999999999999999999999 + 0.000000000000000000000000000000000001
    expect(toPlain(shiba.totalInvestedUsd)).toBe('100');
    expect(toPlain(shiba.totalAmount)).toBe('100000000000000000000');
  });

  it('a void subtracts exactly what its investment added', () => {
    const a = investment('ethereum', '0.197759759644370206', '151.6992135', '2019-01-07T14:00:00.000Z');
    const b = investment('ethereum', '0.1', '3000.01', '2021-05-01T00:00:00.000Z');
    const first = applyEvents(emptyState(), [recorded(a), recorded(b)]);
    const after = applyEvents(first.state, [voided(b)]);
    expect(plain(resolveTimes(after, [a]))).toEqual(plain(aggregateInvestments([a])));
    expect(after.timesToRecompute).toEqual(new Set(['ethereum'])); // b was the last
    expect(after.removedTimes).toEqual([{ investmentId: b.investmentId, coin: 'ethereum', investedAt: b.investedAt }]);
  });

  it('removes a coin whose holdings reach zero, and its day, and lowers the coin count', () => {
    const a = investment('dogecoin', '4376.55340292', '0.002284903');
    const b = investment('bitcoin', '1', '100');
    const { state } = applyEvents(emptyState(), [recorded(a), recorded(b), voided(a)]);
    expect(state.coins.has('dogecoin')).toBe(false);
    expect([...state.days.keys()]).toEqual([dayKey('bitcoin', '2021-03-01')]);
    expect(plain(state).totals).toEqual({ invested: '100', count: 1n, coins: 1 });
    // A reader dividing invested ÷ amount of a coin at zero gets null, never a division by zero.
    expect(divide(new Decimal(0), new Decimal(0))).toBeNull();
  });

  it('an investment recorded and voided in the same batch leaves no live time behind', () => {
    const a = investment('cardano', '208.351043', '0.0479959198472');
    const update = applyEvents(emptyState(), [recorded(a), voided(a)]);
    expect(update.addedTimes).toEqual([]);
    expect(update.removedTimes).toEqual([]);
    expect(update.changedCoins).toEqual(new Set(['cardano']));
    expect(plain(update.state)).toEqual(plain(emptyState()));
  });

  it('asks for the first/last time only when a void removed the first or the last', () => {
    const early = investment('litecoin', '1', '50', '2020-01-01T00:00:00.000Z');
    const middle = investment('litecoin', '1', '60', '2020-06-01T00:00:00.000Z');
    const late = investment('litecoin', '1', '70', '2021-01-01T00:00:00.000Z');
    const { state } = applyEvents(emptyState(), [recorded(early), recorded(middle), recorded(late)]);
    expect(applyEvents(state, [voided(middle)]).timesToRecompute.size).toBe(0);
    const withoutFirst = applyEvents(state, [voided(early)]);
    expect(withoutFirst.timesToRecompute).toEqual(new Set(['litecoin']));
    expect(plain(resolveTimes(withoutFirst, [middle, late])).coins.litecoin!.first).toBe('2020-06-01T00:00:00.000Z');
  });

  it('buckets days by UTC calendar day whatever the offset of the timestamp', () => {
    const facts = investment('bitcoin', '1', '1', '2021-03-01T12:00:00.000Z');
    facts.investedAt = parseInstantMs('2021-03-01T23:30:00-02:00');
    const { state } = applyEvents(emptyState(), [recorded(facts)]);
    expect([...state.days.keys()]).toEqual([dayKey('bitcoin', '2021-03-02')]);
  });

  it('refuses a void with nothing to subtract from', () => {
    expect(() => applyEvents(emptyState(), [voided(investment('bitcoin', '1', '1'))])).toThrow(InconsistentEventError);
  });

  it('does not modify the state it is given', () => {
    const { state } = applyEvents(emptyState(), [recorded(investment('bitcoin', '1', '100'))]);
    const before = plain(state);
    applyEvents(state, [recorded(investment('bitcoin', '2', '100')), recorded(investment('ethereum', '1', '10'))]);
    expect(plain(state)).toEqual(before);
  });

  it('the demo portfolio with every 7th purchase voided, applied in batches, equals the aggregate of what is left', () => {
    const purchases = loadPortfolio().map((row) => investment(row.coin, row.amount, row.purchase_price_usd, row.timestamp));
    expect(purchases).toHaveLength(580);
    const voids = purchases.filter((_, i) => i % 7 === 3);
    const events = [...purchases.map(recorded), ...voids.map(voided)];
    const live = purchases.filter((p) => !voids.includes(p));

    // Batches of 37 events, with the first/last look-ups answered from what is live at each batch's end.
    let state = emptyState();
    const liveSoFar = new Map<string, InvestmentFacts>();
    for (let i = 0; i < events.length; i += 37) {
      const batch = events.slice(i, i + 37);
      for (const e of batch) {
        if (e.type === 'InvestmentRecorded') liveSoFar.set(e.investment.investmentId, e.investment);
        else liveSoFar.delete(e.investment.investmentId);
      }
      state = resolveTimes(applyEvents(state, batch), [...liveSoFar.values()]);
    }
    expect(plain(state)).toEqual(plain(aggregateInvestments(live)));
    expect(state.totals.coinCount).toBe(new Set(live.map((p) => p.coin)).size);
  });

  it('random records and voids in random batches always equal the aggregate of the live investments', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const coins = ['bitcoin', 'ethereum', 'dogecoin'];
    let state = emptyState();
    const live = new Map<string, InvestmentFacts>();
    for (let round = 0; round < 200; round++) {
      const batch: StatisticsEvent[] = [];
      const size = 1 + Math.floor(random() * 8);
      for (let i = 0; i < size; i++) {
        const ids = [...live.keys()];
        if (ids.length && random() < 0.4) {
          const id = ids[Math.floor(random() * ids.length)]!;
          batch.push(voided(live.get(id)!));
          live.delete(id);
        } else {
          const day = 1 + Math.floor(random() * 5);
          const facts = investment(
            coins[Math.floor(random() * coins.length)]!,
            (random() * 10).toFixed(8),
            (random() * 1000).toFixed(6),
            `2021-01-0${day}T${String(Math.floor(random() * 24)).padStart(2, '0')}:00:00.000Z`,
          );
          batch.push(recorded(facts));
          live.set(facts.investmentId, facts);
        }
      }
      state = resolveTimes(applyEvents(state, batch), [...live.values()]);
      expect(plain(state)).toEqual(plain(aggregateInvestments([...live.values()])));
    }
  });
});

describe('parseInstantMs', () => {
  it('reads ISO 8601 with Z or an offset, rounding extra digits to milliseconds as timestamptz(3) does', () => {
    expect(parseInstantMs('2019-01-07T14:00:00Z')).toBe(Date.parse('2019-01-07T14:00:00.000Z'));
    expect(parseInstantMs('2019-01-07T14:00:00.123Z')).toBe(Date.parse('2019-01-07T14:00:00.123Z'));
    expect(parseInstantMs('2019-01-07T16:00:00.1+02:00')).toBe(Date.parse('2019-01-07T14:00:00.100Z'));
    expect(parseInstantMs('2019-01-07T14:00:00.1234499Z')).toBe(Date.parse('2019-01-07T14:00:00.123Z'));
    // PostgreSQL first keeps microseconds (.1234999 → .123500), then rounds to ms: .124.
    expect(parseInstantMs('2019-01-07T14:00:00.1234999Z')).toBe(Date.parse('2019-01-07T14:00:00.124Z'));
    expect(parseInstantMs('2019-01-07T14:00:00.1235Z')).toBe(Date.parse('2019-01-07T14:00:00.124Z'));
    expect(parseInstantMs('2019-01-07T23:59:59.9996Z')).toBe(Date.parse('2019-01-08T00:00:00.000Z'));
    expect(() => parseInstantMs('yesterday')).toThrow(InconsistentEventError);
  });
});
