import { decodePosition, hasReached, type EventPosition } from '@crypto-invest/contracts';
import pg from 'pg';
import type { RebuildFigures } from '../result.ts';

// The projector's admin API (Bearer key) as the bench uses it: wait until the live
// projection has applied a position, and rebuild the read model through
// POST /admin/rebuild + GET /admin/rebuilds/{id}.

interface StatusBody {
  state: string;
  checkpoint: { position: string; events_applied: number } | null;
  last_error: { message: string } | null;
}

interface RebuildBody {
  rebuild_id: number;
  state: 'queued' | 'running' | 'completed';
  generation: number;
  started_at: string | null;
  finished_at: string | null;
  processed: number;
  total: number | null;
  events_per_second: number | null;
  eta_seconds: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ProjectorAdmin {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private async call<T>(method: 'GET' | 'POST', path: string, expected: number): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}` },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`projector ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /** Resolves once the active generation's checkpoint has reached `position`; reports events applied meanwhile. */
  async waitApplied(position: EventPosition, timeoutMs: number, onProgress: (eventsApplied: number) => void = () => undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.call<StatusBody>('GET', '/admin/status', 200);
      const checkpoint = status.checkpoint && decodePosition(status.checkpoint.position);
      if (checkpoint && hasReached(checkpoint, position)) return;
      if (status.checkpoint) onProgress(status.checkpoint.events_applied);
      if (Date.now() > deadline) {
        throw new Error(
          `the projector did not apply up to ${position.transactionId}.${position.eventId} within ${timeoutMs / 1000} s ` +
            `(state ${status.state}, checkpoint ${status.checkpoint?.position ?? 'none'}${status.last_error ? `, last error: ${status.last_error.message}` : ''})`,
        );
      }
      await sleep(200);
    }
  }

  /** Requests a rebuild and waits for it to complete; its figures as the projector recorded them and as seen from here. */
  async rebuild(timeoutMs: number, onProgress: (processed: number, total: number | null) => void = () => undefined): Promise<RebuildFigures> {
    const requested = performance.now();
    const queued = await this.call<RebuildBody>('POST', '/admin/rebuild', 202);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rebuild = await this.call<RebuildBody>('GET', `/admin/rebuilds/${queued.rebuild_id}`, 200);
      if (rebuild.state === 'completed') {
        const wallSeconds = (performance.now() - requested) / 1000;
        const seconds = rebuild.started_at && rebuild.finished_at ? (Date.parse(rebuild.finished_at) - Date.parse(rebuild.started_at)) / 1000 : wallSeconds;
        const r = (n: number) => Math.round(n * 100) / 100;
        return {
          rebuild_id: rebuild.rebuild_id,
          generation: rebuild.generation,
          events: rebuild.processed,
          events_per_second: r(rebuild.processed / Math.max(seconds, 0.001)),
          seconds: r(seconds),
          wall_seconds: r(wallSeconds),
          wall_events_per_second: r(rebuild.processed / Math.max(wallSeconds, 0.001)),
        };
      }
      onProgress(rebuild.processed, rebuild.total);
      if (Date.now() > deadline) throw new Error(`rebuild ${queued.rebuild_id} did not complete within ${timeoutMs / 1000} s (state ${rebuild.state}, ${rebuild.processed} events)`);
      await sleep(100);
    }
  }
}

/** Resolves once the replica has replayed everything the primary had written when called. */
export async function waitReplicaCaughtUp(primaryAdminUrl: string, replicaAdminUrl: string, timeoutMs = 60_000): Promise<void> {
  const primary = new pg.Client({ connectionString: primaryAdminUrl, application_name: 'bench-replica-wait' });
  const replica = new pg.Client({ connectionString: replicaAdminUrl, application_name: 'bench-replica-wait' });
  await primary.connect();
  await replica.connect();
  try {
    const { rows } = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows: r } = await replica.query<{ done: boolean }>('select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done', [rows[0]!.lsn]);
      if (r[0]!.done) return;
      if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${rows[0]!.lsn} within ${timeoutMs / 1000} s`);
      await sleep(20);
    }
  } finally {
    await primary.end();
    await replica.end();
  }
}

/** Resolves once the query API's /stats reflects `generation` (the rebuilt read model, replicated). */
export async function waitStatsGeneration(queryUrl: string, generation: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${queryUrl}/stats`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json().catch(() => undefined)) as { projection?: { generation?: number } } | undefined;
    if (response.ok && body?.projection?.generation === generation) return;
    if (Date.now() > deadline) {
      throw new Error(`GET /stats did not show read-model generation ${generation} within ${timeoutMs / 1000} s (status ${response.status}, generation ${body?.projection?.generation})`);
    }
    await sleep(50);
  }
}
