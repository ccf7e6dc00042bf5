export { migrate, type MigrateResult } from './migrator.ts';
export { migrations } from './migrations/index.ts';
export { LATEST_MIGRATION } from './schema-version.ts';
export {
  CLUSTER_SCRIPT,
  DATABASE_NAME,
  ROLES,
  type RoleName,
  type ClusterSettings,
  type Cluster,
  clusterUp,
  clusterDown,
  clusterStatus,
  clusterFailover,
  describeCluster,
  readSecrets,
} from './cluster.ts';
