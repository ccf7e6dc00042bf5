import { isLosslessNumber, stringifyJsonExact } from '@crypto-invest/money';
import type { ServiceProbe, SystemStatus } from '../../src/system/system-status.ts';

export type ServiceName = keyof SystemStatus['services'];

export const SERVICE_LABELS: Record<ServiceName, string> = {
  'command-api': 'Command API (primary)',
  'query-api': 'Query API (replica)',
  projector: 'Projector',
};

export interface ServiceView {
  name: ServiceName;
  label: string;
  state: 'ready' | 'not-ready' | 'unreachable';
  checks: Array<{ name: string; ok: boolean; facts: Array<[string, string]> }>;
}

export interface ProjectorView {
  state: string | null;
  lagEvents: number | null;
  lagSeconds: number | null;
  facts: Array<[string, string]>;
}

export interface SystemView {
  services: ServiceView[];
  projector: ProjectorView | null;
  /** What deserves a banner. */
  unreachable: ServiceName[];
  projectorBehind: boolean;
  /** A replica the query API reads from lags the primary past its bound (or by seconds). */
  replicaBehind: boolean;
}

/** The projector counts as behind when it lags this long, or by this many events, or says it is stalled. */
export const PROJECTOR_BEHIND_SECONDS = 5;
export const PROJECTOR_BEHIND_EVENTS = 1_000;
/** A replica counts as behind past this replication lag, or when the query API says it is outside its bound. */
export const REPLICA_BEHIND_SECONDS = 5;

/** Turns the server's system status into what the system panel and the page banners show. */
export function describeSystem(status: SystemStatus): SystemView {
  const services = (Object.keys(SERVICE_LABELS) as ServiceName[]).map((name) => describeService(name, status.services[name]));
  const projector = status.projector.status ? describeProjector(status.projector.status) : null;
  const stalled = projector?.state ? /stall|retrying|error|failed|stopped/i.test(projector.state) : false;
  const queryFacts = services.find((s) => s.name === 'query-api')!.checks.flatMap((check) => check.facts);
  return {
    services,
    projector,
    unreachable: services.filter((s) => s.state === 'unreachable').map((s) => s.name),
    projectorBehind:
      stalled ||
      (projector?.lagSeconds ?? 0) >= PROJECTOR_BEHIND_SECONDS ||
      (projector?.lagEvents ?? 0) >= PROJECTOR_BEHIND_EVENTS,
    replicaBehind: queryFacts.some(
      ([key, value]) => (key.endsWith('within_lag_bound') && value === 'no') || (key.endsWith('replication_lag_seconds') && Number(value) >= REPLICA_BEHIND_SECONDS),
    ),
  };
}

function describeService(name: ServiceName, probe: ServiceProbe | undefined): ServiceView {
  if (!probe) return { name, label: SERVICE_LABELS[name], state: 'unreachable', checks: [] };
  return {
    name,
    label: SERVICE_LABELS[name],
    state: !probe.reachable ? 'unreachable' : probe.ready ? 'ready' : 'not-ready',
    checks: Object.entries(probe.checks ?? {}).map(([check, body]) => {
      const { ok, ...facts } = body;
      return { name: check, ok: ok === true, facts: flattenFacts(facts) };
    }),
  };
}

// Internal identifiers people do not need on the panel (the position says the same).
const HIDDEN_PROJECTOR_FACTS = new Set(['instance.id', 'checkpoint.transaction_id', 'checkpoint.event_id']);

function describeProjector(status: Record<string, unknown>): ProjectorView {
  const facts = flattenFacts(status).filter(([key]) => !HIDDEN_PROJECTOR_FACTS.has(key));
  const find = (...names: string[]) => facts.find(([key]) => names.includes(key))?.[1];
  const number = (text: string | undefined) => (text === undefined || text === '' || Number.isNaN(Number(text)) ? null : Number(text));
  return {
    state: find('state', 'status') ?? null,
    lagEvents: number(find('lag_events', 'lag.events', 'lag.event_count')),
    lagSeconds: number(find('lag_seconds', 'lag.seconds')),
    facts,
  };
}

/** `{a: {b: 1}}` → `[['a.b', '1']]`, numbers exactly as the service wrote them. */
export function flattenFacts(value: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (inner === null || inner === undefined) out.push([path, '—']);
    else if (isLosslessNumber(inner)) out.push([path, inner.value]);
    else if (typeof inner === 'object' && !Array.isArray(inner)) out.push(...flattenFacts(inner as Record<string, unknown>, path));
    else if (typeof inner === 'string') out.push([path, inner]);
    else if (typeof inner === 'boolean') out.push([path, inner ? 'yes' : 'no']);
    else out.push([path, stringifyJsonExact(inner)]);
  }
  return out;
}
