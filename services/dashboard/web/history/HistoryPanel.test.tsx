// @vitest-environment happy-dom
import { Decimal } from '@crypto-invest/money';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DashboardApi } from '../api/dashboard-api.ts';
import type { HistoryQuery, Investment } from '../api/model.ts';
import { ApiProvider } from '../app/api-context.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';

afterEach(cleanup);

const investment = (id: number, coin: string): Investment => ({
  id, coin, amount: new Decimal('0.5'), priceUsd: new Decimal('100'), totalUsd: new Decimal('50'),
  timestamp: `2024-06-0${id}T10:00:00.000Z`, priceSource: 'user', voided: false, voidedAt: null,
});

function setup() {
  const listHistory = vi.fn<DashboardApi['listHistory']>(async (query) => {
    const older = 'cursor' in query;
    return {
      data: { items: older ? [investment(1, 'ethereum')] : [investment(2, 'bitcoin')], next: older ? null : { limit: '20', cursor: 'c1' } },
      position: '5.5',
      stale: false,
    };
  });
  const voidInvestment = vi.fn<DashboardApi['voidInvestment']>(async (id) => ({ investment: { ...investment(id, 'bitcoin'), voided: true }, consistencyToken: '5.6' }));
  const api = { listHistory, voidInvestment } as unknown as DashboardApi;
  const onVoided = vi.fn();
  render(
    <ApiProvider api={api}>
      <HistoryPanel knownPosition={null} onPosition={() => undefined} onVoided={onVoided} coins={['bitcoin', 'ethereum']} />
    </ApiProvider>,
  );
  return { listHistory, voidInvestment, onVoided, user: userEvent.setup() };
}

describe('HistoryPanel', () => {
  it('pages through the Link header and back', async () => {
    const { listHistory, user } = setup();
    expect(await screen.findByText('bitcoin', { selector: 'td' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Older →' }));
    expect(await screen.findByText('ethereum', { selector: 'td' })).toBeTruthy();
    expect(listHistory.mock.calls.at(-1)![0]).toEqual({ limit: '20', cursor: 'c1' });
    expect(screen.getByRole('button', { name: 'Older →' })).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: '← Newer' }));
    expect(await screen.findByText('bitcoin', { selector: 'td' })).toBeTruthy();
  });

  it('filters by coin and by days (the end day included: `to` is exclusive)', async () => {
    const { listHistory, user } = setup();
    await screen.findByText('bitcoin', { selector: 'td' });
    await user.selectOptions(screen.getByLabelText('Coin filter'), 'ethereum');
    await user.type(screen.getByLabelText('From day'), '2024-06-01');
    await user.type(screen.getByLabelText('To day'), '2024-06-02');
    await waitFor(() =>
      expect(listHistory.mock.calls.at(-1)![0]).toEqual<HistoryQuery>({
        limit: 20,
        coin: 'ethereum',
        from: '2024-06-01T00:00:00.000Z',
        to: '2024-06-03T00:00:00.000Z',
      }),
    );
  });

  it('voids only after the confirmation, and hands the token on', async () => {
    const { voidInvestment, onVoided, user } = setup();
    await screen.findByText('bitcoin', { selector: 'td' });
    await user.click(screen.getByRole('button', { name: /^Void 0.5 bitcoin/ }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(voidInvestment).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: /^Void 0.5 bitcoin/ }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Void purchase' }));
    await waitFor(() => expect(onVoided).toHaveBeenCalledWith(expect.objectContaining({ consistencyToken: '5.6' })));
    expect(voidInvestment).toHaveBeenCalledWith(2);
  });
});
