import { fileURLToPath } from 'node:url';
import { env, loadConfig, z } from '@crypto-invest/config';

// src/config.ts and the bundled dist/index.js both sit one folder below the workspace,
// so the built client is found the same way from either.
const BUILT_CLIENT_DIR = fileURLToPath(new URL('../dist/client/', import.meta.url));

const baseUrl = () => env.url().transform((url) => url.replace(/\/+$/, ''));

/** Every setting of the dashboard server, validated once at start-up. Only this file reads process.env. */
const Schema = z
  .object({
    NODE_ENV: env.nodeEnv(),
    HOST: env.host(),
    PORT: env.port(8501),
    LOG_LEVEL: env.logLevel(),
    COMMAND_API_URL: baseUrl().default('http://127.0.0.1:8000'),
    QUERY_API_URL: baseUrl().default('http://127.0.0.1:8001'),
    PROJECTOR_URL: baseUrl().default('http://127.0.0.1:8002'),
    /**
     * Sent as `Authorization: Bearer …` to the services, from this server only: the browser never
     * sees it. Optional because the services may run with AUTH=disabled.
     */
    DASHBOARD_API_KEY: z
      .string()
      .optional()
      .transform((key) => key?.trim() || undefined)
      .pipe(z.string().min(24, "must be at least 24 characters (one of the services' API_KEYS)").optional()),
    /** CoinGecko-compatible API for the coin picker's search (the local fake in tests). */
    COINGECKO_BASE_URL: baseUrl().default('https://api.coingecko.com/api/v3'),
    /** Longest wait for an upstream's response headers before answering 503 (streams then flow freely). */
    UPSTREAM_TIMEOUT_MS: env.milliseconds(10_000),
    /**
     * Largest CSV file `POST /api/command/imports` passes on (streamed, never held whole). Keep it
     * equal to the command API's IMPORT_MAX_BYTES: a larger one here only moves the refusal there.
     */
    IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
    /**
     * Longest an import may go without progress before the command API's answer begins: the
     * command API checks and prices the rows while the file streams in and answers only after the
     * last one, so this is longer than UPSTREAM_TIMEOUT_MS.
     */
    IMPORT_TIMEOUT_MS: env.milliseconds(300_000),
    /** Longest wait for each /ready and /admin/status probe of the system view. */
    STATUS_TIMEOUT_MS: env.milliseconds(2_000),
    /** Longest wait for the coin search before the built-in list answers instead. */
    COIN_SEARCH_TIMEOUT_MS: env.milliseconds(3_000),
    /**
     * Host names (comma-separated, no port) under which browsers may reach /api/* besides
     * loopback ones (127.0.0.1, localhost, [::1]): this server adds the API key, so a page on
     * another site whose name an attacker points at 127.0.0.1 (DNS rebinding) must not use it.
     */
    ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)),
    /** Folder of the Vite-built single-page app. */
    CLIENT_DIR: z.string().min(1).default(BUILT_CLIENT_DIR),
  })
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    http: { host: c.HOST, port: c.PORT },
    logLevel: c.LOG_LEVEL,
    upstreams: { command: c.COMMAND_API_URL, query: c.QUERY_API_URL, projector: c.PROJECTOR_URL },
    apiKey: c.DASHBOARD_API_KEY,
    coinSearch: { baseUrl: c.COINGECKO_BASE_URL, timeoutMs: c.COIN_SEARCH_TIMEOUT_MS },
    timeouts: { upstreamMs: c.UPSTREAM_TIMEOUT_MS, statusMs: c.STATUS_TIMEOUT_MS },
    imports: { maxBytes: c.IMPORT_MAX_BYTES, timeoutMs: c.IMPORT_TIMEOUT_MS },
    clientDir: c.CLIENT_DIR,
    allowedHosts: c.ALLOWED_HOSTS,
  }));

export type Config = z.output<typeof Schema>;

export const loadDashboardConfig = (environment: Record<string, string | undefined>): Config => loadConfig(Schema, environment);
