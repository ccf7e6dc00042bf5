import { DomainError, encodePosition } from '@crypto-invest/contracts';
import { sendJson, type AppEnv } from '@crypto-invest/http';
import type { Pool } from '@crypto-invest/postgres';
import type { Context } from 'hono';
import type { Projector, ProjectorStatus } from '../projection/projector.ts';
import { findOpenRebuild, findRebuild, requestRebuild, type Rebuild } from '../projection/rebuilds.ts';

export interface AdminDeps {
  projector: Projector;
  pool: Pool;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const round = (n: number | null, digits = 1) => (n === null || !Number.isFinite(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/** A rebuild as the admin API shows it; rate and ETA are live when this instance runs it. */
export function rebuildView(rebuild: Rebuild, projector: Projector) {
  const local = projector.localRebuild?.id === rebuild.id ? projector.localRebuild : undefined;
  const processed = local && rebuild.state !== 'completed' ? (local.processed > rebuild.processedEvents ? local.processed : rebuild.processedEvents) : rebuild.processedEvents;
  const total = rebuild.totalEvents === null ? null : rebuild.totalEvents > processed ? rebuild.totalEvents : processed;
  const rate = (local && rebuild.state !== 'completed' && local.eventsPerSecond) || rebuild.eventsPerSecond;
  const remaining = total === null ? null : Number(total - processed);
  return {
    rebuild_id: rebuild.id,
    state: rebuild.state,
    generation: rebuild.generation,
    replaced_generation: rebuild.replacedGeneration,
    requested_by: rebuild.requestedBy,
    requested_at: rebuild.requestedAt.toISOString(),
    started_at: iso(rebuild.startedAt),
    finished_at: iso(rebuild.finishedAt),
    processed,
    total,
    percent: rebuild.state === 'completed' ? 100 : total ? round((Number(processed) / Number(total)) * 100) : null,
    events_per_second: round(rate),
    eta_seconds: rebuild.state === 'completed' ? 0 : remaining !== null && rate ? round(remaining / rate) : null,
  };
}

export function statusView(status: ProjectorStatus, openRebuild: Rebuild | undefined, projector: Projector) {
  const p = status.progress;
  return {
    state: status.state,
    instance: { id: status.instanceId, role: status.role, listening: status.listening },
    database_reachable: p !== null,
    generation: p?.generation ?? null,
    checkpoint: p && {
      position: encodePosition(p.checkpoint.position),
      transaction_id: p.checkpoint.position.transactionId,
      event_id: p.checkpoint.position.eventId,
      events_applied: p.checkpoint.eventsApplied,
      updated_at: p.checkpoint.updatedAt.toISOString(),
    },
    newest_event: p?.newestEvent ? { position: encodePosition(p.newestEvent.position), recorded_at: p.newestEvent.recordedAt.toISOString() } : null,
    lag: p && { events: p.lag.events, seconds: round(p.lag.seconds, 3) },
    events_per_second: round(status.eventsPerSecond),
    stall: p?.stall
      ? {
          held_back_events: p.stall.heldBackEvents,
          seconds: round(p.stall.seconds),
          blocking: p.stall.blocking && {
            pid: p.stall.blocking.pid,
            user: p.stall.blocking.user,
            application_name: p.stall.blocking.applicationName,
            database: p.stall.blocking.database,
            state: p.stall.blocking.state,
            transaction_started_at: iso(p.stall.blocking.transactionStartedAt),
            transaction_seconds: round(p.stall.blocking.transactionSeconds),
          },
        }
      : null,
    rebuild: openRebuild ? rebuildView(openRebuild, projector) : null,
    last_error: status.lastError && { message: status.lastError.message, at: status.lastError.at.toISOString() },
  };
}

export const getStatus = (deps: AdminDeps) => async (c: Context<AppEnv>) => {
  const status = await deps.projector.status();
  const open = status.progress ? await findOpenRebuild(deps.pool) : undefined;
  return sendJson(c, 200, statusView(status, open, deps.projector));
};

export const postRebuild = (deps: AdminDeps) => async (c: Context<AppEnv>) => {
  const rebuild = await requestRebuild(deps.pool, c.get('principal'));
  c.get('logger').info({ rebuild_id: rebuild.id.toString(), generation: rebuild.generation }, 'rebuild requested');
  deps.projector.wake('request');
  return sendJson(c, 202, rebuildView(rebuild, deps.projector), { Location: `/admin/rebuilds/${rebuild.id}` });
};

export const getRebuild = (deps: AdminDeps) => async (c: Context<AppEnv>, id: string) => {
  const rebuild = await findRebuild(deps.pool, BigInt(id));
  if (!rebuild) throw new DomainError('not_found', 'rebuild-not-found', 'No such rebuild', `there is no rebuild ${id}`);
  return sendJson(c, 200, rebuildView(rebuild, deps.projector));
};
