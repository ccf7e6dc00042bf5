// vitest globalSetup: one real primary + streaming replica for the whole test run,
// made by the same db/cluster scripts as `npm start`, on free ports in a temporary
// folder; a migrated template database that each test file clones. Torn down at the
// end even when tests fail.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, migrate, type ClusterSettings } from '@crypto-invest/db';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { freePort } from './ports.ts';
import { TEMPLATE_DATABASE } from './database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterSettings;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'crypto-invest-test-'));
  const settings: ClusterSettings = { dir, primaryPort: await freePort(), replicaPort: await freePort() };
  const started = Date.now();
  try {
    const cluster = await clusterUp(settings);
    const admin = new pg.Client({ connectionString: cluster.url('admin', { database: 'postgres' }) });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE} OWNER crypto_owner`);
    await admin.end();
    await migrate(cluster.url('owner', { database: TEMPLATE_DATABASE }));
  } catch (error) {
    // A cluster that came up halfway must not outlive a failed setup.
    await clusterDown(settings).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  process.stderr.write(`[test cluster] primary :${settings.primaryPort} + replica :${settings.replicaPort} ready in ${Date.now() - started} ms (${dir})\n`);
  project.provide('cluster', settings);

  return async () => {
    try {
      await clusterDown(settings);
    } finally {
      if (!process.env.KEEP_TEST_CLUSTER) await rm(dir, { recursive: true, force: true });
    }
  };
}
