import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.ts';
// Brings global-setup's `ProvidedContext` augmentation (the cluster settings) to every consumer's type check.
import type {} from './global-setup.ts';

export { createTestDatabase, TEMPLATE_DATABASE, type TestDatabase } from './database.ts';
export { freePort } from './ports.ts';
export { waitFor } from './wait.ts';
export { startPrivateCluster, type PrivateCluster, type PgServer } from './servers.ts';
export {
  recordInvestment,
  recordInvestments,
  voidInvestment,
  writeInvestmentRecorded,
  writeInvestmentVoided,
  type InvestmentInput,
  type Queryable,
  type WriteOptions,
  type WrittenEvent,
} from './factories.ts';
export { FakeCoinGecko, startFakeCoinGecko } from '@crypto-invest/fake-coingecko';

/** In a test file: a fresh database on the run's primary + replica. */
export function freshDatabase(): Promise<TestDatabase> {
  return createTestDatabase(inject('cluster'));
}
