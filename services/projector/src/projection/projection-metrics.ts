import type { Metrics } from '@crypto-invest/http';
import type { Projector } from './projector.ts';

/** Prometheus view of the projector: events applied, batch duration, lag, role and stall. */
export function instrumentProjector(projector: Projector, metrics: Metrics): void {
  const applied = metrics.counter('projector_events_applied_total', 'Events applied to the read model', ['kind']);
  const batches = metrics.histogram('projector_batch_duration_seconds', 'Duration of one batch transaction (read, apply, checkpoint, commit)', ['kind'], [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  ]);
  const conflicts = metrics.counter('projector_checkpoint_conflicts_total', 'Batches rolled back because another writer had moved the checkpoint');
  const lagEvents = metrics.gauge('projector_lag_events', 'Events in the log not yet applied to the active generation');
  const lagSeconds = metrics.gauge('projector_lag_seconds', 'Age of the oldest event not yet applied (0 when caught up)');
  const checkpoint = metrics.gauge('projector_checkpoint_events_applied', 'Events counted by the active generation');
  const active = metrics.gauge('projector_active', '1 on the instance holding the projector lock, 0 on a standby');
  const stalled = metrics.gauge('projector_stalled', '1 while committed events wait behind an open transaction');
  const rate = metrics.gauge('projector_events_per_second', 'Events applied per second over the last ~10 s');

  projector.onBatch((batch) => {
    if (batch.conflict) conflicts.inc();
    if (batch.applied) {
      applied.inc({ kind: batch.kind }, batch.applied);
      batches.observe({ kind: batch.kind }, batch.durationSeconds);
    }
  });
  projector.onStatus((status) => {
    active.set(status.role === 'active' ? 1 : 0);
    const p = status.progress;
    if (!p) return;
    lagEvents.set(Number(p.lag.events));
    lagSeconds.set(p.lag.seconds);
    checkpoint.set(Number(p.checkpoint.eventsApplied));
    stalled.set(p.stall ? 1 : 0);
    rate.set(status.eventsPerSecond ?? 0);
  });
}
