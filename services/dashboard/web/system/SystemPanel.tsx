import type { SystemStatus } from '../../src/system/system-status.ts';
import type { ApiError } from '../api/api-error.ts';
import { formatDateTime } from '../format/format.ts';
import type { SystemView } from './system-view.ts';

interface SystemPanelProps {
  status: SystemStatus | undefined;
  view: SystemView | undefined;
  error: ApiError | undefined;
  live: LiveState;
  position: string | null;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const STATE_TEXT = { ready: 'ready', 'not-ready': 'not ready', unreachable: 'unreachable' } as const;

/** Primary, replica and projector as their health endpoints describe them, refreshed live. */
export function SystemPanel({ status, view, error, live, position }: SystemPanelProps) {
  return (
    <section className="panel system-panel" aria-labelledby="system-title">
      <div className="panel-head">
        <h2 id="system-title">System</h2>
        <span className={`pill pill-${live}`} role="status">
          {live === 'live' ? 'live updates on' : live === 'connecting' ? 'connecting…' : 'live updates reconnecting…'}
        </span>
      </div>
      <p className="muted">
        Projection position seen by this page: <code data-testid="known-position">{position ?? 'none yet'}</code>
        {status && <> · checked {formatDateTime(status.checked_at)}</>}
      </p>
      {error && !view && (
        <p className="banner banner-error" role="alert">
          The system status cannot be read: {error.message}
        </p>
      )}
      {view && (
        <div className="services">
          {view.services.map((service) => (
            <article key={service.name} className={`service service-${service.state}`} aria-labelledby={`service-${service.name}`}>
              <h3 id={`service-${service.name}`}>
                {service.label} <span className={`state state-${service.state}`}>{STATE_TEXT[service.state]}</span>
              </h3>
              {service.checks.length === 0 && <p className="muted">no checks reported</p>}
              {service.checks.map((check) => (
                <div key={check.name} className="check">
                  <p className="check-name">
                    <span className={check.ok ? 'ok' : 'bad'} aria-hidden="true">
                      {check.ok ? '✓' : '✗'}
                    </span>{' '}
                    {check.name} <span className="visually-hidden">{check.ok ? 'ok' : 'failing'}</span>
                  </p>
                  {check.facts.length > 0 && <Facts facts={check.facts} />}
                </div>
              ))}
            </article>
          ))}
          <article className="service" aria-labelledby="projector-status-title">
            <h3 id="projector-status-title">
              Projector status{' '}
              {view.projector?.state && <span className={`state ${view.projectorBehind ? 'state-not-ready' : 'state-ready'}`}>{view.projector.state}</span>}
            </h3>
            {view.projector ? (
              <Facts facts={view.projector.facts} />
            ) : (
              <p className="muted">
                {status?.projector.problem === 'unauthorized'
                  ? 'The projector refused the dashboard’s API key (set DASHBOARD_API_KEY to one of its API_KEYS).'
                  : 'The projector’s admin status is not available.'}
              </p>
            )}
          </article>
        </div>
      )}
    </section>
  );
}

function Facts({ facts }: { facts: Array<[string, string]> }) {
  return (
    <dl className="facts">
      {facts.map(([key, value]) => (
        <div key={key}>
          <dt>{key.replace(/_/g, ' ')}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
