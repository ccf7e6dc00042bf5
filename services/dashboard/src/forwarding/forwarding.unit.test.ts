import { describe, expect, it } from 'vitest';
import { rewriteLinkHeader, rewriteUrl, type Upstream } from './forwarding.ts';

const command: Upstream = { label: 'command API', baseUrl: 'http://127.0.0.1:8000', prefix: '/api/command' };
const query: Upstream = { label: 'query API', baseUrl: 'http://127.0.0.1:8001', prefix: '/api/query' };
const behindPath: Upstream = { label: 'query API', baseUrl: 'http://10.0.0.5:9000/query', prefix: '/api/query' };
const all = [command, query, behindPath];

describe('rewriteUrl', () => {
  it('maps a path of the answering service below its prefix', () => {
    expect(rewriteUrl('/investments/7', command, all)).toBe('/api/command/investments/7');
    expect(rewriteUrl('/history?limit=50&cursor=abc', query, all)).toBe('/api/query/history?limit=50&cursor=abc');
  });

  it('maps an absolute URL of any known service (the command API redirects reads to the query API)', () => {
    expect(rewriteUrl('http://127.0.0.1:8001/history?coin=bitcoin', command, all)).toBe('/api/query/history?coin=bitcoin');
    expect(rewriteUrl('http://10.0.0.5:9000/query/stats', command, all)).toBe('/api/query/stats');
  });

  it('leaves URLs of anything else alone', () => {
    expect(rewriteUrl('https://example.org/x', command, all)).toBe('https://example.org/x');
    expect(rewriteUrl('//example.org/x', command, all)).toBe('//example.org/x');
    expect(rewriteUrl('http://10.0.0.5:9000/other', command, all)).toBe('http://10.0.0.5:9000/other');
  });
});

describe('rewriteLinkHeader', () => {
  it('rewrites every link and keeps the parameters', () => {
    const header = '</history?limit=2&cursor=a>; rel="next", <http://127.0.0.1:8001/history?limit=2>; rel="first"';
    expect(rewriteLinkHeader(header, query, all)).toBe(
      '</api/query/history?limit=2&cursor=a>; rel="next", </api/query/history?limit=2>; rel="first"',
    );
  });
});
