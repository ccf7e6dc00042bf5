import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSystem, type RunningSystem, type ServiceName } from '@crypto-invest/local-stack';
import { freePort, startFakeCoinGecko, startPrivateCluster, waitFor, type FakeCoinGecko, type PrivateCluster } from '@crypto-invest/testing';
import pg from 'pg';
import { checkBooks, type Check } from './books.ts';
import { planFaults, type FaultCounts } from './fault-plan.ts';
import { inject, type InjectedFault } from './injectors.ts';
import { intentOutcome, Ledger } from './ledger.ts';
import { seededRandom } from './random.ts';
import { startHeldTransactionWriter, startHttpWriter, startReader, startVoider, type Worker, type WriteContext } from './writers.ts';

export const FAULT_API_KEY = 'fault-suite-key-0123456789abcdefghij';
const SERVICES: ServiceName[] = ['projector', 'command-api', 'query-api'];

export interface FaultRunOptions {
  faults: FaultCounts;
  seed: number;
  /** Concurrent HTTP writers (each waits for its answer before the next write). */
  writers: number;
  /** Random pause before each fault, while writes flow. */
  pauseMs: { min: number; max: number };
  /** Progress lines (a long run shows where it is). */
  progress?: (line: string) => void;
}

export interface FaultRunResult {
  seed: number;
  injected: InjectedFault[];
  checks: Check[];
  ledger: Ledger;
  /** Services that exited by themselves (not by our SIGKILL) during the run. */
  unexpectedExits: string[];
  durationMs: number;
}

/**
 * The whole system (projector, command API, query API as real processes) on a private
 * primary + replica, under a stream of writes, while faults are injected one after the
 * other at random moments; then the books are checked. Everything started here is
 * stopped at the end, also when something fails.
 */
export async function runFaults(options: FaultRunOptions): Promise<FaultRunResult> {
  const started = Date.now();
  const say = options.progress ?? (() => undefined);
  const random = seededRandom(options.seed);
  const logDir = await mkdtemp(join(tmpdir(), 'crypto-invest-faults-'));
  let cluster: PrivateCluster | undefined;
  let fake: FakeCoinGecko | undefined;
  let system: RunningSystem | undefined;
  const workers: Worker[] = [];
  const unexpectedExits: string[] = [];
  const recentLines = new Map<ServiceName, string[]>();
  try {
    say('starting a private primary + replica, the fake CoinGecko and the services');
    cluster = await startPrivateCluster();
    fake = await startFakeCoinGecko();
    const ports = { 'command-api': await freePort(), 'query-api': await freePort(), projector: await freePort(), dashboard: await freePort() };
    system = await startSystem({
      cluster: cluster.cluster,
      ports,
      apiKeys: [FAULT_API_KEY],
      coingeckoBaseUrl: fake.url,
      logDir,
      only: SERVICES,
      env: { LOG_LEVEL: 'info' },
      onLine: (service, line) => {
        const lines = recentLines.get(service) ?? [];
        lines.push(line);
        if (lines.length > 30) lines.shift();
        recentLines.set(service, lines);
      },
      serviceEnv: {
        // No price cache, short budgets: CoinGecko's faults reach the writes, and a write without a price fails fast.
        'command-api': { PRICE_CACHE_TTL_MS: '0', PRICE_BUDGET_MS: '1500', PRICE_TIMEOUT_MS: '500', DATABASE_POOL_MAX: '10' },
        'query-api': { PRICE_WAIT_MS: '300', PRICE_CACHE_TTL_MS: '5000', REPLICA_POOL_SIZE: '5' },
      },
    });
    const running = system;
    const killedOnPurpose = new Set<number>();
    const watchExits = (names: ServiceName[]) => {
      for (const name of names) {
        const proc = running.processes.get(name)!;
        void proc.exited.then((code) => {
          if (killedOnPurpose.has(proc.child.pid!) || stopping) return;
          const last = (recentLines.get(name) ?? []).slice(-6).map((line) => line.slice(0, 400));
          unexpectedExits.push(`${name} (pid ${proc.child.pid}) exited ${code} at +${((Date.now() - started) / 1000).toFixed(1)} s; its last lines:\n      ${last.join('\n      ')}`);
        });
      }
    };
    let stopping = false;
    watchExits(SERVICES);

    const writes: WriteContext = {
      ledger: new Ledger(),
      random,
      commandApi: system.urls['command-api'],
      queryApi: system.urls['query-api'],
      apiKey: FAULT_API_KEY,
      commandDatabaseUrl: cluster.url('command'),
    };
    let newestToken: string | undefined;
    const tokenTracker = setInterval(() => {
      void cluster!
        .admin(`select transaction_id::text || '.' || id as token from events order by transaction_id desc, id desc limit 1`)
        .then((r) => (newestToken = r.rows[0]?.token ?? newestToken))
        .catch(() => undefined);
    }, 500);
    for (let i = 1; i <= options.writers; i++) workers.push(startHttpWriter(writes, `http writer ${i}`));
    workers.push(startVoider(writes), startReader(writes, () => newestToken), startHeldTransactionWriter(writes));

    const plan = planFaults(options.faults, random, options.pauseMs);
    const injected: InjectedFault[] = [];
    for (const [index, fault] of plan.entries()) {
      await sleep(fault.pauseBeforeMs);
      const at = Date.now();
      if (fault.kind === 'projector-sigkill') killedOnPurpose.add(system.processes.get('projector')!.child.pid!);
      const detail = await inject(fault.kind, { system, cluster, fake, writes, random });
      if (fault.kind === 'projector-sigkill') watchExits(['projector']);
      injected.push({ kind: fault.kind, at: at - started, ms: Date.now() - at, detail });
      say(`fault ${index + 1}/${plan.length} ${fault.kind}: ${detail} — ${writes.ledger.intents.length} writes so far`);
    }
    await sleep(1_000);
    say('stopping the writers');
    stopping = true;
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    clearInterval(tokenTracker);
    fake.clearFaults();
    fake.setDelay(0);

    const checks = await settleAndCheck(cluster, system, writes.ledger, say);
    return { seed: options.seed, injected, checks, ledger: writes.ledger, unexpectedExits, durationMs: Date.now() - started };
  } finally {
    await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
    await system?.stop().catch(() => undefined);
    await fake?.close().catch(() => undefined);
    await cluster?.down().catch(() => undefined);
    if (!process.env.KEEP_TEST_CLUSTER) await rm(logDir, { recursive: true, force: true });
  }
}

/** Waits until the projector has applied the whole log and the replica has replayed it, then checks. */
async function settleAndCheck(cluster: PrivateCluster, system: RunningSystem, ledger: Ledger, say: (line: string) => void): Promise<Check[]> {
  const primary = new pg.Client({ connectionString: cluster.url('admin') });
  const replica = new pg.Client({ connectionString: cluster.url('admin', cluster.replica) });
  await primary.connect();
  await replica.connect();
  try {
    const positions = async () =>
      (
        await primary.query<{ checkpoint: string; newest: string }>(
          `select c.last_transaction_id::text || '.' || c.last_event_id as checkpoint,
                  coalesce((select transaction_id::text || '.' || id from events order by transaction_id desc, id desc limit 1), '0.0') as newest
             from projections p join projection_checkpoints c on c.projection = p.name and c.generation = p.active_generation`,
        )
      ).rows[0]!;
    say('waiting for the projector to apply the whole log');
    const settled = Date.now();
    const { newest } = await waitFor(async () => {
      const p = await positions();
      return p.checkpoint === p.newest ? p : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100, what: 'the projector to reach the newest event' });
    await cluster.caughtUp(cluster.replica, 60_000);
    say(`caught up in ${Date.now() - settled} ms at ${newest}; checking the books`);
    const checks = await checkBooks(ledger, { primary, replica, queryApi: system.urls['query-api'], token: newest });
    const indeterminate = ledger.intents.filter((i) => intentOutcome(i) === 'indeterminate').length;
    say(`checked (${indeterminate} writes without a definite answer)`);
    return checks;
  } finally {
    await primary.end().catch(() => undefined);
    await replica.end().catch(() => undefined);
  }
}
