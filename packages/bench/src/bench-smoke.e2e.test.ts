import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchResult } from './result.ts';

const CLI = fileURLToPath(new URL('./cli/bench.ts', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every load run in the result (any object with a request rate), with where it is. */
function loadRuns(value: unknown, path = ''): Array<{ path: string; requests: number }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => loadRuns(v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  const own = 'requests_per_second' in record && 'requests' in record ? [{ path, requests: record.requests as number }] : [];
  return [...own, ...Object.entries(record).flatMap(([k, v]) => loadRuns(v, path ? `${path}.${k}` : k))];
}

/** Processes whose command line mentions `text` (PostgreSQL servers started on a folder). */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^[0-9]+$/.test(entry))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(text) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

describe('npm run bench -- --smoke --json FILE', () => {
  it('starts its own system, runs every measurement, tears it all down and writes every figure with its reference', async () => {
    const file = join(dir, 'bench.json');
    // INIT_CWD is where `npm run` was typed: the relative --json path is taken from there.
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--smoke', '--json', 'bench.json'], {
      env: { ...process.env, INIT_CWD: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);

    // The schema the bench wrote with: every field present, of the right kind.
    const result = parseBenchResult(await readFile(file, 'utf8'));
    expect(result.mode).toBe('smoke');
    expect(result.flat_cost.sizes.map((s) => s.investments)).toEqual([100, 1_000]);
    expect(result.write_path.rows.map((r) => r.connections)).toEqual([1, 8, 32, 64]);
    expect(result.memory.services.map((s) => s.service).sort()).toEqual(['command-api', 'projector', 'query-api']);
    expect(result.targets).toHaveLength(18);
    // Each load run measured something (not how fast: the machine is shared).
    const runs = loadRuns(result);
    expect(runs.length).toBe(4 * 3 + 3 + 2 * 4);
    for (const run of runs) expect(run.requests, run.path).toBeGreaterThan(0);
    expect(result.freshness.visible_in_stats.samples).toBe(result.freshness.writes);
    expect(result.projector.rebuild.events).toBe(1_000);

    // The table was printed, progress was shown, and nothing it started is left.
    expect(output).toMatch(/\(1\/\d+\) starting PostgreSQL primary \+ replica/);
    expect(output).toContain('Targets');
    expect(output).toContain(`every figure with its reference: ${file}`);
    const clusterDir = /PostgreSQL primary :\d+ \+ replica :\d+ in (\S+)/.exec(output)?.[1];
    expect(clusterDir, output).toBeDefined();
    expect(existsSync(clusterDir!)).toBe(false);
    expect(processesMentioning(clusterDir!)).toEqual([]);
  });
});
