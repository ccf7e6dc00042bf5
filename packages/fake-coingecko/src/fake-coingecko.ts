import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HISTORY_COINS, loadPriceHistory, type CoinInfo } from '@crypto-invest/demo-data';

/**
 * A local HTTP server that speaks the part of CoinGecko's v3 API we use, for tests
 * and offline demos. Prices come from the real daily closes in @crypto-invest/demo-data
 * ("now" is the last day of the files) plus a few fixed extra coins, and can be
 * overridden. Faults are programmable: 429 with Retry-After, 5xx, slow answers.
 *
 *   GET /api/v3/ping
 *   GET /api/v3/simple/price?ids=a,b&vs_currencies=usd[&precision=full]
 *   GET /api/v3/coins/{id}/history?date=dd-mm-yyyy
 *   GET /api/v3/coins/list
 *   GET /api/v3/search?query=...
 * Control (for tests in other processes): POST /__fake/{prices|fail|delay|reset}, GET /__fake/requests
 */

export interface Fault {
  status: number;
  /** Seconds, sent as Retry-After (429/503). */
  retryAfter?: number;
  /** How many requests fail; Infinity for "until cleared". */
  times: number;
  /** Only requests whose path starts with this fail (default: every API path). */
  pathPrefix?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  at: number;
}

const EXTRA_COINS: Array<CoinInfo & { usd: string }> = [
  { id: 'shiba-inu', symbol: 'shib', name: 'Shiba Inu', usd: '0.00000812345678' },
  { id: 'tether', symbol: 'usdt', name: 'Tether', usd: '1.0001' },
  { id: 'solana', symbol: 'sol', name: 'Solana', usd: '33.91' },
  { id: 'ripple', symbol: 'xrp', name: 'XRP', usd: '0.6601' },
  { id: 'pepe', symbol: 'pepe', name: 'Pepe', usd: '0.0000000123' },
];

export class FakeCoinGecko {
  private server: Server | undefined;
  private prices = new Map<string, string>();
  private removed = new Set<string>();
  private faults: Fault[] = [];
  private delayMs = 0;
  readonly requests: RecordedRequest[] = [];
  readonly coins: CoinInfo[] = [...HISTORY_COINS, ...EXTRA_COINS.map(({ usd: _usd, ...c }) => c)];

  constructor() {
    this.reset();
  }

  /** Back to the real data: default prices, no faults, no delay, request log cleared. */
  reset(): void {
    this.prices.clear();
    this.removed.clear();
    this.faults = [];
    this.delayMs = 0;
    this.requests.length = 0;
    for (const coin of HISTORY_COINS) {
      const history = loadPriceHistory(coin.id)!;
      this.prices.set(coin.id, [...history.values()].at(-1)!);
    }
    for (const coin of EXTRA_COINS) this.prices.set(coin.id, coin.usd);
  }

  /** Sets the current USD price of a coin (decimal text; exponent notation allowed, as CoinGecko sends tiny prices). */
  setPrice(coin: string, usd: string): void {
    this.removed.delete(coin);
    this.prices.set(coin, usd);
  }

  /** Makes a coin unknown: /simple/price answers without it. */
  removeCoin(coin: string): void {
    this.removed.add(coin);
  }

  fail(fault: Partial<Fault> & { status: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** API requests (not control requests) to a path prefix since the last reset. */
  callsTo(pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(pathPrefix));
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('fake CoinGecko is not listening');
    return `http://127.0.0.1:${address.port}/api/v3`;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    if (path.startsWith('/__fake/')) return this.control(req, res, path.slice('/__fake/'.length), url);

    this.requests.push({
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: { 'x-cg-demo-api-key': header(req, 'x-cg-demo-api-key'), 'x-cg-pro-api-key': header(req, 'x-cg-pro-api-key') },
      at: Date.now(),
    });
    // The fault is the arriving request's: one still held by a delay when the faults change
    // (a client that gave up on it, a test that moved on) must not take a later one's.
    const fault = this.faults.find((f) => f.times > 0 && path.startsWith(f.pathPrefix ?? '/api/v3'));
    if (fault) fault.times -= 1;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (res.destroyed) return;

    if (fault) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      const body = fault.status === 429 ? { status: { error_code: 429, error_message: "You've exceeded the Rate Limit." } } : { error: 'fake failure' };
      res.writeHead(fault.status, headers).end(JSON.stringify(body));
      return;
    }

    const api = path.replace(/^\/api\/v3/, '');
    if (api === '/ping') return sendRaw(res, 200, '{"gecko_says":"(V3) To the Moon!"}');
    if (api === '/simple/price') return this.simplePrice(res, url);
    if (api === '/coins/list') return sendRaw(res, 200, JSON.stringify(this.coins.filter((c) => !this.removed.has(c.id))));
    if (api === '/search') return this.search(res, url.searchParams.get('query') ?? '');
    const history = /^\/coins\/([a-z0-9-]+)\/history$/.exec(api);
    if (history) return this.history(res, history[1]!, url.searchParams.get('date') ?? '');
    sendRaw(res, 404, '{"error":"Not Found"}');
  }

  private simplePrice(res: ServerResponse, url: URL) {
    const ids = (url.searchParams.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const currencies = (url.searchParams.get('vs_currencies') ?? '').split(',');
    if (!ids.length || !currencies.length || !currencies[0]) {
      return sendRaw(res, 400, '{"error":"Missing parameter ids or vs_currencies"}');
    }
    // Numbers are written as raw JSON text so every digit (or exponent) reaches the client as CoinGecko sends it.
    const parts: string[] = [];
    for (const id of ids) {
      const price = this.removed.has(id) ? undefined : this.prices.get(id);
      if (price === undefined) continue;
      parts.push(`${JSON.stringify(id)}:{${currencies.includes('usd') ? `"usd":${price}` : ''}}`);
    }
    sendRaw(res, 200, `{${parts.join(',')}}`);
  }

  private history(res: ServerResponse, id: string, date: string) {
    const match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(date);
    if (!match) return sendRaw(res, 400, '{"error":"invalid date, use dd-mm-yyyy"}');
    const coin = this.coins.find((c) => c.id === id);
    if (!coin || this.removed.has(id)) return sendRaw(res, 404, '{"error":"coin not found"}');
    const close = loadPriceHistory(id)?.get(`${match[3]}-${match[2]}-${match[1]}`);
    const base = `"id":${JSON.stringify(coin.id)},"symbol":${JSON.stringify(coin.symbol)},"name":${JSON.stringify(coin.name)}`;
    // CoinGecko omits market_data for a day it has no price for.
    sendRaw(res, 200, close ? `{${base},"market_data":{"current_price":{"usd":${close}}}}` : `{${base}}`);
  }

  private search(res: ServerResponse, query: string) {
    const q = query.trim().toLowerCase();
    const coins = q
      ? this.coins.filter((c) => !this.removed.has(c.id) && (c.id.includes(q) || c.symbol.includes(q) || c.name.toLowerCase().includes(q)))
      : [];
    const body = coins.map((c, i) => ({ id: c.id, name: c.name, api_symbol: c.id, symbol: c.symbol.toUpperCase(), market_cap_rank: i + 1 }));
    sendRaw(res, 200, JSON.stringify({ coins: body, exchanges: [], categories: [], nfts: [] }));
  }

  private async control(req: IncomingMessage, res: ServerResponse, action: string, url: URL) {
    if (req.method === 'GET' && action === 'requests') return sendRaw(res, 200, JSON.stringify(this.requests));
    if (req.method !== 'POST') return sendRaw(res, 405, '{}');
    const body = await readBody(req);
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    switch (action) {
      case 'reset':
        this.reset();
        break;
      case 'prices':
        for (const [coin, usd] of Object.entries(input)) {
          if (usd === null) this.removeCoin(coin);
          else this.setPrice(coin, String(usd));
        }
        break;
      case 'fail':
        if (input.clear) this.clearFaults();
        else this.fail({ status: Number(input.status ?? 500), times: input.times === 'always' ? Infinity : Number(input.times ?? 1), ...(input.retryAfter !== undefined ? { retryAfter: Number(input.retryAfter) } : {}), ...(typeof input.pathPrefix === 'string' ? { pathPrefix: input.pathPrefix } : {}) });
        break;
      case 'delay':
        this.setDelay(Number(input.ms ?? url.searchParams.get('ms') ?? 0));
        break;
      default:
        return sendRaw(res, 404, '{}');
    }
    sendRaw(res, 200, '{"ok":true}');
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendRaw(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** Starts a fake on a free port (or `port`). */
export async function startFakeCoinGecko(port = 0): Promise<FakeCoinGecko> {
  const fake = new FakeCoinGecko();
  await fake.listen(port);
  return fake;
}
