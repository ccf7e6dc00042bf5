import { describe, expect, it } from 'vitest';
import { ConfigError } from '@crypto-invest/config';
import { loadCommandApiConfig } from './config.ts';

const base = { DATABASE_URL: 'postgres://crypto_command:secret@127.0.0.1:55432/crypto_invest', API_KEYS: 'k'.repeat(32) };

describe('command API configuration', () => {
  it('has local-development defaults for everything but the database and the keys', () => {
    const config = loadCommandApiConfig(base);
    expect(config).toMatchObject({
      http: { host: '127.0.0.1', port: 8000 },
      database: { poolMax: 20 },
      queryApiPublicUrl: 'http://127.0.0.1:8001',
      auth: { mode: 'required', keys: ['k'.repeat(32)] },
      prices: { baseUrl: undefined, demoApiKey: undefined, proApiKey: undefined, cacheTtlMs: 60_000, budgetMs: 5_000, timeoutMs: 2_000 },
      idempotency: { ttlHours: 24 },
      writeRateLimit: { requestsPerSecond: 1_000, burst: 2_000 },
      cors: { origins: ['http://127.0.0.1:8501', 'http://localhost:8501'] },
    });
  });

  it('reads the write rate limit and the CORS origins', () => {
    const config = loadCommandApiConfig({
      ...base,
      WRITE_RATE_LIMIT_PER_SECOND: '2.5',
      WRITE_RATE_LIMIT_BURST: '5',
      CORS_ORIGINS: 'https://invest.example.com, http://127.0.0.1:9501',
    });
    expect(config.writeRateLimit).toEqual({ requestsPerSecond: 2.5, burst: 5 });
    expect(config.cors.origins).toEqual(['https://invest.example.com', 'http://127.0.0.1:9501']);
  });

  it('reads the CoinGecko settings, treating empty values as unset', () => {
    const config = loadCommandApiConfig({
      ...base,
      COINGECKO_BASE_URL: 'http://127.0.0.1:9999/api/v3',
      COINGECKO_DEMO_API_KEY: 'demo-key',
      COINGECKO_PRO_API_KEY: '',
      PRICE_CACHE_TTL_MS: '0',
      PRICE_BUDGET_MS: '1500',
      QUERY_API_PUBLIC_URL: 'https://query.example.com/',
    });
    expect(config.prices).toMatchObject({ baseUrl: 'http://127.0.0.1:9999/api/v3', demoApiKey: 'demo-key', proApiKey: undefined, cacheTtlMs: 0, budgetMs: 1500 });
    expect(config.queryApiPublicUrl).toBe('https://query.example.com');
  });

  it.each([
    [{ COINGECKO_DEMO_API_KEY: 'a', COINGECKO_PRO_API_KEY: 'b' }, 'COINGECKO_PRO_API_KEY'],
    [{ COINGECKO_BASE_URL: 'not a url' }, 'COINGECKO_BASE_URL'],
    [{ PRICE_BUDGET_MS: '10' }, 'PRICE_BUDGET_MS'],
    [{ IDEMPOTENCY_KEY_TTL_HOURS: '1' }, 'IDEMPOTENCY_KEY_TTL_HOURS'],
    [{ API_KEYS: '' }, 'API_KEYS'],
    [{ AUTH: 'disabled', API_KEYS: '', HOST: '0.0.0.0' }, 'AUTH'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'http://127.0.0.1:8501/app' }, 'CORS_ORIGINS'],
    [{ WRITE_RATE_LIMIT_PER_SECOND: '0' }, 'WRITE_RATE_LIMIT_PER_SECOND'],
    [{ WRITE_RATE_LIMIT_BURST: '0' }, 'WRITE_RATE_LIMIT_BURST'],
  ])('refuses %j', (override, variable) => {
    expect(() => loadCommandApiConfig({ ...base, ...override })).toThrow(ConfigError);
    expect(() => loadCommandApiConfig({ ...base, ...override })).toThrow(variable);
  });
});

describe('command API configuration: imports', () => {
  it('reads IMPORT_MAX_BYTES (default 64 MiB) and refuses a value out of range', () => {
    expect(loadCommandApiConfig(base).imports).toEqual({ maxBytes: 64 * 1024 * 1024 });
    expect(loadCommandApiConfig({ ...base, IMPORT_MAX_BYTES: '1048576' }).imports).toEqual({ maxBytes: 1_048_576 });
    expect(() => loadCommandApiConfig({ ...base, IMPORT_MAX_BYTES: '10' })).toThrow(ConfigError);
    expect(() => loadCommandApiConfig({ ...base, IMPORT_MAX_BYTES: 'a lot' })).toThrow(ConfigError);
  });
});
