import { stringifyJsonExact } from '@crypto-invest/money';
import createClient from 'openapi-fetch';
import type { CoinSearchResult } from '../../src/coins/coin-search.ts';
import type { SystemStatus } from '../../src/system/system-status.ts';
import { ApiError, problemOf } from './api-error.ts';
import { parseExact, toDecimal, toDecimalOrNull, toInteger, type Exact } from './exact-json.ts';
import { xhrUpload, type UploadTransport } from './file-upload.ts';
import type { components as CommandComponents, paths as CommandPaths } from './generated/command-api.d.ts';
import type { paths as QueryPaths } from './generated/query-api.d.ts';
import { createImportCalls, type ImportCalls } from './imports-api.ts';
import { nextPageQuery } from './link-header.ts';
import type {
  CoinHolding,
  CommandResult,
  HistoryPage,
  HistoryQuery,
  Investment,
  PortfolioStats,
  Read,
  RecordCommand,
} from './model.ts';

type Json<Op, Status extends number> = Op extends { responses: { [S in Status]: { content: { 'application/json': infer Body } } } } ? Body : never;
type RecordedBody = Json<CommandPaths['/investments']['post'], 201>;
type VoidedBody = Json<CommandPaths['/investments/{id}']['delete'], 200>;
type HistoryBody = Json<QueryPaths['/history']['get'], 200>;
type StatsBody = Json<QueryPaths['/stats']['get'], 200>;
// Both services write the same investment view; the decoder takes either.
type HistoryParams = NonNullable<QueryPaths['/history']['get']['parameters']['query']>;
type InvestmentBody = HistoryBody[number] | CommandComponents['schemas']['Investment'];

/** Everything the panels ask of the server. Components get it from context, so tests hand in fakes. */
export interface DashboardApi extends ImportCalls {
  recordInvestment(command: RecordCommand, idempotencyKey: string): Promise<CommandResult>;
  voidInvestment(id: number): Promise<CommandResult>;
  listHistory(query: HistoryQuery | Record<string, string>, consistencyToken: string | null, signal?: AbortSignal): Promise<Read<HistoryPage>>;
  readStats(consistencyToken: string | null, signal?: AbortSignal): Promise<Read<PortfolioStats>>;
  readSystemStatus(signal?: AbortSignal): Promise<SystemStatus>;
  searchCoins(query: string, signal?: AbortSignal): Promise<CoinSearchResult>;
  /** Follows the query API's event stream; returns the function that stops it. */
  watchPositions(listener: PositionListener): () => void;
}

export interface PositionListener {
  position(position: string): void;
  connected(connected: boolean): void;
}

/**
 * The real API, through the dashboard server's one origin. Calls are typed from the services'
 * OpenAPI documents (openapi-typescript + openapi-fetch); bodies are read as text and parsed
 * losslessly, because openapi-fetch's own JSON.parse would round decimals.
 */
export function createDashboardApi(options: { origin?: string; fetch?: typeof fetch; upload?: UploadTransport } = {}): DashboardApi {
  const origin = options.origin ?? '';
  const imports = createImportCalls({ origin, upload: options.upload ?? xhrUpload });
  const fetcher = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  // Bodies are written with stringifyJsonExact: Decimal amounts leave as JSON numbers with every digit.
  const common = { fetch: fetcher, bodySerializer: (body: unknown) => stringifyJsonExact(body) };
  const command = createClient<CommandPaths>({ baseUrl: `${origin}/api/command`, ...common });
  const query = createClient<QueryPaths>({ baseUrl: `${origin}/api/query`, ...common });

  const tokenHeader = (token: string | null) => (token ? { 'x-consistency-token': token } : {});

  return {
    ...imports,

    async recordInvestment(body, idempotencyKey) {
      const { data, error, response } = await guard(
        command.POST('/investments', { body, params: { header: { 'idempotency-key': idempotencyKey } }, parseAs: 'text' }),
      );
      if (error !== undefined || data === undefined) throw new ApiError(response.status, problemOf(error));
      const raw = parseExact<RecordedBody>(data);
      return { investment: toInvestment(raw), consistencyToken: raw.consistency_token ?? response.headers.get('x-consistency-token') };
    },

    async voidInvestment(id) {
      const { data, error, response } = await guard(
        command.DELETE('/investments/{id}', { params: { path: { id: String(id) } }, parseAs: 'text' }),
      );
      if (error !== undefined || data === undefined) throw new ApiError(response.status, problemOf(error));
      const raw = parseExact<VoidedBody>(data);
      return { investment: toInvestment(raw), consistencyToken: raw.consistency_token ?? response.headers.get('x-consistency-token') };
    },

    async listHistory(filters, token, signal) {
      // A next page's parameters come from the query API's own Link header: passed back as they are.
      const params: HistoryParams = typeof filters.limit === 'number' ? historyParams(filters as HistoryQuery) : (filters as HistoryParams);
      const { data, error, response } = await guard(
        query.GET('/history', { params: { query: params, header: tokenHeader(token) }, parseAs: 'text', signal }),
      );
      if (error !== undefined || data === undefined) throw new ApiError(response.status, problemOf(error));
      const items = parseExact<HistoryBody>(data).map(toInvestment);
      return { data: { items, next: nextPageQuery(response.headers.get('link')) }, ...freshness(response) };
    },

    async readStats(token, signal) {
      const { data, error, response } = await guard(
        query.GET('/stats', { params: { header: tokenHeader(token) }, parseAs: 'text', signal }),
      );
      if (error !== undefined || data === undefined) throw new ApiError(response.status, problemOf(error));
      const raw = parseExact<StatsBody>(data);
      const read = freshness(response);
      return { data: toStats(raw), position: read.position ?? raw.projection?.position ?? null, stale: read.stale || raw.projection?.stale === true };
    },

    async readSystemStatus(signal) {
      return parseExact<SystemStatus>(await dashboardText(fetcher, `${origin}/api/system/status`, signal)) as unknown as SystemStatus;
    },

    async searchCoins(text, signal) {
      return JSON.parse(await dashboardText(fetcher, `${origin}/api/coins/search?q=${encodeURIComponent(text)}`, signal)) as CoinSearchResult;
    },

    watchPositions(listener) {
      return followPositions(`${origin}/api/query/stream`, listener);
    },
  };
}

const STREAM_RETRY_MS = [1_000, 2_000, 5_000, 10_000, 15_000];

/**
 * Follows the query API's position events. EventSource reconnects by itself after a network
 * error, but gives up for good on an HTTP error (the dashboard answers 502 while the query API is
 * down): then a new one is opened, backing off, until the stream is back.
 */
function followPositions(url: string, listener: PositionListener): () => void {
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let stopped = false;

  const open = () => {
    source = new EventSource(url);
    source.addEventListener('open', () => {
      failures = 0;
      listener.connected(true);
    });
    source.addEventListener('error', () => {
      listener.connected(false);
      if (source?.readyState !== EventSource.CLOSED || stopped) return;
      retry = setTimeout(open, STREAM_RETRY_MS[Math.min(failures, STREAM_RETRY_MS.length - 1)]);
      failures += 1;
    });
    source.addEventListener('position', (event) => {
      try {
        const { position } = JSON.parse((event as MessageEvent<string>).data) as { position?: unknown };
        if (typeof position === 'string') listener.position(position);
      } catch {
        // a malformed event is ignored; the next one will do
      }
    });
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    source?.close();
  };
}

/** openapi-fetch throws when no answer comes at all (server down, connection cut). */
async function guard<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(null, null);
  }
}

async function dashboardText(fetcher: (input: Request) => Promise<Response>, url: string, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetcher(new Request(new URL(url, globalThis.location?.href ?? 'http://localhost/'), { headers: { accept: 'application/json' }, signal: signal ?? null }));
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(null, null);
  }
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, problemOf(text));
  return text;
}

function freshness(response: Response): { position: string | null; stale: boolean } {
  return { position: response.headers.get('x-projection-position'), stale: response.headers.get('x-read-stale') === 'true' };
}

function historyParams(filters: HistoryQuery): HistoryParams {
  const params: HistoryParams = { limit: String(filters.limit) };
  if (filters.coin) params.coin = filters.coin;
  if (filters.from) params.from = filters.from;
  if (filters.to) params.to = filters.to;
  if (filters.includeVoided) params.include_voided = 'true';
  return params;
}

export function toInvestment(raw: Exact<InvestmentBody>): Investment {
  return {
    id: toInteger(raw.id),
    coin: raw.coin_name,
    amount: toDecimal(raw.amount),
    priceUsd: toDecimal(raw.purchase_price_usd),
    totalUsd: toDecimal(raw.total_value_usd),
    timestamp: raw.timestamp,
    priceSource: raw.price_source,
    voided: raw.voided,
    voidedAt: raw.voided_at,
  };
}

export function toStats(raw: Exact<StatsBody>): PortfolioStats {
  const coins: CoinHolding[] = Object.entries(raw.coins).map(([coin, c]) => ({
    coin,
    amount: toDecimal(c.total_amount),
    investedUsd: toDecimal(c.total_value_usd),
    count: toInteger(c.count),
    averagePriceUsd: toDecimalOrNull(c.average_price_usd),
    share: toDecimalOrNull(c.share),
    firstAt: c.first_investment_at,
    lastAt: c.last_investment_at,
    currentPriceUsd: toDecimalOrNull(c.current_price_usd),
    currentValueUsd: toDecimalOrNull(c.current_value_usd),
    pnlUsd: toDecimalOrNull(c.unrealized_pnl_usd),
    pnlPercent: toDecimalOrNull(c.unrealized_pnl_pct),
  }));
  coins.sort((a, b) => b.investedUsd.comparedTo(a.investedUsd) || a.coin.localeCompare(b.coin));
  return {
    totalInvestments: toInteger(raw.total_investments),
    investedUsd: toDecimal(raw.total_value_usd),
    coinCount: toInteger(raw.coin_count),
    coins,
    current: {
      available: raw.current.available,
      valueUsd: toDecimalOrNull(raw.current.value_usd),
      pnlUsd: toDecimalOrNull(raw.current.unrealized_pnl_usd),
      pnlPercent: toDecimalOrNull(raw.current.unrealized_pnl_pct),
      reason: raw.current.reason ?? null,
    },
    daily: {
      bucket: raw.daily.bucket,
      points: raw.daily.points.map((p) => ({
        day: p.date.slice(0, 10),
        investedUsd: toDecimal(p.invested_usd),
        cumulativeUsd: toDecimal(p.cumulative_invested_usd),
      })),
    },
  };
}
