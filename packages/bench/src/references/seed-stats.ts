// The seed's design for statistics, as a reference for the flat-cost measurement:
// every GET /stats aggregates the whole investments table (COUNT/SUM, then GROUP BY
// coin) on the replica, as the seed's API did per request. Same pool size and replica
// as the query API; sums are exact (NUMERIC text → Decimal → JSON number).
import { serve } from '@hono/node-server';
import { env, loadConfig, z } from '@crypto-invest/config';
import { Decimal, stringifyJsonExact } from '@crypto-invest/money';
import { Hono } from 'hono';
import pg from 'pg';

const config = loadConfig(
  z.object({
    PORT: env.port(0),
    HOST: env.host(),
    /** The replica, as crypto_query. */
    DATABASE_URL: env.postgresUrl(),
    POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  }),
  process.env,
);

const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.POOL_MAX, application_name: 'bench-seed-stats' });
pool.on('error', () => undefined);

interface TotalsRow {
  total_investments: string;
  total_value_usd: string;
}
interface CoinRow {
  coin_name: string;
  total_amount: string;
  total_value_usd: string;
  count: string;
}

const app = new Hono();
app.get('/stats', async (c) => {
  const totals = await pool.query<TotalsRow>(
    `select count(*)::text as total_investments, coalesce(sum(total_value_usd), 0)::text as total_value_usd from investments`,
  );
  const coins = await pool.query<CoinRow>(
    `select coin_name, sum(amount)::text as total_amount, sum(total_value_usd)::text as total_value_usd, count(*)::text as count
     from investments group by coin_name`,
  );
  const body = {
    total_investments: BigInt(totals.rows[0]!.total_investments),
    total_value_usd: new Decimal(totals.rows[0]!.total_value_usd),
    coins: Object.fromEntries(
      coins.rows.map((r) => [r.coin_name, { total_amount: new Decimal(r.total_amount), total_value_usd: new Decimal(r.total_value_usd), count: BigInt(r.count) }]),
    ),
  };
  return c.body(stringifyJsonExact(body), 200, { 'content-type': 'application/json; charset=utf-8' });
});

const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
const stop = () => server.close(() => void pool.end().finally(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
