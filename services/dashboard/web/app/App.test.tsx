// @vitest-environment happy-dom
import { Decimal } from '@crypto-invest/money';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.ts';
import type { DashboardApi, PositionListener } from '../api/dashboard-api.ts';
import type { Investment, PortfolioStats, Read } from '../api/model.ts';
import { ApiProvider } from './api-context.tsx';
import { App } from './App.tsx';

afterEach(cleanup);

/**
 * A fake system whose replica lags: reads without a consistency token see the replica's (old)
 * position; reads with a token see everything up to it, as the query API does after its wait.
 */
function laggingSystem() {
  const investments: Array<Investment & { position: number }> = [];
  let primary = 100;
  const replica = 100;
  let listener: PositionListener | undefined;
  const tokensSeen: Array<string | null> = [];
  const asOf = (token: string | null) => (token ? Math.max(replica, Number(token.split('.')[1])) : replica);
  const live = (at: number) => investments.filter((i) => i.position <= at && !i.voided);

  const stats = (at: number): PortfolioStats => {
    const rows = live(at);
    const invested = rows.reduce((sum, i) => sum.plus(i.totalUsd), new Decimal(0));
    return {
      totalInvestments: rows.length,
      investedUsd: invested,
      coinCount: new Set(rows.map((r) => r.coin)).size,
      coins: [],
      current: { available: false, valueUsd: null, pnlUsd: null, pnlPercent: null, reason: 'test' },
      daily: { bucket: 'day', points: [] },
    };
  };

  const api: DashboardApi = {
    async recordInvestment(command) {
      primary += 1;
      const amount = new Decimal(command.amount);
      const price = new Decimal(command.purchase_price_usd ?? '1');
      const investment: Investment = {
        id: investments.length + 1, coin: command.coin, amount, priceUsd: price, totalUsd: amount.times(price),
        timestamp: '2024-06-01T11:00:00.000Z', priceSource: 'user', voided: false, voidedAt: null,
      };
      investments.push({ ...investment, position: primary });
      return { investment, consistencyToken: `1.${primary}` };
    },
    async voidInvestment() {
      throw new Error('not used');
    },
    async listHistory(_query, token): Promise<Read<{ items: Investment[]; next: null }>> {
      tokensSeen.push(token);
      const at = asOf(token);
      return { data: { items: live(at).reverse(), next: null }, position: `1.${at}`, stale: false };
    },
    async readStats(token) {
      tokensSeen.push(token);
      const at = asOf(token);
      return { data: stats(at), position: `1.${at}`, stale: false };
    },
    async readSystemStatus() {
      const ready = { reachable: true, ready: true, http_status: 200, checks: {} };
      return { checked_at: '2024-06-01T12:00:00.000Z', services: { 'command-api': ready, 'query-api': ready, projector: ready }, projector: { available: false, http_status: null, status: null } };
    },
    async searchCoins() {
      return { coins: [{ id: 'bitcoin', symbol: 'BTC', name: 'Bitcoin' }], source: 'coingecko' };
    },
    watchPositions(l) {
      listener = l;
      l.connected(true);
      return () => undefined;
    },
  };
  return { api, tokensSeen, emit: (position: string) => listener?.position(position) };
}

/** Every text the "Total invested" card showed, in order. */
function watchCard() {
  const shown: string[] = [document.querySelector('[data-testid="card-invested"]')?.textContent ?? ''];
  const observer = new MutationObserver(() => {
    const text = document.querySelector('[data-testid="card-invested"]')?.textContent;
    if (text && shown.at(-1) !== text) shown.push(text);
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  return { shown, stop: () => observer.disconnect() };
}

describe('App', () => {
  it('shows a purchase in statistics and history at once, with the command token, and never flicks back', async () => {
    const system = laggingSystem();
    const user = userEvent.setup();
    render(
      <ApiProvider api={system.api}>
        <App />
      </ApiProvider>,
    );
    expect(await screen.findByText(/Your portfolio is empty/)).toBeTruthy();
    const card = watchCard();

    await user.type(screen.getByRole('combobox', { name: 'Coin' }), 'btc');
    await user.click(await screen.findByRole('option', { name: /Bitcoin/ }));
    await user.type(screen.getByLabelText('Amount (coins)'), '0.5');
    await user.type(screen.getByLabelText(/Price per coin/), '100');
    await user.click(screen.getByRole('button', { name: 'Record purchase' }));

    await waitFor(() => expect(screen.getByTestId('card-invested').textContent).toBe('$50.00'));
    await waitFor(() => expect(document.querySelectorAll('.history-table tbody tr')).toHaveLength(1));
    // Both reads carried the command's token (the replica alone would still say $0.00).
    expect(system.tokensSeen.filter((t) => t === '1.101').length).toBeGreaterThanOrEqual(2);

    // The live stream reporting the replica's older position changes nothing.
    act(() => system.emit('1.100'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.getByTestId('card-invested').textContent).toBe('$50.00');
    card.stop();
    expect(card.shown).toEqual(['$0.00', '$50.00']);
  });

  it('says so when the query API cannot be reached, and when the replica is behind', async () => {
    const system = laggingSystem();
    let failing = true;
    const api: DashboardApi = {
      ...system.api,
      async readStats(token, signal) {
        if (failing) throw new ApiError(502, { type: '/problems/upstream-unreachable', detail: 'the query API is not answering' });
        const read = await system.api.readStats(token, signal);
        return { ...read, stale: true };
      },
    };
    render(
      <ApiProvider api={api}>
        <App />
      </ApiProvider>,
    );
    expect(await screen.findByText(/The query API cannot be reached, so the statistics cannot be loaded/)).toBeTruthy();
    failing = false;
    await userEvent.setup().click(screen.getAllByRole('button', { name: 'Retry now' })[0]!);
    expect(await screen.findByText(/The replica is behind the primary/)).toBeTruthy();
  });
});
