// The whole system in a real browser: PostgreSQL primary + replica (the test harness), the four
// services started as processes by @crypto-invest/local-stack, the fake CoinGecko, and Debian's
// Chromium driven by playwright-core. Records through the form, reads the figures people see.
import type {} from '@crypto-invest/testing/global-setup';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSystem, type RunningSystem } from '@crypto-invest/local-stack';
import { freePort, freshDatabase, startFakeCoinGecko, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WORKSPACE = fileURLToPath(new URL('../', import.meta.url));
const ARTIFACTS = join(WORKSPACE, 'test-artifacts');
const API_KEY = 'e2e-dashboard-key-0123456789abcdef';
const CHROMIUM = '/usr/bin/chromium';
// The flags that work in this sandbox (TOOLCHAIN.md, "Browser tests").
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Prices the fake CoinGecko answers with, so every figure below is known exactly.
const BITCOIN_NOW = '40000.123';
const SHIBA_NOW = '0.00000812345678';

let db: TestDatabase;
let coingecko: FakeCoinGecko;
let system: RunningSystem;
let browser: Browser;
let logDir: string;

/** `npm run build:client`, so the test serves exactly what `npm start` would. */
async function buildClient(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['run', 'build:client', '--', '--logLevel', 'warn'], { cwd: WORKSPACE, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build:client failed:\n${output}`))));
  });
}

beforeAll(async () => {
  await buildClient();
  db = await freshDatabase();
  coingecko = await startFakeCoinGecko();
  coingecko.setPrice('bitcoin', BITCOIN_NOW);
  coingecko.setPrice('shiba-inu', SHIBA_NOW);
  logDir = await mkdtemp(join(tmpdir(), 'dashboard-e2e-'));
  const [command, query, projector, dashboard] = [await freePort(), await freePort(), await freePort(), await freePort()];
  system = await startSystem({
    cluster: db.cluster,
    database: db.name,
    ports: { 'command-api': command, 'query-api': query, projector, dashboard },
    apiKeys: [API_KEY],
    coingeckoBaseUrl: coingecko.url,
    env: { LOG_LEVEL: 'warn' },
    logDir,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await coingecko?.close();
  await db?.drop();
  if (logDir) await rm(logDir, { recursive: true, force: true });
});

const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();
const historyRows = (page: Page) => page.locator('.history-table tbody tr');

async function recordPurchase(page: Page, purchase: { search: string; option: RegExp; amount: string; price?: string; doubleClick?: boolean }) {
  const coin = page.getByRole('combobox', { name: 'Coin', exact: true });
  await coin.fill(purchase.search);
  await page.getByRole('option', { name: purchase.option }).click();
  await page.getByLabel('Amount (coins)').fill(purchase.amount);
  if (purchase.price) await page.getByLabel(/Price per coin/).fill(purchase.price);
  const submit = page.getByRole('button', { name: 'Record purchase' });
  if (purchase.doubleClick) await submit.dblclick();
  else await submit.click();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Recorded' }).count(), { timeout: 15_000 }).toBe(1);
}

describe('the dashboard in a real browser, against the whole system', () => {
  it('records through the form, shows the exact figures at once, voids, and shows the totals return', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 1500 } });
    const requests: Array<{ url: string; authorization: string | undefined }> = [];
    page.on('request', (request) => requests.push({ url: request.url(), authorization: request.headers()['authorization'] }));
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(system.urls.dashboard);

    // An empty portfolio, said plainly.
    await expect.poll(() => page.getByText('Your portfolio is empty').count(), { timeout: 15_000 }).toBe(1);
    expect(await text(page, 'card-invested')).toBe('$0.00');

    // Bitcoin with the price paid, double-clicked: recorded once (button disabled + Idempotency-Key).
    await recordPurchase(page, { search: 'btc', option: /Bitcoin BTC/, amount: '0.5', price: '30000.5', doubleClick: true });
    // In history and statistics at once (the command's consistency token), with no reload.
    await expect.poll(() => historyRows(page).count(), { timeout: 15_000 }).toBe(1);
    const bitcoinRow = historyRows(page).first();
    expect(await bitcoinRow.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['bitcoin', '0.5', '$30,000.50', '$15,000.25', 'you']),
    );
    await expect.poll(() => text(page, 'card-invested')).toBe('$15,000.25');
    // 0.5 × 40,000.123 = 20,000.0615; P/L = 20,000.0615 − 15,000.25 = 4,999.8115
    expect(await text(page, 'card-value')).toBe('$20,000.06');
    expect(await text(page, 'card-pnl')).toBe('+$4,999.81');
    // 4,999.8115 ÷ 15,000.25 = 33.331…%
    expect(await text(page, 'pnl-percent')).toBe('+33.33%');

    // A coin worth a fraction of a cent, priced by CoinGecko: tiny prices shown with their digits.
    await recordPurchase(page, { search: 'shib', option: /Shiba Inu SHIB/, amount: '1000000' });
    await expect.poll(() => historyRows(page).count(), { timeout: 15_000 }).toBe(2);
    expect(await historyRows(page).first().locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['shiba-inu', '1,000,000', '$0.000008123', '$8.12', 'CoinGecko']),
    );
    // 15,000.25 + 8.12345678 = 15,008.37345678
    await expect.poll(() => text(page, 'card-invested')).toBe('$15,008.37');
    expect(await page.locator('tr[data-coin="shiba-inu"] td').first().textContent()).toBe('1,000,000');

    // Charts are drawn (SVG) and the page is worth a look: the screenshot is the test artifact.
    await page.waitForSelector('svg[data-chart="invested"]', { state: 'attached' });
    await page.waitForSelector('svg[data-chart="allocation"]', { state: 'attached' });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // Void the bitcoin purchase, with the confirmation.
    await page.locator('.history-table tbody tr', { hasText: 'bitcoin' }).getByRole('button', { name: /^Void/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Void this purchase?' });
    await dialog.getByRole('button', { name: 'Void purchase' }).click();
    // Totals return to what the shiba purchase alone makes.
    await expect.poll(() => text(page, 'card-invested'), { timeout: 15_000 }).toBe('$8.12');
    await expect.poll(() => historyRows(page).count()).toBe(1);
    expect(await page.locator('tr[data-coin="bitcoin"]').count()).toBe(0);
    // 1,000,000 × 0.00000812345678 now = the amount invested: no gain, no loss.
    expect(await text(page, 'card-pnl')).toBe('$0.00');

    // The voided purchase is still in the history when asked for.
    await page.getByLabel('Show voided').check();
    await expect.poll(() => page.locator('.history-table tr.voided').count()).toBe(1);

    // Everything came from the dashboard's own origin, and no API key reached the browser.
    const origin = new URL(system.urls.dashboard).origin;
    expect(requests.filter((r) => !r.url.startsWith(origin) && !r.url.startsWith('data:'))).toEqual([]);
    expect(requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(await page.content()).not.toContain(API_KEY);

    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-after-void.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('shows the system panel with live updates from the stream', async () => {
    const page = await browser.newPage();
    await page.goto(system.urls.dashboard);
    await expect.poll(() => page.getByText('live updates on').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('.service .state-ready').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    // A write by someone else reaches this page through the stream, without a reload.
    const before = await text(page, 'card-invested');
    const response = await fetch(`${system.urls['command-api']}/investments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: '{"coin":"bitcoin","amount":"0.001","purchase_price_usd":"1000"}',
    });
    expect(response.status).toBe(201);
    await expect.poll(() => text(page, 'card-invested'), { timeout: 15_000 }).not.toBe(before);
    await page.close();
  }, 60_000);

  it('says plainly when the query API is down, keeps the figures, and recovers by itself', async () => {
    const page = await browser.newPage();
    await page.goto(system.urls.dashboard);
    await expect.poll(() => text(page, 'card-invested'), { timeout: 15_000 }).toMatch(/^\$/);
    const figures = await text(page, 'card-invested');

    await system.stopService('query-api');
    try {
      await expect.poll(() => page.locator('[data-banner="unreachable-query-api"]').count(), { timeout: 20_000 }).toBe(1);
      // What was loaded stays on screen.
      expect(await text(page, 'card-invested')).toBe(figures);
    } finally {
      await system.restart('query-api');
    }
    await expect.poll(() => page.locator('[data-banner="unreachable-query-api"]').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => page.getByText('live updates on').count(), { timeout: 20_000 }).toBe(1);
    await page.close();
  }, 90_000);
});
