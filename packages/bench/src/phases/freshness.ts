import http from 'node:http';
import { decodePosition, hasReached, type EventPosition } from '@crypto-invest/contracts';
import { parseJsonExact, type LosslessNumber } from '@crypto-invest/money';
import pg from 'pg';
import type { BenchSystem } from '../environment/system.ts';
import { round } from '../load/http-load.ts';
import { summariseLatencies } from '../load/percentiles.ts';
import type { BenchPlan } from '../options.ts';
import type { Progress } from '../progress.ts';
import type { BenchResult } from '../result.ts';
import { PURCHASE } from './write-path.ts';

export type FreshnessFigures = BenchResult['freshness'];

interface Write {
  /** performance.now() when the response had arrived. */
  answeredAt: number;
  sentAt: number;
  ok: boolean;
  id?: string;
  position?: EventPosition;
  visibleInStatsAt?: number;
  visibleOnReplicaAt?: number;
}

interface StatsSample {
  receivedAt: number;
  position: EventPosition;
}

/**
 * How often the watchers look: /stats and the replica every 5 ms. The replica watcher keeps
 * one query in flight. A /stats answer under write load takes longer than 5 ms (it reads a
 * new snapshot whenever the position moved), so with one request in flight the samples
 * would be a response time apart and the measurement's own granularity would show up in
 * the p99: up to STATS_IN_FLIGHT requests overlap, a new one sent every 5 ms, so a sample
 * arrives about every max(5 ms, response time ÷ STATS_IN_FLIGHT). The query API shares one
 * position query and one snapshot read among overlapping requests, so this adds little
 * load; polling harder still would load the system it measures.
 */
const POLL_MS = 5;
const STATS_IN_FLIGHT = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Under a steady stream of POST /invest (open loop: sent on schedule whether or not
 * earlier ones have answered), how long after its response a write shows up
 * - in GET /stats on the replica: the first /stats answer whose projection position
 *   (X-Projection-Position) has reached the write's consistency token, and
 * - as a row on the replica (replication alone, the reference): the first poll of the
 *   replica that finds the investment's id.
 * Both are measured from the same moment with the same 5 ms polling, so their
 * difference is what the projector and the query API add to replication.
 */
export async function runFreshness(plan: BenchPlan, system: BenchSystem, progress: Progress): Promise<FreshnessFigures> {
  progress.start('freshness', `${plan.freshnessWritesPerSecond} writes/s for ${plan.freshnessSeconds} s`);
  const writes: Write[] = [];
  const samples: StatsSample[] = [];
  const writeAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const readAgent = new http.Agent({ keepAlive: true, maxSockets: STATS_IN_FLIGHT });
  const body = `{"coin":"${PURCHASE.coin}","amount":${PURCHASE.amount},"purchase_price_usd":${PURCHASE.price}}`;
  const writeUrl = new URL(`${system.commandUrl}/invest`);
  const statsUrl = new URL(`${system.queryUrl}/stats`);
  let watching = true;

  // /stats watcher. Samples are kept in the order they arrive; each is an observation that
  // the position it carries was visible by the time it arrived (overlapping requests may
  // arrive out of send order, which only matters for which sample is first: the earliest
  // arrival that has reached a write is what counts).
  const statsWatcher = (async () => {
    let inFlight = 0;
    while (watching) {
      if (inFlight < STATS_IN_FLIGHT) {
        inFlight++;
        void get(readAgent, statsUrl).then(
          (res) => {
            inFlight--;
            const position = decodePosition(String(res.headers['x-projection-position'] ?? ''));
            if (res.status === 200 && position) samples.push({ receivedAt: performance.now(), position });
          },
          () => inFlight--,
        );
      }
      await sleep(POLL_MS);
    }
  })();

  // Replica watcher: which of the answered writes' rows are visible there now.
  const replica = new pg.Client({ connectionString: system.db.replicaQuery, application_name: 'bench-freshness' });
  await replica.connect();
  const replicaWatcher = (async () => {
    while (watching) {
      const pending = writes.filter((w) => w.id && w.visibleOnReplicaAt === undefined);
      if (pending.length) {
        const { rows } = await replica.query<{ id: string }>('select id::text as id from investments where id = any($1::bigint[])', [pending.map((w) => w.id)]);
        const now = performance.now();
        const seen = new Set(rows.map((r) => r.id));
        for (const w of pending) if (seen.has(w.id!)) w.visibleOnReplicaAt = now;
      }
      await sleep(POLL_MS);
    }
  })();

  // The writes, on schedule.
  const total = Math.max(1, Math.round(plan.freshnessWritesPerSecond * plan.freshnessSeconds));
  const interval = 1000 / plan.freshnessWritesPerSecond;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    const write: Write = { sentAt: performance.now(), answeredAt: 0, ok: false };
    writes.push(write);
    inFlight.push(
      post(writeAgent, writeUrl, body, system.apiKey).then(
        (res) => {
          write.answeredAt = performance.now();
          // Ids are JSON integers: read them as written (lossless), never through a float.
          const answer = res.status === 200 ? (parseJsonExact(res.body) as { id?: LosslessNumber }) : undefined;
          const position = decodePosition(String(res.headers['x-consistency-token'] ?? ''));
          write.ok = res.status === 200 && position !== undefined && answer?.id !== undefined;
          if (write.ok) {
            write.id = answer!.id!.value;
            write.position = position;
          }
        },
        () => {
          write.answeredAt = performance.now();
        },
      ),
    );
    if (i % 50 === 0) progress.detail(`${plan.freshnessWritesPerSecond} writes/s: ${i} / ${total} sent`);
  }
  await Promise.all(inFlight);
  const sendingSeconds = (performance.now() - started) / 1000;

  // Let the last writes become visible (bounded), then stop watching.
  const deadline = performance.now() + 5_000;
  const settled = () => writes.every((w) => !w.ok || (w.visibleOnReplicaAt !== undefined && statsCaughtUp(w)));
  const statsCaughtUp = (w: Write) => samples.length > 0 && hasReached(samples.at(-1)!.position, w.position!);
  while (!settled() && performance.now() < deadline) await sleep(20);
  watching = false;
  await Promise.all([statsWatcher, replicaWatcher]);
  await replica.end();
  writeAgent.destroy();
  readAgent.destroy();

  // Each write: the first /stats answer received after its response that includes it.
  let next = 0;
  const ordered = writes.filter((w) => w.ok).sort((a, b) => a.answeredAt - b.answeredAt);
  for (const write of ordered) {
    while (next < samples.length && samples[next]!.receivedAt < write.answeredAt) next++;
    for (let j = next; j < samples.length; j++) {
      if (hasReached(samples[j]!.position, write.position!)) {
        write.visibleInStatsAt = samples[j]!.receivedAt;
        break;
      }
    }
  }
  const ok = writes.filter((w) => w.ok);
  const visibleInStats = ok.filter((w) => w.visibleInStatsAt !== undefined).map((w) => Math.max(0, w.visibleInStatsAt! - w.answeredAt));
  const visibleOnReplica = ok.filter((w) => w.visibleOnReplicaAt !== undefined).map((w) => Math.max(0, w.visibleOnReplicaAt! - w.answeredAt));
  const span = samples.length > 1 ? (samples.at(-1)!.receivedAt - samples[0]!.receivedAt) / (samples.length - 1) : 0;
  return {
    writes_per_second_target: plan.freshnessWritesPerSecond,
    writes_per_second_achieved: round(writes.length / Math.max(sendingSeconds, 0.001)),
    writes: ok.length,
    write_errors: writes.length - ok.length,
    write_latency: summariseLatencies(ok.map((w) => w.answeredAt - w.sentAt)),
    visible_in_stats: summariseLatencies(visibleInStats),
    visible_on_replica: summariseLatencies(visibleOnReplica),
    never_visible: ok.filter((w) => w.visibleInStatsAt === undefined || w.visibleOnReplicaAt === undefined).length,
    stats_poll_interval_ms: round(span),
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(agent: http.Agent, url: URL, method: 'GET' | 'POST', body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const get = (agent: http.Agent, url: URL) => request(agent, url, 'GET');
const post = (agent: http.Agent, url: URL, body: string, apiKey: string) =>
  request(agent, url, 'POST', body, { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });
