import { join } from 'node:path';
import { REPO_ROOT, spawnNodeProcess, stopProcess, waitHealthy, type ManagedProcess } from '@crypto-invest/local-stack';
import { freePort } from '@crypto-invest/testing';

export const TEST_API_KEY = 'process-test-key-0123456789abcdef';

export interface ProjectorProcess {
  proc: ManagedProcess;
  url: string;
  lines: string[];
  /** GET an admin endpoint with the test key. */
  admin(path: string): Promise<Record<string, unknown>>;
  isRunning(): boolean;
  kill(): Promise<number | string>;
  stop(): Promise<number | string>;
}

/**
 * The real projector (`src/index.ts`) as its own process, as `npm start` runs it; resolves
 * once it is healthy, or at once with `healthy: false` (a run that may die before its first
 * health check, like the fault-injection one).
 */
export async function spawnProjector(
  databaseUrl: string,
  env: Record<string, string> = {},
  logDir?: string,
  { healthy = true }: { healthy?: boolean } = {},
): Promise<ProjectorProcess> {
  const port = await freePort();
  const lines: string[] = [];
  const proc = spawnNodeProcess({
    name: 'projector',
    entry: join(REPO_ROOT, 'services/projector/src/index.ts'),
    cwd: REPO_ROOT,
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      API_KEYS: TEST_API_KEY,
      LOG_LEVEL: 'info',
      ...env,
    },
    ...(logDir ? { logFile: join(logDir, `projector-${port}.log`) } : {}),
    onLine: (line) => lines.push(line),
  });
  const url = `http://127.0.0.1:${port}`;
  const isRunning = () => proc.child.exitCode === null && proc.child.signalCode === null;
  try {
    if (healthy) await waitHealthy(`${url}/health`, proc);
  } catch (error) {
    proc.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${lines.slice(-20).join('\n')}`);
  }
  return {
    proc,
    url,
    lines,
    isRunning,
    async admin(path) {
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` }, signal: AbortSignal.timeout(5_000) });
      return (await response.json()) as Record<string, unknown>;
    },
    async kill() {
      if (isRunning()) proc.child.kill('SIGKILL');
      return proc.exited;
    },
    stop: () => stopProcess(proc),
  };
}
