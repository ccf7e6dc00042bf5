import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './system.ts';

const DASHBOARD = join(REPO_ROOT, 'services', 'dashboard');
const BUNDLE = join(DASHBOARD, 'dist', 'client', 'index.html');
const SOURCES = [join(DASHBOARD, 'web'), join(DASHBOARD, 'index.html'), join(DASHBOARD, 'vite.config.ts')];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/** Builds the dashboard's browser bundle when it is missing or older than its sources. */
export async function buildIfNeeded(step: (text: string) => void): Promise<void> {
  if (!existsSync(join(DASHBOARD, 'vite.config.ts'))) return;
  const built = existsSync(BUNDLE) ? statSync(BUNDLE).mtimeMs : 0;
  if (built && built >= Math.max(...SOURCES.map(newestChange))) return;
  step('building the dashboard (vite)');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['run', 'build:client', '--workspace', '@crypto-invest/dashboard'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`dashboard build failed:\n${output}`))));
  });
}
