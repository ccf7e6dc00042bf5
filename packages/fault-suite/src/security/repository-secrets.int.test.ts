import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSecrets } from '@crypto-invest/db';
import { REPO_ROOT } from '@crypto-invest/local-stack';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
// brings in the typing of the run's cluster settings
import type {} from '@crypto-invest/testing/global-setup';

// Passwords live in the environment or in a private, git-ignored data folder — never in the
// repository. This reads every file git tracks (or would add) and looks for them.

/** Every file that is, or would be, committed: tracked, plus untracked files not ignored. */
function repositoryFiles(): string[] {
  const list = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter(Boolean);
  return [...new Set([...list(['ls-files']), ...list(['ls-files', '--others', '--exclude-standard'])])].filter((file) => {
    const path = join(REPO_ROOT, file);
    if (!existsSync(path) || file.endsWith('package-lock.json')) return false;
    const size = statSync(path).size;
    return size > 0 && size < 2 * 1024 * 1024;
  });
}

const texts = repositoryFiles()
  .map((file) => ({ file, text: readFileSync(join(REPO_ROOT, file), 'utf8') }))
  .filter(({ text }) => !text.includes('\u0000'));

const DATABASE_SECRETS = ['ADMIN_PASSWORD', 'REPLICATION_PASSWORD', 'OWNER_PASSWORD', 'COMMAND_DB_PASSWORD', 'PROJECTOR_DB_PASSWORD', 'QUERY_DB_PASSWORD', 'PGPASSWORD', 'POSTGRES_PASSWORD', 'PGADMIN_DEFAULT_PASSWORD'];
const DEPLOYMENT_SECRETS = [...DATABASE_SECRETS, 'API_KEYS', 'DASHBOARD_API_KEY', 'COINGECKO_DEMO_API_KEY', 'COINGECKO_PRO_API_KEY'];

/** `NAME=value` / `NAME: value` / `NAME="value"` where value is a literal — not a reference (`$X`, `${X:?…}`), code, or empty. */
function literalAssignments(text: string, names: string[]): string[] {
  const found: string[] = [];
  for (const name of names) {
    const assignment = new RegExp(`(?<![$\\w{])${name}[ \\t]*[:=][ \\t]*(['"]?)([^\\s'"#,;}]+)\\1`, 'gm');
    for (const match of text.matchAll(assignment)) {
      const value = match[2]!;
      if (/^[$<{([?:*`\\]/.test(value)) continue; // a reference, a placeholder, a pattern, prose
      if (/^[A-Za-z_][\w]*(\.[\w]+|\(.*)/.test(value)) continue; // code: secrets.X, decodeURIComponent(…), process.env.X
      if (/^[A-Za-z_][\w]*$/.test(value) && !/[0-9]/.test(value) && value.length < 24) continue; // a variable's name
      found.push(`${name}=${value.slice(0, 40)}`);
    }
  }
  return found;
}

describe('secrets and the repository', () => {
  it(`reads the repository (${texts.length} files)`, () => {
    expect(texts.length).toBeGreaterThan(100);
    expect(texts.some(({ file }) => file === 'docker-compose.yml')).toBe(true);
  });

  it('holds no database password, anywhere (tests included)', () => {
    const offending = texts.flatMap(({ file, text }) => literalAssignments(text, DATABASE_SECRETS).map((hit) => `${file}: ${hit}`));
    expect(offending).toEqual([]);
  });

  it('holds no deployment secret in configuration, deployment or script files', () => {
    const deployment = texts.filter(({ file }) => /(^|\/)(\.env[^/]*|[^/]+\.env|[^/]+\.ya?ml|Dockerfile[^/]*|[^/]+\.sh|[^/]+\.conf|[^/]+\.json|[^/]+\.toml)$/.test(file));
    expect(deployment.length).toBeGreaterThan(5);
    const offending = deployment.flatMap(({ file, text }) => literalAssignments(text, DEPLOYMENT_SECRETS).map((hit) => `${file}: ${hit}`));
    expect(offending).toEqual([]);
  });

  it('takes the replication password from the environment in docker compose (refusing to start without it)', () => {
    const compose = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    const name = 'REPLICATION_PASSWORD';
    const uses = compose.split('\n').filter((line) => line.trim().startsWith(`${name}:`)).map((line) => line.trim().slice(name.length + 1).trim());
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toMatch(/^\$\{REPLICATION_PASSWORD:\?/);
    expect(readFileSync(join(REPO_ROOT, '.env.example'), 'utf8')).toMatch(/^REPLICATION_PASSWORD=$/m);
  });

  it('keeps the local data folder and .env out of git', () => {
    const ignored = (path: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', path], { cwd: REPO_ROOT });
        return true;
      } catch {
        return false;
      }
    };
    expect(ignored('.data/cluster/secrets.env')).toBe(true);
    expect(ignored('.data/api-key')).toBe(true);
    expect(ignored('.env')).toBe(true);
  });

  it('finds none of the generated cluster passwords in the repository, and keeps them private on disk', () => {
    const dir = inject('cluster').dir;
    const secretsFiles = [join(dir, 'secrets.env'), join(REPO_ROOT, '.data', 'cluster', 'secrets.env')].filter(existsSync);
    const values = secretsFiles.flatMap((file) => Object.values(readSecrets(join(file, '..'))));
    expect(values.length).toBeGreaterThanOrEqual(6);
    const leaked = texts.filter(({ text }) => values.some((value) => text.includes(value))).map(({ file }) => file);
    expect(leaked).toEqual([]);
    // secrets.env, and the replica's folder (pg_basebackup -R wrote the replication password into its postgresql.auto.conf).
    expect(statSync(join(dir, 'secrets.env')).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'replica')).mode & 0o077).toBe(0);
  });
});
