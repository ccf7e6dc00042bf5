import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, exampleEnvironment, loadCompose } from './compose.ts';
import { parseDockerfile, type DockerStage } from './dockerfile.ts';

const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(text);
const stage = (name: string): DockerStage => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
};
const args = (s: DockerStage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
/** A stage's instructions followed down to its root image. */
const lineage = (name: string): DockerStage[] => {
  const s = stage(name);
  return stages.some((other) => other.name === s.from) ? [s, ...lineage(s.from)] : [s];
};
const SERVICES = ['command-api', 'query-api', 'projector', 'dashboard'];
const { document: compose } = loadCompose(exampleEnvironment());
const targets = Object.values(compose.services).flatMap((s) => (s.build?.target ? [s.build.target] : []));

describe('Dockerfile', () => {
  it('is the known parser input: the stages in order', () => {
    expect(stages.map((s) => `${s.name}<-${s.from}`)).toEqual([
      'base<-${NODE_IMAGE}',
      'manifests<-base',
      'build<-base',
      'runtime<-base',
      'command-api<-runtime',
      'query-api<-runtime',
      'projector<-runtime',
      'dashboard<-runtime',
      'migrate<-runtime',
    ]);
  });

  it('starts from Node 20 slim', () => {
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1]).toMatch(/^node:20(\.\d+)*-(bookworm-)?slim$/);
  });

  it('has a target for every service compose builds', () => {
    expect([...targets].sort()).toEqual([...SERVICES, 'migrate'].sort());
    for (const target of targets) expect(() => stage(target)).not.toThrow();
  });

  it("builds with every dependency and each service's own build script", () => {
    const build = args(stage('build'), 'RUN').join('\n');
    expect(build).toMatch(/^npm ci$/m);
    for (const name of SERVICES) {
      expect(build, name).toMatch(new RegExp(`npm run build (-w \\S+ )*-w @crypto-invest/${name}\\b`));
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'services', name, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string> };
      expect(pkg.name).toBe(`@crypto-invest/${name}`);
      // The bundle the image runs is what the build script writes (bundle-service's default outfile).
      expect(Object.values(pkg.scripts).some((script) => script.includes('packages/tooling/src/bundle-service.ts')), name).toBe(true);
    }
  });

  it.each(SERVICES)('runs %s with production dependencies only, as a non-root user, with a health check', (name) => {
    const s = stage(name);
    expect(args(s, 'RUN')).toEqual([`npm ci --omit=dev -w @crypto-invest/${name} && npm cache clean --force`]);
    expect(args(s, 'COPY')).toEqual([`--from=build /app/services/${name}/dist services/${name}/dist`]);
    expect(args(s, 'USER')).toEqual(['node']);
    expect(args(s, 'HEALTHCHECK')).toHaveLength(1);
    expect(args(s, 'HEALTHCHECK')[0]).toMatch(/CMD \["node", "\/app\/healthcheck\.mjs"\]$/);
    expect(args(s, 'CMD')).toEqual([`["node", "services/${name}/dist/index.js"]`]);
    const port = compose.services[name]!.environment!.PORT;
    expect(args(s, 'ENV')).toEqual([`PORT=${port}`]);
    expect(args(s, 'EXPOSE')).toEqual([port]);
  });

  it('never copies the build stage\'s node_modules (dev dependencies) into a runtime image', () => {
    for (const s of stages.filter((x) => !['base', 'manifests', 'build'].includes(x.name))) {
      for (const copy of args(s, 'COPY')) expect(copy, s.name).not.toMatch(/node_modules/);
      expect(lineage(s.name).map((x) => x.name)).not.toContain('build');
    }
  });

  it('runs migrations with the db workspace\'s production dependencies and no health check', () => {
    const s = stage('migrate');
    expect(args(s, 'RUN')).toEqual(['npm ci --omit=dev -w @crypto-invest/db && npm cache clean --force']);
    expect(args(s, 'USER')).toEqual(['node']);
    expect(args(s, 'HEALTHCHECK')).toEqual(['NONE']);
    expect(args(s, 'CMD')).toEqual(['["node", "db/dist/migrate.js"]']);
    expect(args(stage('build'), 'RUN').join('\n')).toContain('src/cli/migrate.ts dist/migrate.js');
  });

  it('builds the dashboard\'s browser app and fails without it', () => {
    expect(args(stage('build'), 'RUN')).toContain('npm run build -w @crypto-invest/dashboard && test -f services/dashboard/dist/client/index.html');
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'services', 'dashboard', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/build:client/);
  });

  it('health-checks the URL it is given, or its own /health', () => {
    expect(text).toContain("const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT}/health`;");
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  it('keeps dependencies, builds, local data, git and secrets out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.data', '.git', '.env', '.env.*', '!.env.example']));
  });
});
