import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningSystem } from '@crypto-invest/local-stack';
import type { FakeCoinGecko, PrivateCluster } from '@crypto-invest/testing';
import type { FaultKind } from './fault-plan.ts';
import { send } from './http-answers.ts';
import type { Random } from './random.ts';
import { heldTransaction, type WriteContext } from './writers.ts';

export interface InjectedFault {
  kind: FaultKind;
  at: number;
  ms: number;
  /** What exactly happened, for the summary. */
  detail: string;
}

export interface FaultTargets {
  system: RunningSystem;
  cluster: PrivateCluster;
  fake: FakeCoinGecko;
  writes: WriteContext;
  random: Random;
}

/** Injects one fault and returns once the system has been given back what it lost. */
export async function inject(kind: FaultKind, t: FaultTargets): Promise<string> {
  switch (kind) {
    case 'projector-sigkill':
      return killProjector(t);
    case 'listen-connection-terminated':
      return terminateListenConnection(t);
    case 'primary-restart':
      return restartPrimary(t);
    case 'replica-stop-start':
      return stopAndStartReplica(t);
    case 'coingecko-429':
      return coinGeckoFault(t, 429);
    case 'coingecko-5xx':
      return coinGeckoFault(t, t.random.pick([500, 502, 503]));
    case 'coingecko-slow':
      return slowCoinGecko(t);
    case 'out-of-order-commits':
      return outOfOrderCommits(t);
  }
}

async function killProjector({ system, random }: FaultTargets): Promise<string> {
  const pid = system.processes.get('projector')?.child.pid;
  await system.stopService('projector', 'SIGKILL');
  const down = random.int(0, 1_500);
  await sleep(down);
  await system.restart('projector');
  return `SIGKILL pid ${pid}, down ${down} ms + start-up, new pid ${system.processes.get('projector')?.child.pid}`;
}

async function terminateListenConnection({ cluster }: FaultTargets): Promise<string> {
  // Right after a projector restart its LISTEN connection may not be up yet: wait for it.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await cluster.admin(
      `select pg_terminate_backend(pid) as terminated from pg_stat_activity where application_name = 'projector-listener'`,
    );
    const terminated = rows.filter((r) => r.terminated === true).length;
    if (terminated > 0) return `pg_terminate_backend on ${terminated} 'projector-listener' session(s)`;
    if (Date.now() > deadline) throw new Error('no projector-listener session to terminate within 15 s');
    await sleep(200);
  }
}

async function restartPrimary({ cluster, random }: FaultTargets): Promise<string> {
  const started = Date.now();
  await cluster.stop(cluster.primary);
  const down = random.int(300, 2_000);
  await sleep(down);
  await cluster.start(cluster.primary);
  return `pg_ctl stop -m fast, ${down} ms down, pg_ctl start (${Date.now() - started} ms in all)`;
}

async function stopAndStartReplica({ cluster, random, writes }: FaultTargets): Promise<string> {
  await cluster.stop(cluster.replica);
  // While it is down the query API must answer a clear 503 within a bounded time, not hang.
  const probe = await send(writes.ledger, 'query-api', `${writes.queryApi}/stats`);
  const down = random.int(1_000, 3_000);
  await sleep(down);
  await cluster.start(cluster.replica);
  return `replica stopped ${down} ms; GET /stats meanwhile → ${probe.answer.status} in ${Math.round(probe.answer.ms)} ms; started again`;
}

async function coinGeckoFault({ fake, random }: FaultTargets, status: number): Promise<string> {
  const times = random.int(5, 20);
  fake.fail({ status, times, ...(status === 429 || status === 503 ? { retryAfter: 1 } : {}) });
  const window = random.int(1_000, 3_000);
  await sleep(window);
  fake.clearFaults();
  return `next ${times} CoinGecko answers → ${status}${status === 429 || status === 503 ? ' (Retry-After: 1)' : ''} for ≤ ${window} ms`;
}

async function slowCoinGecko({ fake, random }: FaultTargets): Promise<string> {
  const delay = random.int(600, 2_500);
  const window = random.int(1_500, 3_000);
  fake.setDelay(delay);
  await sleep(window);
  fake.setDelay(0);
  return `every CoinGecko answer delayed ${delay} ms for ${window} ms`;
}

/**
 * Three writers open transactions in order (so their transaction ids ascend), hold them
 * while the HTTP writers commit later ones, then commit in reverse order.
 */
async function outOfOrderCommits({ writes, random }: FaultTargets): Promise<string> {
  const hold = random.int(500, 2_500) / 1000;
  let releaseSecond!: () => void;
  let releaseFirst!: () => void;
  const secondMay = new Promise<void>((resolve) => (releaseSecond = resolve));
  const firstMay = new Promise<void>((resolve) => (releaseFirst = resolve));
  const first = heldTransaction(writes, hold, firstMay);
  await sleep(30);
  const second = heldTransaction(writes, hold, secondMay);
  await sleep(30);
  const third = heldTransaction(writes, hold / 2);
  const committedThird = await third;
  releaseSecond();
  const committedSecond = await second;
  releaseFirst();
  const committedFirst = await first;
  const state = (i: typeof committedFirst) => (i.sql?.committed ? `#${i.sql.investmentId}` : `failed ${i.sql?.failedAt}`);
  return `3 transactions begun in order, held ${hold} s, committed in reverse: ${state(committedThird)}, ${state(committedSecond)}, ${state(committedFirst)}`;
}
