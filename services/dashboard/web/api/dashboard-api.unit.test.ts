import { describe, expect, it } from 'vitest';
import { createDashboardApi } from './dashboard-api.ts';
import { ApiError } from './api-error.ts';
import { nextPageQuery } from './link-header.ts';

const INVESTMENT =
  '{"id":7,"coin_name":"shiba-inu","amount":123456789.123456789012345678,"purchase_price_usd":0.0000001234,"total_value_usd":15.234567901234567901,"timestamp":"2024-06-01T11:00:00.000Z","price_source":"user","voided":false,"voided_at":null';

/** A fetch that answers from a table and remembers the requests. */
function fakeFetch(answer: (request: Request) => Response) {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(request);
    return answer(request);
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

const json = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });

describe('createDashboardApi', () => {
  it('records through /api/command with the Idempotency-Key and keeps every digit of the answer', async () => {
    const { fetch, requests } = fakeFetch(() => json(`${INVESTMENT},"consistency_token":"812.7"}`, 201));
    const api = createDashboardApi({ origin: 'http://dashboard.test', fetch });
    const result = await api.recordInvestment({ coin: 'shiba-inu', amount: '123456789.123456789012345678', purchase_price_usd: '0.0000001234' }, 'key-1');

    expect(requests[0]!.url).toBe('http://dashboard.test/api/command/investments');
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.headers.get('idempotency-key')).toBe('key-1');
    expect(await requests[0]!.text()).toBe('{"coin":"shiba-inu","amount":"123456789.123456789012345678","purchase_price_usd":"0.0000001234"}');
    // JSON.parse would have made these 123456789.12345679 and 15.234567901234567.
    expect(result.investment.amount.toFixed()).toBe('123456789.123456789012345678');
    expect(result.investment.totalUsd.toFixed()).toBe('15.234567901234567901');
    expect(result.investment.priceUsd.toFixed()).toBe('0.0000001234');
    expect(result.investment.id).toBe(7);
    expect(result.consistencyToken).toBe('812.7');
  });

  it('reads the history with the consistency token, the filters and the next page from the Link header', async () => {
    const { fetch, requests } = fakeFetch(() =>
      json(`[${INVESTMENT}}]`, 200, { link: '</api/query/history?limit=1&cursor=abc>; rel="next"', 'x-projection-position': '812.7' }),
    );
    const api = createDashboardApi({ origin: 'http://dashboard.test', fetch });
    const read = await api.listHistory({ limit: 1, coin: 'shiba-inu', includeVoided: true }, '812.7');
    const url = new URL(requests[0]!.url);
    expect(url.pathname).toBe('/api/query/history');
    expect(Object.fromEntries(url.searchParams)).toEqual({ limit: '1', coin: 'shiba-inu', include_voided: 'true' });
    expect(requests[0]!.headers.get('x-consistency-token')).toBe('812.7');
    expect(read.data.items[0]!.amount.toFixed()).toBe('123456789.123456789012345678');
    expect(read.data.next).toEqual({ limit: '1', cursor: 'abc' });
    expect(read).toMatchObject({ position: '812.7', stale: false });
  });

  it('turns problems and network failures into ApiErrors that say what happened', async () => {
    const problem = '{"type":"/problems/validation-failed","status":400,"detail":"amount: must be greater than 0","errors":[{"field":"amount","reason":"must be greater than 0"}]}';
    const api = createDashboardApi({ origin: 'http://dashboard.test', fetch: fakeFetch(() => new Response(problem, { status: 400, headers: { 'content-type': 'application/problem+json' } })).fetch });
    const failure = await api.recordInvestment({ coin: 'bitcoin', amount: '-1' }, 'k').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).fieldErrors).toEqual({ amount: 'must be greater than 0' });
    expect((failure as ApiError).unreachable).toBe(false);

    const down = createDashboardApi({
      origin: 'http://dashboard.test',
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    const offline = await down.readStats(null).catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(ApiError);
    expect((offline as ApiError).unreachable).toBe(true);
  });
});

describe('nextPageQuery', () => {
  it('finds the next link among others', () => {
    expect(nextPageQuery('</h?limit=2>; rel="first", </h?limit=2&cursor=x%3D>; rel="next"')).toEqual({ limit: '2', cursor: 'x=' });
    expect(nextPageQuery('</h?cursor=y>; rel=next')).toEqual({ cursor: 'y' });
    expect(nextPageQuery('</h?limit=2>; rel="prev"')).toBeNull();
    expect(nextPageQuery(null)).toBeNull();
  });
});
