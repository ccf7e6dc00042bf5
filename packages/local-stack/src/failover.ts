import type { ServiceName, SystemPorts } from './system.ts';

export interface ServiceAfterFailover {
  service: ServiceName;
  url: string;
  /** ready: /ready answered 200; not-ready: it runs but did not become ready in time; not-running: nothing listens. */
  state: 'ready' | 'not-ready' | 'not-running';
  detail?: string;
}

/**
 * After a failover the services keep their database URLs (the primary and the replica are back
 * on their ports) and reconnect by themselves. This asks each one's /ready until it answers 200
 * or `timeoutMs` passes; a port where nothing listens is reported as not running.
 */
export async function servicesAfterFailover(ports: SystemPorts, { timeoutMs = 20_000, intervalMs = 250 } = {}): Promise<ServiceAfterFailover[]> {
  const check = async (service: ServiceName): Promise<ServiceAfterFailover> => {
    const url = `http://127.0.0.1:${ports[service]}`;
    const deadline = Date.now() + timeoutMs;
    let detail = '';
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return { service, url, state: 'ready' };
        detail = `/ready answered ${response.status}`;
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (attempt === 0 && code === 'ECONNREFUSED') return { service, url, state: 'not-running' };
        detail = code ?? (error as Error).name;
      }
      if (Date.now() + intervalMs > deadline) return { service, url, state: 'not-ready', detail };
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  const names = Object.keys(ports) as ServiceName[];
  return Promise.all(names.map(check));
}
