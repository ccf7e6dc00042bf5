import type { ChildProcess } from 'node:child_process';
import type { BenchSystem } from '../environment/system.ts';
import { requestOnce, runHttpLoad } from '../load/http-load.ts';
import { findPgBin, runPgbench, writeTransactionScript } from '../load/pgbench.ts';
import type { BenchPlan } from '../options.ts';
import type { Progress } from '../progress.ts';
import type { BenchResult } from '../result.ts';
import { countInvestments } from './flat-cost.ts';
import { compared } from './reads.ts';

export type WritePathFigures = BenchResult['write_path'];

/** The purchase every write records: the seed's body, numbers as JSON numbers (read digit for digit by the API). */
export const PURCHASE = { coin: 'bitcoin', amount: '0.123456789012345678', price: '34235.19345' };

export const WRITE_PATH_REFERENCE =
  "pgbench at the same concurrency: the command API's write (insert investment + insert event + pg_notify, the same single " +
  'statement) straight at PostgreSQL, extended protocol, command role';

/**
 * POST /invest at each concurrency — with an explicit price, and without one (the
 * price service's cached CoinGecko price, from the local fake) — next to pgbench
 * running the same transaction at the same concurrency right before. The projector is
 * running throughout and applies every event, pgbench's included, as in production.
 */
export async function runWritePath(
  plan: BenchPlan,
  system: BenchSystem,
  progress: Progress,
  onChild: (child: ChildProcess | undefined) => void,
): Promise<WritePathFigures> {
  const url = `${system.commandUrl}/invest`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${system.apiKey}` };
  const explicit = `{"coin":"${PURCHASE.coin}","amount":${PURCHASE.amount},"purchase_price_usd":${PURCHASE.price}}`;
  const cached = `{"coin":"${PURCHASE.coin}","amount":${PURCHASE.amount}}`;
  const pgBin = await findPgBin();
  const script = writeTransactionScript(PURCHASE);
  const investmentsBefore = await countInvestments(system.db.primaryAdmin);

  progress.start('write-warmup');
  // The first cached-price request fills the price cache from the fake CoinGecko.
  await requestOnce({ url, method: 'POST', body: explicit, headers });
  const priced = await (await requestOnce({ url, method: 'POST', body: cached, headers })).json() as { price_source?: string };
  if (priced.price_source !== 'coingecko') throw new Error(`POST /invest without a price recorded price_source ${priced.price_source}, expected coingecko`);
  if (plan.warmupSeconds > 0) await runHttpLoad({ url, method: 'POST', body: explicit, headers, connections: 8, seconds: plan.warmupSeconds });

  const rows: WritePathFigures['rows'] = [];
  for (const connections of plan.writeConnections) {
    progress.start(`write-${connections}`, 'pgbench (reference)');
    const pgbench = await runPgbench({
      pgBin,
      url: system.db.primaryCommand,
      script,
      connections,
      seconds: plan.measureSeconds,
      workDir: system.workDir,
      onChild,
    });
    progress.detail('POST /invest, explicit price');
    const withPrice = await runHttpLoad({ url, method: 'POST', body: explicit, headers, connections, seconds: plan.measureSeconds });
    progress.detail('POST /invest, cached CoinGecko price');
    const withCachedPrice = await runHttpLoad({ url, method: 'POST', body: cached, headers, connections, seconds: plan.measureSeconds });
    const row = { connections, pgbench, explicit_price: compared(withPrice, pgbench), cached_price: compared(withCachedPrice, pgbench) };
    progress.say(
      `  ${connections} connections: pgbench ${Math.round(pgbench.requests_per_second)} tx/s, POST /invest ${Math.round(withPrice.requests_per_second)} req/s ` +
        `(${row.explicit_price.ratio_to_reference.toFixed(2)}×), cached price ${Math.round(withCachedPrice.requests_per_second)} req/s (${row.cached_price.ratio_to_reference.toFixed(2)}×)`,
    );
    rows.push(row);
  }
  return { endpoint: 'POST /invest', reference: WRITE_PATH_REFERENCE, investments_before: investmentsBefore, rows };
}
