import { startPrivateCluster, recordInvestments } from '@crypto-invest/testing';
import pg from 'pg';
import { startQueryApi } from './test/harness.ts';
import { projectStatistics } from './test/read-model.ts';
const cluster = await startPrivateCluster();
try {
  const admin = new pg.Client({ connectionString: cluster.url('admin') }); await admin.connect();
  await recordInvestments(admin, Array.from({ length: 10000 }, (_, i) => ({ coin: 'bitcoin', amount: '1', purchasePriceUsd: '2', timestamp: new Date(Date.UTC(2019,0,1) + i*3600000).toISOString() })), { notify: false });
  await projectStatistics(admin); await cluster.caughtUp(cluster.replica);
  const h = await startQueryApi({ replicaUrls: [cluster.url('query', cluster.replica)] });
  for (const path of ['/history?limit=50', '/stats', '/history?limit=50', '/stats']) {
    const t = performance.now(); for (let i = 0; i < 50; i++) await (await h.request(path)).text(); console.log(path, ((performance.now() - t) / 50).toFixed(2), 'ms/req sequential');
  }
  const c = new pg.Client({ connectionString: cluster.url('query', cluster.replica) }); await c.connect();
  let t = performance.now(); for (let i = 0; i < 50; i++) await c.query('select 1'); console.log('select 1', ((performance.now() - t) / 50).toFixed(2));
  t = performance.now(); for (let i = 0; i < 50; i++) { await c.query('begin isolation level repeatable read read only'); await c.query('commit'); } console.log('begin+commit', ((performance.now() - t) / 50).toFixed(2));
  await c.end(); await h.close(); await admin.end();
} finally { await cluster.down(); }
