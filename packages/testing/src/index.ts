import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.ts';

export { createTestDatabase, TEMPLATE_DATABASE, type TestDatabase } from './database.ts';
export { freePort } from './ports.ts';
export { waitFor } from './wait.ts';
export { FakeCoinGecko, startFakeCoinGecko } from '@crypto-invest/fake-coingecko';

/** In a test file: a fresh database on the run's primary + replica. */
export function freshDatabase(): Promise<TestDatabase> {
  return createTestDatabase(inject('cluster'));
}
