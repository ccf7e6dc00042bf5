// `npm run failover [-- --yes]`: the failover runbook (db/README.md) on the local cluster of
// `npm start` (or CRYPTO_INVEST_DATA_DIR's, on PRIMARY_PORT / REPLICA_PORT). The primary is
// lost — stopped at once, as in a crash, if it still runs —, the replica is promoted
// (pg_promote) and serves as the primary on the primary's port again, and a new replica is
// cloned from it on the replica's port by the same db/cluster scripts. Running services keep
// their URLs and reconnect; this reports whether each is ready again.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { env, loadConfig, z } from '@crypto-invest/config';
import { clusterFailover, clusterStatus, type ClusterSettings } from '@crypto-invest/db';
import { servicesAfterFailover } from '../failover.ts';
import { CLUSTER_DIR } from '../local-data.ts';

const settings = loadConfig(
  z.object({
    PRIMARY_PORT: env.port(55432),
    REPLICA_PORT: env.port(55433),
    COMMAND_API_PORT: env.port(8000),
    QUERY_API_PORT: env.port(8001),
    PROJECTOR_PORT: env.port(8002),
    DASHBOARD_PORT: env.port(8501),
  }),
  process.env,
);
const cluster: ClusterSettings = { dir: CLUSTER_DIR, primaryPort: settings.PRIMARY_PORT, replicaPort: settings.REPLICA_PORT };
const say = (text: string) => process.stdout.write(text + '\n');

async function confirmLosingThePrimary(): Promise<boolean> {
  if (process.argv.includes('--yes')) return true;
  if (!process.stdin.isTTY) {
    say('The primary is running: failing over stops it as in a crash. Run `npm run failover -- --yes` to do it.');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(
    `The primary (127.0.0.1:${cluster.primaryPort}) is running. Fail over anyway? It is stopped at once, as in a crash: transactions in flight are lost. [y/N] `,
  );
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

try {
  if (!existsSync(join(CLUSTER_DIR, 'secrets.env'))) {
    throw new Error(`there is no local cluster in ${CLUSTER_DIR}: start it with \`npm start\` first`);
  }
  const status = await clusterStatus(cluster);
  if (!/^replica: running$/m.test(status) && !existsSync(join(CLUSTER_DIR, 'replica', 'standby.signal'))) {
    throw new Error(`${CLUSTER_DIR}/replica holds no standby to promote`);
  }
  if (/^primary: running$/m.test(status) && !(await confirmLosingThePrimary())) {
    say('nothing changed.');
    process.exit(1);
  }

  say(`crypto-invest: failing over the local cluster in ${CLUSTER_DIR}`);
  const started = Date.now();
  await clusterFailover(cluster, (line) => say(`  • ${line.replace(/^\[cluster\] /, '')}`));
  say(`\nfailover done in ${((Date.now() - started) / 1000).toFixed(1)} s. What moved:`);
  say(`  primary  127.0.0.1:${cluster.primaryPort}  the promoted replica (its data folder moved from replica/ to primary/)`);
  say(`  replica  127.0.0.1:${cluster.replicaPort}  new: cloned from the new primary with pg_basebackup, streaming`);
  say(`  the lost primary's data stays in ${CLUSTER_DIR}/primary.lost-<time>/: delete it once you no longer need it`);
  say('\nThe services keep their database URLs and reconnect by themselves; checking them:');

  const services = await servicesAfterFailover({
    'command-api': settings.COMMAND_API_PORT,
    'query-api': settings.QUERY_API_PORT,
    projector: settings.PROJECTOR_PORT,
    dashboard: settings.DASHBOARD_PORT,
  });
  const width = Math.max(...services.map((s) => s.service.length));
  for (const s of services) {
    const what = {
      ready: 'ready',
      'not-running': 'not running (npm start starts everything)',
      'not-ready': `not ready (${s.detail}): restart the system (Ctrl-C in the terminal of npm start, then npm start)`,
    }[s.state];
    say(`  ${s.service.padEnd(width)}  ${s.url}  ${what}`);
  }
  process.exitCode = services.some((s) => s.state === 'not-ready') ? 2 : 0;
} catch (error) {
  say(`\nnpm run failover failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
