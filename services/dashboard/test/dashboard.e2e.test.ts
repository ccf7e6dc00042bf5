// The whole system in a real browser: PostgreSQL primary + replica (the test harness), the four
// services started as processes by @crypto-invest/local-stack, the fake CoinGecko, and Debian's
// Chromium driven by playwright-core. Records through the form, reads the figures people see.
import type {} from '@crypto-invest/testing/global-setup';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSystem, type RunningSystem } from '@crypto-invest/local-stack';
import { Decimal } from '@crypto-invest/money';
import { freePort, freshDatabase, startFakeCoinGecko, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WORKSPACE = fileURLToPath(new URL('../', import.meta.url));
const ARTIFACTS = join(WORKSPACE, 'test-artifacts');
const API_KEY = 'e2e-dashboard-key-0123456789abcdef';
// The real demo portfolio (580 weekly purchases, 2019–2021, with the prices paid).
const PORTFOLIO = fileURLToPath(new URL('../../../packages/demo-data/data/portfolio-weekly-2019-2021.csv', import.meta.url));
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

/** What functions run in the page (page.evaluate) use of it; this file is type-checked without the DOM library. */
interface BrowserGlobals {
  importSteps: string[];
  document: { body: unknown; querySelector(selector: string): { getAttribute(name: string): string | null } | null };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
}

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

  it('imports a CSV through the page: the dry run names the bad row by line, the import updates the figures exactly', async () => {
    const [header, ...purchases] = (await readFile(PORTFOLIO, 'utf8')).trim().split(/\r?\n/);
    // The first weeks of the demo portfolio: six coins on 2019-01-07, four on 01-14, bitcoin on 01-21.
    const first10 = purchases.slice(0, 10);
    const first11 = purchases.slice(0, 11);
    const csv = (lines: string[]) => Buffer.from([header, ...lines].join('\n') + '\n');
    const good = { name: 'first-weeks.csv', mimeType: 'text/csv', buffer: csv(first10) };
    // Line 13 (the header is line 1) has a decimal comma: refused, never read as 4760 or 476036331092.
    const withBadRow = { name: 'with-a-bad-row.csv', mimeType: 'text/csv', buffer: csv([...first11, '2019-01-21T14:00:00Z,dogecoin,"4760,36331092",0.00210068']) };
    const parsed = (lines: string[]) => lines.map((line) => {
      const [, coin, amount, price] = line.split(',');
      return { coin: coin!, amount: new Decimal(amount!), invested: new Decimal(amount!).times(price!) };
    });
    const sum = (rows: ReturnType<typeof parsed>, pick: (r: ReturnType<typeof parsed>[number]) => Decimal) => rows.reduce((total, r) => total.plus(pick(r)), new Decimal(0));

    const page = await browser.newPage({ viewport: { width: 1360, height: 1700 } });
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(system.urls.dashboard);
    await expect.poll(() => text(page, 'card-invested'), { timeout: 15_000 }).toMatch(/^\$/);
    // What other tests left (this test's coins are its own): the exact total and the count.
    const before = new Decimal((await page.getByTestId('card-invested').getAttribute('title'))!);
    const countBefore = Number(/^(\d+) purchase/.exec((await page.locator('[data-card="invested"] .card-sub').textContent())!)![1]);
    expect(await page.locator('tr[data-coin="ethereum"]').count()).toBe(0);
    // Every progress step the page shows, as it shows it.
    await page.evaluate(() => {
      const browser = globalThis as unknown as BrowserGlobals;
      const seen: string[] = [];
      browser.importSteps = seen;
      new browser.MutationObserver(() => {
        const step = browser.document.querySelector('.import-progress progress')?.getAttribute('data-step');
        if (step && seen.at(-1) !== step) seen.push(step);
      }).observe(browser.document.body, { subtree: true, childList: true, attributes: true });
    });

    const fileInput = page.getByLabel('CSV file', { exact: true });
    const report = page.getByTestId('import-report');
    const counts = async () => ({
      rows: await text(page, 'import-rows'),
      new: await text(page, 'import-new'),
      present: await text(page, 'import-present'),
      invalid: await text(page, 'import-invalid'),
    });

    // 1. The file with a bad row: checked, nothing recorded; the bad row named by its line, field and reason.
    await fileInput.setInputFiles(withBadRow);
    await page.getByRole('button', { name: 'Check file' }).click();
    await expect.poll(() => report.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('checked');
    expect(await counts()).toEqual({ rows: '12', new: '11', present: '0', invalid: '1' });
    const badLine = page.locator('.import-errors tr[data-line="13"]');
    expect(await badLine.locator('th').textContent()).toBe('13');
    expect(await badLine.locator('li').textContent()).toMatch(/^amount: .*decimal separator/);
    expect(await page.locator('.import-errors tbody tr').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Import 11 rows' }).isDisabled()).toBe(true);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.locator('.import-panel').screenshot({ path: join(ARTIFACTS, 'dashboard-import-check.png') });

    // 2. The clean file: checked, then imported; the figures include it at once, to the last digit.
    await fileInput.setInputFiles(good);
    await page.getByRole('button', { name: 'Check file' }).click();
    await expect.poll(() => report.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('checked');
    expect(await counts()).toEqual({ rows: '10', new: '10', present: '0', invalid: '0' });
    await page.evaluate(() => ((globalThis as unknown as BrowserGlobals).importSteps.length = 0));
    await page.getByRole('button', { name: 'Import 10 rows' }).click();
    await expect.poll(() => report.getAttribute('data-outcome'), { timeout: 30_000 }).toBe('imported');
    expect(await page.getByRole('heading', { name: 'Imported 10 purchases' }).count()).toBe(1);
    // The bar went through the steps in order (a small file may pass some between two frames).
    const steps = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).importSteps);
    expect(steps[0]).toBe('uploading');
    expect(steps).toEqual(['uploading', 'checking', 'writing'].filter((step) => steps.includes(step)));

    const imported10 = parsed(first10);
    await expect.poll(async () => new Decimal((await page.getByTestId('card-invested').getAttribute('title'))!).equals(before.plus(sum(imported10, (r) => r.invested))), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('[data-card="invested"] .card-sub').textContent()).toMatch(new RegExp(`^${countBefore + 10} purchases`));
    for (const coin of ['ethereum', 'dogecoin', 'cardano', 'litecoin', 'binancecoin']) {
      const row = page.locator(`tr[data-coin="${coin}"] td`);
      const mine = imported10.filter((r) => r.coin === coin);
      expect(new Decimal((await row.nth(0).getAttribute('title'))!).equals(sum(mine, (r) => r.amount)), `${coin} amount`).toBe(true);
      expect(new Decimal((await row.nth(1).getAttribute('title'))!).equals(sum(mine, (r) => r.invested)), `${coin} invested`).toBe(true);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-import.png'), fullPage: true });

    // 3. The bad file again: its first ten rows are already present; skipping the bad row imports the one new row.
    await fileInput.setInputFiles(withBadRow);
    await page.getByRole('button', { name: 'Check file' }).click();
    await expect.poll(() => report.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('checked');
    expect(await counts()).toEqual({ rows: '12', new: '1', present: '10', invalid: '1' });
    await page.getByRole('checkbox', { name: 'Skip the invalid row and import the valid ones' }).check();
    await page.getByRole('button', { name: 'Import 1 row, skip 1 row' }).click();
    await expect.poll(() => report.getAttribute('data-outcome'), { timeout: 30_000 }).toBe('imported');
    expect(await counts()).toEqual({ rows: '12', new: '1', present: '10', invalid: '1' });
    await expect.poll(async () => new Decimal((await page.getByTestId('card-invested').getAttribute('title'))!).equals(before.plus(sum(parsed(first11), (r) => r.invested))), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('[data-card="invested"] .card-sub').textContent()).toMatch(new RegExp(`^${countBefore + 11} purchases`));

    // The history has them, newest first, every digit shown.
    await page.getByLabel('Coin filter').selectOption('ethereum');
    await expect.poll(() => historyRows(page).count(), { timeout: 15_000 }).toBe(2);
    expect(await historyRows(page).first().locator('td').allTextContents()).toEqual(expect.arrayContaining(['ethereum', '0.232434296019421825']));
    expect(await historyRows(page).nth(1).locator('td').allTextContents()).toEqual(expect.arrayContaining(['ethereum', '0.197759759644370206']));
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
