import { ConfigError } from '@crypto-invest/config';
import { describe, expect, it } from 'vitest';
import { loadDashboardConfig } from './config.ts';

describe('loadDashboardConfig', () => {
  it('has local defaults for every service address and no API key', () => {
    const config = loadDashboardConfig({});
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8501 });
    expect(config.upstreams).toEqual({ command: 'http://127.0.0.1:8000', query: 'http://127.0.0.1:8001', projector: 'http://127.0.0.1:8002' });
    expect(config.apiKey).toBeUndefined();
    expect(config.clientDir).toMatch(/services\/dashboard\/dist\/client\/$/);
  });

  it('takes the key and addresses (trailing slashes dropped); an empty key means none', () => {
    const config = loadDashboardConfig({ DASHBOARD_API_KEY: 'k'.repeat(24), QUERY_API_URL: 'http://q:9/', COINGECKO_BASE_URL: 'http://cg/api/v3/' });
    expect(config.apiKey).toBe('k'.repeat(24));
    expect(config.upstreams.query).toBe('http://q:9');
    expect(config.coinSearch.baseUrl).toBe('http://cg/api/v3');
    expect(loadDashboardConfig({ DASHBOARD_API_KEY: '' }).apiKey).toBeUndefined();
  });

  it('allows imports up to the command API\'s 64 MiB, with a longer wait than other calls, both settable', () => {
    expect(loadDashboardConfig({}).imports).toEqual({ maxBytes: 64 * 1024 * 1024, timeoutMs: 300_000 });
    expect(loadDashboardConfig({ IMPORT_MAX_BYTES: '1048576', IMPORT_TIMEOUT_MS: '5000' }).imports).toEqual({ maxBytes: 1048576, timeoutMs: 5000 });
    expect(() => loadDashboardConfig({ IMPORT_MAX_BYTES: '64MB' })).toThrow(/IMPORT_MAX_BYTES/);
  });

  it('refuses a short key or a bad address, naming the variable', () => {
    expect(() => loadDashboardConfig({ DASHBOARD_API_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadDashboardConfig({ COMMAND_API_URL: 'not a url' })).toThrow(/COMMAND_API_URL/);
  });
});
