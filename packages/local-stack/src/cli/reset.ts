// `npm run reset [-- --yes]`: stops the local cluster and deletes all local data
// (databases, generated passwords and API key, logs) after asking.
import { existsSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { clusterDown } from '@crypto-invest/db';
import { CLUSTER_DIR, DATA_DIR } from '../local-data.ts';

if (!existsSync(DATA_DIR)) {
  process.stdout.write(`nothing to reset: ${DATA_DIR} does not exist\n`);
  process.exit(0);
}
if (!process.argv.includes('--yes')) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`Delete ${DATA_DIR} — every investment, event, generated password and API key? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) {
    process.stdout.write('kept everything.\n');
    process.exit(0);
  }
}
if (existsSync(`${CLUSTER_DIR}/primary`)) {
  await clusterDown({
    dir: CLUSTER_DIR,
    primaryPort: Number(process.env.PRIMARY_PORT ?? 55432),
    replicaPort: Number(process.env.REPLICA_PORT ?? 55433),
  }).catch(() => undefined);
}
rmSync(DATA_DIR, { recursive: true, force: true });
process.stdout.write(`deleted ${DATA_DIR}\n`);
