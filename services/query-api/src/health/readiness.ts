import type { ReadinessReport } from '@crypto-invest/http';
import { errorSummary } from '@crypto-invest/postgres';
import type { PositionWatcher } from '../freshness/position-watcher.ts';
import { readProjectionLag } from '../freshness/projection-state.ts';
import type { ReadSource, ReadSources } from '../replicas/read-sources.ts';

type Check = ReadinessReport['checks'][string];

/**
 * /ready: checks every read source now (bounded by the connect timeout) and reports
 * per replica its reachability, replication lag (bytes, seconds), projection
 * position and projection lag (events and seconds behind its own copy of the log),
 * and the primary fallback's mode. Ready while at least one replica answers, or the
 * fallback is on and the primary answers.
 */
export async function checkReadiness(sources: ReadSources, watcher: PositionWatcher): Promise<ReadinessReport> {
  await sources.checkAll();
  const checks: Record<string, Check> = {};
  await Promise.all(
    sources.replicas.map(async (source) => {
      checks[source.name.replace('-', '_')] = await describe(source, sources, watcher);
    }),
  );
  const fallback = sources.fallback;
  const anyReplica = sources.replicas.some((s) => sources.healthOf(s).reachable === true);
  if (fallback) {
    const primary = await describe(fallback, sources, watcher);
    checks.read_fallback = { ...primary, ok: primary.reachable === true, mode: 'primary', in_use: !anyReplica };
  } else {
    checks.read_fallback = { ok: true, mode: 'none', in_use: false };
  }
  return { ready: anyReplica || (fallback !== undefined && checks.read_fallback.ok), checks };
}

async function describe(source: ReadSource, sources: ReadSources, watcher: PositionWatcher): Promise<Check> {
  const health = sources.healthOf(source);
  if (!health.reachable) {
    return { ok: false, reachable: false, address: source.address, error: health.error ?? 'not checked yet' };
  }
  const replication = health.replication!;
  const facts: Check = {
    ok: source.role === 'primary' || replication.inRecovery,
    reachable: true,
    address: source.address,
    in_recovery: replication.inRecovery,
    ...(source.role === 'replica'
      ? {
          streaming: replication.streaming,
          replication_lag_bytes: replication.lagBytes,
          replication_lag_seconds: replication.lagSeconds,
          within_lag_bound: sources.isPreferred(source),
        }
      : {}),
  };
  try {
    const [state, lag] = await Promise.all([watcher.observe(source), readProjectionLag(source.pool)]);
    return {
      ...facts,
      projection_position: state.token,
      projection_generation: state.generation,
      projection_lag_events: lag.eventsBehind,
      ...(lag.eventsBehindCapped ? { projection_lag_events_capped: true } : {}),
      projection_lag_seconds: lag.seconds,
    };
  } catch (error) {
    return { ...facts, projection_error: errorSummary(error).message };
  }
}
