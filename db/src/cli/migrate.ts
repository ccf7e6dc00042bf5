// `npm run migrate`: applies pending migrations. Targets MIGRATE_DATABASE_URL when set
// (connect as the schema owner), otherwise the local cluster that `npm start` runs.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCluster } from '../cluster.ts';
import { migrate } from '../migrator.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const url =
  process.env.MIGRATE_DATABASE_URL ??
  describeCluster({
    dir: process.env.CLUSTER_DIR ?? resolve(repoRoot, '.data/cluster'),
    primaryPort: Number(process.env.PRIMARY_PORT ?? 55432),
    replicaPort: Number(process.env.REPLICA_PORT ?? 55433),
  }).url('owner');

try {
  const result = await migrate(url);
  const applied = result.applied.length ? result.applied.join(', ') : 'none (up to date)';
  process.stdout.write(`migrations: ${result.alreadyApplied} already applied; applied now: ${applied}\n`);
} catch (error) {
  process.stderr.write(`migration failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
