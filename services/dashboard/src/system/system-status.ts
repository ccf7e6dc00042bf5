import { parseJsonExact } from '@crypto-invest/money';

/** One service as the dashboard sees it through its `/ready`. */
export interface ServiceProbe {
  /** It answered at all. */
  reachable: boolean;
  /** It answered 200 to /ready. */
  ready: boolean;
  http_status: number | null;
  /** Its /ready checks as it wrote them (numbers kept exact), or null when it did not answer with them. */
  checks: Record<string, { ok: boolean; [fact: string]: unknown }> | null;
  /** Why it could not be asked: `unreachable`, `timeout`, `unauthorized`, `bad-answer`. */
  problem?: string;
}

/** The projector's `GET /admin/status`, passed through as it wrote it. */
export interface ProjectorStatusProbe {
  available: boolean;
  http_status: number | null;
  status: Record<string, unknown> | null;
  problem?: string;
}

/** What `GET /api/system/status` answers: a read-only view of the system for the system panel. */
export interface SystemStatus {
  checked_at: string;
  services: Record<'command-api' | 'query-api' | 'projector', ServiceProbe>;
  projector: ProjectorStatusProbe;
}

export interface SystemStatusSettings {
  urls: { command: string; query: string; projector: string };
  apiKey: string | undefined;
  timeoutMs: number;
  fetch: typeof fetch;
  now?: () => Date;
}

interface Probe {
  status: number | null;
  body: unknown;
  problem?: string;
}

/** Asks every service's /ready and the projector's /admin/status at once, each within the time limit. */
export function createSystemStatus(settings: SystemStatusSettings) {
  const now = settings.now ?? (() => new Date());

  const probe = async (url: string, authorized: boolean): Promise<Probe> => {
    try {
      const response = await settings.fetch(url, {
        headers: { accept: 'application/json', ...(authorized && settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}) },
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      const text = await response.text();
      try {
        return { status: response.status, body: parseJsonExact(text) };
      } catch {
        return { status: response.status, body: null, problem: 'bad-answer' };
      }
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      return { status: null, body: null, problem: timedOut ? 'timeout' : 'unreachable' };
    }
  };

  const toServiceProbe = (p: Probe): ServiceProbe => {
    const checks = (p.body as { checks?: ServiceProbe['checks'] } | null)?.checks;
    return {
      reachable: p.status !== null,
      ready: p.status === 200,
      http_status: p.status,
      checks: checks && typeof checks === 'object' ? checks : null,
      ...(p.problem ? { problem: p.problem } : {}),
    };
  };

  return async function readSystemStatus(): Promise<SystemStatus> {
    const [command, query, projector, admin] = await Promise.all([
      probe(`${settings.urls.command}/ready`, false),
      probe(`${settings.urls.query}/ready`, false),
      probe(`${settings.urls.projector}/ready`, false),
      probe(`${settings.urls.projector}/admin/status`, true),
    ]);
    const adminProblem = admin.problem ?? (admin.status === 401 || admin.status === 403 ? 'unauthorized' : admin.status !== 200 ? 'bad-answer' : undefined);
    return {
      checked_at: now().toISOString(),
      services: { 'command-api': toServiceProbe(command), 'query-api': toServiceProbe(query), projector: toServiceProbe(projector) },
      projector: {
        available: admin.status === 200 && admin.body !== null && typeof admin.body === 'object',
        http_status: admin.status,
        status: admin.status === 200 && admin.body && typeof admin.body === 'object' ? (admin.body as Record<string, unknown>) : null,
        ...(adminProblem ? { problem: adminProblem } : {}),
      },
    };
  };
}
