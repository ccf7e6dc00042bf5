export {
  startSystem,
  serviceEnvironment,
  DEFAULT_PORTS,
  REPO_ROOT,
  SERVICE_ORDER,
  type ServiceName,
  type SystemOptions,
  type SystemPorts,
  type RunningSystem,
} from './system.ts';
export { spawnNodeProcess, stopProcess, waitHealthy, type ManagedProcess } from './processes.ts';
export { DATA_DIR, CLUSTER_DIR, LOG_DIR, localApiKey } from './local-data.ts';
export { servicesAfterFailover, type ServiceAfterFailover } from './failover.ts';
