export {
  createPool,
  withTransaction,
  sqlState,
  isConnectionError,
  isConnectFailure,
  errorSummary,
  type Pool,
  type PoolClient,
  type PoolSettings,
  type QueryResultRow,
  type Isolation,
} from './pool.ts';
export { checkPrimary } from './readiness.ts';
