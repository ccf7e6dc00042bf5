/**
 * The query parameters of the `rel="next"` link of an RFC 8288 Link header
 * (`</api/query/history?limit=50&cursor=abc>; rel="next"` → `{limit: '50', cursor: 'abc'}`),
 * or null when there is no next page.
 */
export function nextPageQuery(header: string | null): Record<string, string> | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rels = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2]!)?.[1]?.toLowerCase().split(/\s+/) ?? [];
    if (!rels.includes('next')) continue;
    const url = new URL(match[1]!, 'http://dashboard.invalid/');
    return Object.fromEntries(url.searchParams);
  }
  return null;
}
