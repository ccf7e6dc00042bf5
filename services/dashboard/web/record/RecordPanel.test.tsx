// @vitest-environment happy-dom
import { Decimal } from '@crypto-invest/money';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api-error.ts';
import type { DashboardApi } from '../api/dashboard-api.ts';
import type { CommandResult, RecordCommand } from '../api/model.ts';
import { ApiProvider } from '../app/api-context.tsx';
import { RecordPanel } from './RecordPanel.tsx';

afterEach(cleanup);

const recorded: CommandResult = {
  investment: {
    id: 1,
    coin: 'bitcoin',
    amount: new Decimal('0.5'),
    priceUsd: new Decimal('100'),
    totalUsd: new Decimal('50'),
    timestamp: '2024-06-01T11:00:00.000Z',
    priceSource: 'user',
    voided: false,
    voidedAt: null,
  },
  consistencyToken: '900.1',
};

function fakeApi(record: DashboardApi['recordInvestment']): DashboardApi {
  return {
    recordInvestment: record,
    voidInvestment: vi.fn(),
    listHistory: vi.fn(),
    readStats: vi.fn(),
    readSystemStatus: vi.fn(),
    searchCoins: async (q) => ({
      coins: [
        { id: 'bitcoin', symbol: 'BTC', name: 'Bitcoin' },
        { id: 'bitcoin-cash', symbol: 'BCH', name: 'Bitcoin Cash' },
      ].filter((c) => c.name.toLowerCase().includes(q.toLowerCase()) || c.symbol.toLowerCase() === q.toLowerCase()),
      source: 'coingecko',
    }),
    watchPositions: () => () => undefined,
    checkImport: vi.fn(),
    importFile: vi.fn(),
  };
}

async function setup(record: DashboardApi['recordInvestment']) {
  const onRecorded = vi.fn();
  const user = userEvent.setup();
  render(
    <ApiProvider api={fakeApi(record)}>
      <RecordPanel onRecorded={onRecorded} now={() => new Date('2024-06-01T12:00:00.000Z')} />
    </ApiProvider>,
  );
  return { user, onRecorded };
}

async function pickBitcoin(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByRole('combobox', { name: 'Coin' }), 'btc');
  await user.click(await screen.findByRole('option', { name: /Bitcoin BTC/ }));
}

describe('RecordPanel', () => {
  it('finds a coin by symbol with the keyboard and records the CoinGecko id with the exact amount', async () => {
    const record = vi.fn<DashboardApi['recordInvestment']>(async () => recorded);
    const { user, onRecorded } = await setup(record);
    const combobox = screen.getByRole('combobox', { name: 'Coin' });
    await user.type(combobox, 'BTC');
    await screen.findByRole('option', { name: /Bitcoin BTC/ });
    await user.keyboard('{Enter}');
    expect(combobox).toHaveProperty('value', 'Bitcoin (BTC)');
    await user.type(screen.getByLabelText('Amount (coins)'), '0.123456789012345678');
    await user.type(screen.getByLabelText(/Price per coin/), '100');
    await user.click(screen.getByRole('button', { name: 'Record purchase' }));

    await waitFor(() => expect(onRecorded).toHaveBeenCalledWith(recorded));
    const [command, key] = record.mock.calls[0]!;
    expect(command).toEqual<RecordCommand>({ coin: 'bitcoin', amount: '0.123456789012345678', purchase_price_usd: '100' });
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(await screen.findByRole('status')).toHaveProperty('textContent', expect.stringContaining('Recorded 0.5 bitcoin at $100.00 ($50.00)'));
    // The form is ready for the next purchase.
    expect(combobox).toHaveProperty('value', '');
    expect(screen.getByLabelText('Amount (coins)')).toHaveProperty('value', '');
  });

  it('shows its own field errors and sends nothing', async () => {
    const record = vi.fn<DashboardApi['recordInvestment']>();
    const { user } = await setup(record);
    await user.type(screen.getByLabelText('Amount (coins)'), '1,5');
    await user.click(screen.getByRole('button', { name: 'Record purchase' }));
    expect(await screen.findByText('Choose a coin from the list')).toBeTruthy();
    const amount = screen.getByLabelText('Amount (coins)');
    expect(amount.getAttribute('aria-invalid')).toBe('true');
    const described = document.getElementById(amount.getAttribute('aria-describedby')!.split(' ').at(-1)!);
    expect(described?.textContent).toContain('use a point as the decimal separator');
    expect(record).not.toHaveBeenCalled();
  });

  it('disables the button while in flight, so a double click records once', async () => {
    let finish!: (result: CommandResult) => void;
    const record = vi.fn<DashboardApi['recordInvestment']>(() => new Promise((resolve) => (finish = resolve)));
    const { user } = await setup(record);
    await pickBitcoin(user);
    await user.type(screen.getByLabelText('Amount (coins)'), '0.5');
    const button = screen.getByRole('button', { name: 'Record purchase' });
    await user.dblClick(button);
    expect(screen.getByRole('button', { name: 'Recording…' })).toHaveProperty('disabled', true);
    finish(recorded);
    await screen.findByRole('button', { name: 'Record purchase' });
    expect(record).toHaveBeenCalledTimes(1);
  });

  it('retries a purchase whose answer was lost with the same Idempotency-Key', async () => {
    const record = vi
      .fn<DashboardApi['recordInvestment']>()
      .mockRejectedValueOnce(new ApiError(null, null))
      .mockResolvedValueOnce(recorded);
    const { user } = await setup(record);
    await pickBitcoin(user);
    await user.type(screen.getByLabelText('Amount (coins)'), '0.5');
    await user.click(screen.getByRole('button', { name: 'Record purchase' }));
    expect(await screen.findByText(/cannot be reached, so nothing was recorded/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Record purchase' }));
    await screen.findByRole('status');
    expect(record.mock.calls[0]![1]).toBe(record.mock.calls[1]![1]);
  });

  it("places the API's field errors beside their fields", async () => {
    const record = vi.fn<DashboardApi['recordInvestment']>(async () => {
      throw new ApiError(400, { status: 400, detail: 'amount: must have at most 18 decimal places', errors: [{ field: 'amount', reason: 'must have at most 18 decimal places' }] });
    });
    const { user } = await setup(record);
    await pickBitcoin(user);
    await user.type(screen.getByLabelText('Amount (coins)'), '1');
    await user.click(screen.getByRole('button', { name: 'Record purchase' }));
    const amount = screen.getByLabelText('Amount (coins)');
    await waitFor(() => expect(amount.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(amount.getAttribute('aria-describedby')!)?.textContent).toBe('Must have at most 18 decimal places');
  });

  it('says when prices are unavailable and offers the manual price', async () => {
    const record = vi.fn<DashboardApi['recordInvestment']>(async () => {
      throw new ApiError(503, { status: 503, type: '/problems/price-unavailable', detail: 'price unavailable, give purchase_price_usd' });
    });
    const { user } = await setup(record);
    await pickBitcoin(user);
    await user.type(screen.getByLabelText('Amount (coins)'), '1');
    await user.click(screen.getByRole('button', { name: 'Record purchase' }));
    expect(await screen.findByText(/Current prices are unavailable right now/)).toBeTruthy();
    const price = screen.getByLabelText(/Price per coin/);
    expect(document.activeElement).toBe(price);
    expect(screen.getByText('(needed now)')).toBeTruthy();
  });
});
