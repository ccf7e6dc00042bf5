import { invalidFields, type FieldProblem } from '@crypto-invest/contracts';
import { decodeCursor } from './history-cursor.ts';
import type { HistoryFilter, HistoryPage } from './history-query.ts';

export interface HistoryRequestQuery {
  coin?: string;
  from?: string;
  to?: string;
  include_voided?: 'true' | 'false';
  limit?: string;
  cursor?: string;
}

const COIN_ID = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// ISO 8601 with Z or an offset: an instant without one would depend on a time zone we cannot know.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const LIMIT = /^[0-9]{1,4}$/;

/** Validates the query of GET /history into a filter and an optional page; every bad field is named. */
export function parseHistoryRequest(query: HistoryRequestQuery, maxPage: number): { filter: HistoryFilter; page?: HistoryPage } {
  const problems: FieldProblem[] = [];
  let coin: string | undefined;
  if (query.coin !== undefined) {
    coin = query.coin.trim().toLowerCase();
    if (!COIN_ID.test(coin)) problems.push({ field: 'coin', reason: 'must be a CoinGecko coin id such as bitcoin or shiba-inu' });
  }
  const from = instant(query.from, 'from', problems);
  const to = instant(query.to, 'to', problems);
  if (from && to && Date.parse(from) >= Date.parse(to)) problems.push({ field: 'to', reason: 'must be later than from' });

  let limit: number | undefined;
  if (query.limit !== undefined) {
    limit = LIMIT.test(query.limit) ? Number(query.limit) : NaN;
    if (!(limit >= 1 && limit <= maxPage)) problems.push({ field: 'limit', reason: `must be an integer from 1 to ${maxPage}` });
  }
  let after;
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor);
    if (!after) problems.push({ field: 'cursor', reason: 'is not a cursor this API issued; follow the Link header of the previous page' });
    else if (query.limit === undefined) problems.push({ field: 'cursor', reason: 'needs limit (a cursor continues a paged list)' });
  }
  if (problems.length > 0) throw invalidFields(problems);

  const filter: HistoryFilter = { coin, from, to, includeVoided: query.include_voided === 'true' };
  return limit === undefined ? { filter } : { filter, page: { limit, after } };
}

/** The instant as text PostgreSQL reads unambiguously (a bare date is 00:00 UTC). */
function instant(text: string | undefined, field: string, problems: FieldProblem[]): string | undefined {
  if (text === undefined) return undefined;
  const value = text.trim();
  const normalized = DATE.test(value) ? `${value}T00:00:00Z` : value;
  if ((!DATE.test(value) && !DATE_TIME.test(value)) || Number.isNaN(Date.parse(normalized)) || !validCalendarDate(value)) {
    problems.push({ field, reason: 'must be an ISO 8601 date (2021-03-14) or date-time with Z or an offset (2021-03-14T09:30:00Z)' });
    return undefined;
  }
  return normalized;
}

// Date.parse accepts 2021-02-30 (rolling over to March): refuse days that do not exist.
function validCalendarDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** The next page's URL, relative to the request's (so it also works behind a proxy that adds a prefix). */
export function nextPageLink(requestUrl: string, cursor: string): string {
  const url = new URL(requestUrl);
  url.searchParams.set('cursor', cursor);
  const last = url.pathname.split('/').pop() || 'history';
  return `<${last}?${url.searchParams.toString()}>; rel="next"`;
}
