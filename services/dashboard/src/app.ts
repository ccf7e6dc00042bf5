import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { invalidFields } from '@crypto-invest/contracts';
import { createServiceApp, httpProblem, mountHealth, problemResponse, sendJson } from '@crypto-invest/http';
import type { Logger } from '@crypto-invest/logger';
import { createClientHandler } from './client/serve-client.ts';
import { createCoinSearch } from './coins/coin-search.ts';
import type { Config } from './config.ts';
import { forwardRequest, type ForwardingOptions, type Upstream } from './forwarding/forwarding.ts';
import { createSystemStatus } from './system/system-status.ts';

export interface DashboardDeps {
  config: Config;
  logger: Logger;
  /** Outgoing HTTP (the services, CoinGecko); tests may hand in their own. */
  fetch?: typeof fetch;
}

// A command body is a few hundred bytes; the command API itself refuses more than 16 KB.
// A CSV import is the one large body (config.imports.maxBytes).
const MAX_FORWARDED_BODY = 64 * 1024;
const MAX_QUERY_LENGTH = 64;

/**
 * The dashboard server: serves the single-page app and is the browser's only origin. It forwards
 * /api/command/* and /api/query/* to the services with the API key added here, offers the coin
 * search and a read-only view of the system's health.
 */
export function createApp(deps: DashboardDeps) {
  const { config } = deps;
  const outgoing = deps.fetch ?? fetch;
  const { app } = createServiceApp({ service: 'dashboard', logger: deps.logger });

  mountHealth(app, 'dashboard', async () => ({
    ready: existsSync(join(config.clientDir, 'index.html')),
    checks: { client: { ok: existsSync(join(config.clientDir, 'index.html')), dir: config.clientDir } },
  }));

  // DNS rebinding: a page of another site, its name pointed at 127.0.0.1, would otherwise be
  // same-origin with this server and use the API key it adds. Only known host names get /api/*.
  app.use('/api/*', async (c, next) => {
    // (The URL's host is the request's Host header: @hono/node-server builds the URL from it.)
    if (!hostAllowed(new URL(c.req.url).host, config.allowedHosts)) {
      return problemResponse(
        c,
        httpProblem(403, 'host-not-allowed', 'Host not allowed', 'this dashboard answers /api only under its own host names (ALLOWED_HOSTS)'),
      );
    }
    await next();
  });

  const command: Upstream = { label: 'command API', baseUrl: config.upstreams.command, prefix: '/api/command' };
  const query: Upstream = { label: 'query API', baseUrl: config.upstreams.query, prefix: '/api/query' };
  const forwarding: ForwardingOptions = {
    upstreams: [command, query],
    apiKey: config.apiKey,
    timeoutMs: config.timeouts.upstreamMs,
    maxBodyBytes: MAX_FORWARDED_BODY,
    fetch: outgoing,
  };
  // Registered first: the import's file is the one body allowed to be large, and its answer may
  // start only once the command API has read, checked and priced every row.
  const importForwarding: ForwardingOptions = { ...forwarding, maxBodyBytes: config.imports.maxBytes, timeoutMs: config.imports.timeoutMs };
  app.post(`${command.prefix}/imports`, (c) => forwardRequest(c, command, importForwarding));
  app.all(`${command.prefix}/*`, (c) => forwardRequest(c, command, forwarding));
  app.all(`${query.prefix}/*`, (c) => forwardRequest(c, query, forwarding));

  const searchCoins = createCoinSearch({ ...config.coinSearch, fetch: outgoing });
  app.get('/api/coins/search', async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    if (!q || q.length > MAX_QUERY_LENGTH) {
      throw invalidFields([{ field: 'q', reason: `must be 1 to ${MAX_QUERY_LENGTH} characters` }]);
    }
    return sendJson(c, 200, await searchCoins(q));
  });

  const readSystemStatus = createSystemStatus({
    urls: config.upstreams,
    apiKey: config.apiKey,
    timeoutMs: config.timeouts.statusMs,
    fetch: outgoing,
  });
  app.get('/api/system/status', async (c) => sendJson(c, 200, await readSystemStatus(), { 'cache-control': 'no-store' }));

  const serveClient = createClientHandler(config.clientDir);
  app.get('*', (c) => {
    if (c.req.path === '/api' || c.req.path.startsWith('/api/')) {
      return problemResponse(c, httpProblem(404, 'not-found', 'Not found', `there is no ${c.req.method} ${c.req.path}`));
    }
    return serveClient(c);
  });

  return app;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The Host header's name (without port) is a loopback name or one of `allowed`. */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return LOOPBACK_HOSTS.has(name) || allowed.includes(name);
}
