// @vitest-environment happy-dom
import { Decimal } from '@crypto-invest/money';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.ts';
import type { DashboardApi, PositionListener } from '../api/dashboard-api.ts';
import type { ImportReport, Investment, PortfolioStats, Read } from '../api/model.ts';
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
    async checkImport() {
      return importReport('checked', 0, null);
    },
    async importFile(_file, _options, progress) {
      // Two purchases in one batch, like the command API: one position for the whole import.
      progress.writing?.({ done: 0, total: 2, recorded: 0 });
      primary += 1;
      for (const [coin, amount, price] of [['ethereum', '0.197759759644370206', '151.6992135'], ['cardano', '208.351043', '0.0479959198472']] as const) {
        const a = new Decimal(amount);
        const p = new Decimal(price);
        investments.push({
          id: investments.length + 1, coin, amount: a, priceUsd: p, totalUsd: a.times(p),
          timestamp: '2019-01-07T14:00:00.000Z', priceSource: 'user', voided: false, voidedAt: null, position: primary,
        });
      }
      progress.writing?.({ done: 2, total: 2, recorded: 2 });
      return { kind: 'imported', report: importReport('imported', 2, `1.${primary}`) };
    },
  };
  return { api, tokensSeen, emit: (position: string) => listener?.position(position) };
}

function importReport(outcome: ImportReport['outcome'], recorded: number, token: string | null): ImportReport {
  return {
    outcome, rows: 2, valid: 2, invalid: 0, newRows: 2, alreadyPresent: 0, recorded,
    errors: [], errorsTruncated: false, consistencyToken: token, message: '',
  };
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

  it('shows an import in statistics and history as soon as it finishes, with its consistency token, and never flicks back', async () => {
    const system = laggingSystem();
    const user = userEvent.setup();
    render(
      <ApiProvider api={system.api}>
        <App />
      </ApiProvider>,
    );
    expect(await screen.findByText(/Your portfolio is empty/)).toBeTruthy();
    const card = watchCard();

    await user.upload(screen.getByLabelText('CSV file'), new File(['timestamp,coin,amount,purchase_price_usd\n'], 'two.csv', { type: 'text/csv' }));
    await user.click(screen.getByRole('button', { name: 'Check file' }));
    await user.click(await screen.findByRole('button', { name: 'Import 2 rows' }));
    expect(await screen.findByRole('heading', { name: 'Imported 2 purchases' })).toBeTruthy();

    // 0.197759759644370206 × 151.6992135 + 208.351043 × 0.0479959198472 = 39.99999995990852058…, shown as $40.00
    await waitFor(() => expect(screen.getByTestId('card-invested').textContent).toBe('$40.00'));
    expect(screen.getByTestId('card-invested').getAttribute('title')).toBe(
      new Decimal('0.197759759644370206').times('151.6992135').plus(new Decimal('208.351043').times('0.0479959198472')).toFixed(),
    );
    await waitFor(() => expect(document.querySelectorAll('.history-table tbody tr')).toHaveLength(2));
    // Both reads carried the import's token (the replica alone would still say $0.00).
    expect(system.tokensSeen.filter((t) => t === '1.101').length).toBeGreaterThanOrEqual(2);
    act(() => system.emit('1.100'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    card.stop();
    expect(card.shown).toEqual(['$0.00', '$40.00']);
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
