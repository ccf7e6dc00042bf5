import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_NAME, ROLES } from '@crypto-invest/db';
import { describe, expect, it } from 'vitest';
import { AFTER_FAILOVER_FILE, REPO_ROOT, exampleEnvironment, loadCompose, type ComposeFile, type ComposeService } from './compose.ts';

// The seed's topology, which docker-compose.yml must reproduce (with .env.example's defaults).
const SEED = {
  network: { name: 'distribuidos-net', driver: 'bridge', subnet: '172.20.0.0/16' },
  addresses: { 'pg-master': '172.20.0.10', 'pg-replica': '172.20.0.11', pgadmin: '172.20.0.5' } as Record<string, string>,
  published: {
    'pg-master': '5432:5432',
    'pg-replica': '5433:5432',
    pgadmin: '5050:5050',
    'command-api': '8000:8000',
    'query-api': '8001:8001',
    projector: '8002:8002',
    dashboard: '8501:8501',
  } as Record<string, string>,
};
const APPS = ['command-api', 'query-api', 'projector', 'dashboard'] as const;
const PGDATA = '/var/lib/postgresql/data';

const { document: compose } = loadCompose(exampleEnvironment());
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const networksOf = (s: ComposeService) => (Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {}));
const addressOf = (s: ComposeService) => (Array.isArray(s.networks) ? undefined : s.networks?.[SEED.network.name]?.ipv4_address);
/** The variables a cluster script insists on (`: "${NAME:?}"`). */
const requiredByScript = (script: string) =>
  [...readFileSync(join(REPO_ROOT, 'db', 'cluster', script), 'utf8').matchAll(/\$\{([A-Z_]+):\?\}/g)].map((m) => m[1]!);
const repoPath = (hostPath: string) => join(REPO_ROOT, hostPath.replace(/^\.\//, ''));
const bindMounts = (s: ComposeService) =>
  (s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [source, target, mode] = v.split(':') as [string, string, string | undefined];
      return { source, target, mode };
    });

describe('docker-compose.yml reproduces the seed topology', () => {
  it('has the seed services plus the one-shot migrate', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['command-api', 'dashboard', 'migrate', 'pg-master', 'pg-replica', 'pgadmin', 'projector', 'query-api']);
  });

  it('puts every service on the bridge network distribuidos-net, 172.20.0.0/16', () => {
    expect(compose.networks).toEqual({
      [SEED.network.name]: { name: SEED.network.name, driver: SEED.network.driver, ipam: { config: [{ subnet: SEED.network.subnet }] } },
    });
    for (const [name, s] of Object.entries(compose.services)) expect(networksOf(s), name).toEqual([SEED.network.name]);
  });

  it('gives pg-master, pg-replica and pgadmin their static addresses', () => {
    const addresses = Object.fromEntries(Object.entries(compose.services).flatMap(([name, s]) => (addressOf(s) ? [[name, addressOf(s)]] : [])));
    expect(addresses).toEqual(SEED.addresses);
  });

  it('publishes the seed ports and nothing else', () => {
    const published = Object.fromEntries(Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p])));
    expect(published).toEqual(SEED.published);
  });

  it('restarts every long-running service unless stopped; migrate runs once', () => {
    const policies = Object.fromEntries(Object.entries(compose.services).map(([name, s]) => [name, s.restart]));
    expect(policies).toEqual({
      'pg-master': 'unless-stopped',
      'pg-replica': 'unless-stopped',
      pgadmin: 'unless-stopped',
      migrate: 'no',
      'command-api': 'unless-stopped',
      'query-api': 'unless-stopped',
      projector: 'unless-stopped',
      dashboard: 'unless-stopped',
    });
  });

  it('starts each service once what it needs is healthy (or, for migrate, done)', () => {
    const dependencies = Object.fromEntries(
      Object.entries(compose.services).map(([name, s]) => [
        name,
        Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([on, d]) => [on, d.condition])),
      ]),
    );
    expect(dependencies).toEqual({
      'pg-master': {},
      'pg-replica': { 'pg-master': 'service_healthy' },
      pgadmin: {},
      migrate: { 'pg-master': 'service_healthy' },
      'command-api': { 'pg-master': 'service_healthy', migrate: 'service_completed_successfully' },
      'query-api': { 'pg-replica': 'service_healthy', migrate: 'service_completed_successfully' },
      projector: { 'pg-master': 'service_healthy', migrate: 'service_completed_successfully' },
      dashboard: { 'command-api': 'service_healthy', 'query-api': 'service_healthy', projector: 'service_healthy' },
    });
    // service_healthy can only ever be met by a service with a health check.
    for (const s of Object.values(compose.services)) {
      for (const [on, d] of Object.entries(s.depends_on ?? {})) if (d.condition === 'service_healthy') expect(service(on).healthcheck, on).toBeDefined();
    }
  });

  it('checks the databases with pg_isready over TCP, pgAdmin with its ping, the services on their /health', () => {
    const pgIsReady = ['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', 'postgres'];
    expect(service('pg-master').healthcheck?.test).toEqual(pgIsReady);
    expect(service('pg-replica').healthcheck?.test).toEqual(pgIsReady);
    expect(service('pgadmin').healthcheck?.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:5050/misc/ping']);
    for (const name of APPS) {
      const s = service(name);
      const port = SEED.published[name]!.split(':')[1];
      expect(s.environment?.PORT, name).toBe(port);
      expect(s.environment?.HOST, `${name} must listen beyond the container's loopback`).toBe('0.0.0.0');
      expect(s.healthcheck?.test, name).toEqual(['CMD', 'node', '/app/healthcheck.mjs', `http://127.0.0.1:${port}/health`]);
    }
  });

  it('keeps both databases in named volumes at PGDATA', () => {
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(['pg-master-data', 'pg-replica-data', 'pgadmin-data']);
    expect(service('pg-master').volumes).toContain(`pg-master-data:${PGDATA}`);
    expect(service('pg-replica').volumes).toContain(`pg-replica-data:${PGDATA}`);
    expect(service('pg-master').environment?.PGDATA).toBe(PGDATA);
    expect(service('pg-replica').environment?.PGDATA).toBe(PGDATA);
  });

  it('bind-mounts only files of this repository, read-only', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const mount of bindMounts(s)) {
        expect(() => statSync(repoPath(mount.source)), `${name}: ${mount.source}`).not.toThrow();
        expect(mount.mode, `${name}: ${mount.source}`).toBe('ro');
      }
    }
  });
});

describe('the databases are bootstrapped by the db/cluster scripts', () => {
  it('initialises pg-master with configure-primary.sh, executable so the image runs it rather than sourcing it', () => {
    const init = bindMounts(service('pg-master')).find((m) => m.target.startsWith('/docker-entrypoint-initdb.d/'));
    expect(init?.source).toBe('./db/cluster/configure-primary.sh');
    expect(init?.target).toMatch(/\.sh$/);
    expect(() => accessSync(repoPath(init!.source), constants.X_OK)).not.toThrow();
  });

  it("gives configure-primary.sh every variable it requires, and lets the whole network connect", () => {
    const env = service('pg-master').environment!;
    const required = requiredByScript('configure-primary.sh');
    expect(required).toEqual(['PGDATA', 'REPLICATION_PASSWORD', 'OWNER_PASSWORD', 'COMMAND_DB_PASSWORD', 'PROJECTOR_DB_PASSWORD', 'QUERY_DB_PASSWORD']);
    for (const name of required) expect(env[name], name).toBeTruthy();
    expect(env.ALLOW_CIDR).toBe(SEED.network.subnet);
    expect(env.DB_NAME).toBe(DATABASE_NAME);
    expect(env.POSTGRES_USER).toBe(ROLES.admin.user);
    expect(env.POSTGRES_PASSWORD).toBe(exampleEnvironment().get(ROLES.admin.secret));
  });

  it('runs pg-replica through replica-entrypoint.sh (pg_basebackup via init-replica.sh) from the mounted scripts', () => {
    const s = service('pg-replica');
    const scripts = bindMounts(s).find((m) => m.source === './db/cluster');
    expect(scripts).toBeDefined();
    expect(s.entrypoint).toEqual(['bash', `${scripts!.target}/replica-entrypoint.sh`]);
    expect(s.image).toBe('postgres:15-alpine');
    const env = s.environment!;
    for (const name of requiredByScript('replica-entrypoint.sh')) expect(env[name], name).toBeTruthy();
    expect(env.PRIMARY_HOST).toBe('pg-master');
    expect(env.PRIMARY_PORT).toBe('5432');
    expect(env.REPLICATION_PASSWORD).toBe(exampleEnvironment().get(ROLES.replicator.secret));
    expect(readFileSync(join(REPO_ROOT, 'db', 'cluster', 'replica-entrypoint.sh'), 'utf8')).toMatch(/init-replica\.sh/);
  });

  it('pre-registers both servers in pgAdmin at their static addresses', () => {
    const s = service('pgadmin');
    expect(s.image).toMatch(/^dpage\/pgadmin4:\d+\.\d+$/);
    expect(s.environment?.PGADMIN_LISTEN_PORT).toBe('5050');
    const file = bindMounts(s).find((m) => m.target === s.environment?.PGADMIN_SERVER_JSON_FILE);
    expect(file).toBeDefined();
    const servers = JSON.parse(readFileSync(repoPath(file!.source), 'utf8')) as { Servers: Record<string, { Host: string; Port: number; Username: string }> };
    expect(Object.values(servers.Servers).map((x) => [x.Host, x.Port, x.Username])).toEqual([
      [SEED.addresses['pg-master'], 5432, 'postgres'],
      [SEED.addresses['pg-replica'], 5432, 'postgres'],
    ]);
  });
});

describe('the services reach the right server as the right role', () => {
  const target = (url: string | undefined) => {
    const u = new URL(url!);
    return `${u.username}@${u.hostname}:${u.port}${u.pathname}`;
  };
  const at = (role: keyof typeof ROLES, host: string) => `${ROLES[role].user}@${host}:5432/${DATABASE_NAME}`;

  it('writes on pg-master, reads on pg-replica, migrates as the owner', () => {
    expect(target(service('command-api').environment?.DATABASE_URL)).toBe(at('command', 'pg-master'));
    expect(target(service('projector').environment?.DATABASE_URL)).toBe(at('projector', 'pg-master'));
    expect(target(service('query-api').environment?.REPLICA_URLS)).toBe(at('query', 'pg-replica'));
    expect(target(service('migrate').environment?.MIGRATE_DATABASE_URL)).toBe(at('owner', 'pg-master'));
  });

  it('uses each role with its own password', () => {
    const env = exampleEnvironment();
    const password = (url: string | undefined) => decodeURIComponent(new URL(url!).password);
    expect(password(service('command-api').environment?.DATABASE_URL)).toBe(env.get(ROLES.command.secret));
    expect(password(service('projector').environment?.DATABASE_URL)).toBe(env.get(ROLES.projector.secret));
    expect(password(service('query-api').environment?.REPLICA_URLS)).toBe(env.get(ROLES.query.secret));
    expect(password(service('migrate').environment?.MIGRATE_DATABASE_URL)).toBe(env.get(ROLES.owner.secret));
  });

  it('wires the dashboard to the APIs by their names on the network', () => {
    expect(service('dashboard').environment).toMatchObject({
      COMMAND_API_URL: 'http://command-api:8000',
      QUERY_API_URL: 'http://query-api:8001',
      PROJECTOR_URL: 'http://projector:8002',
    });
  });

  it('builds each service from the Dockerfile target of its name', () => {
    for (const name of [...APPS, 'migrate']) {
      expect(service(name).build, name).toEqual({ context: '.', target: name });
      expect(service(name).image, name).toBe(`crypto-invest/${name}:latest`);
    }
  });
});

describe('after a failover (db/docker/after-failover.yml and the DB_*_HOST settings)', () => {
  // Compose's merge: mappings merge key by key, entrypoint/command are replaced.
  const merge = (base: ComposeFile, override: ComposeFile): ComposeFile => {
    const services = structuredClone(base.services);
    for (const [name, o] of Object.entries(override.services)) {
      const s = (services[name] ??= {});
      if (o.entrypoint) s.entrypoint = o.entrypoint;
      if (o.command) s.command = o.command;
      s.environment = { ...s.environment, ...o.environment };
      s.depends_on = { ...s.depends_on, ...o.depends_on };
    }
    return { ...base, services };
  };
  const env = exampleEnvironment();
  env.set('DB_PRIMARY_HOST', 'pg-replica');
  env.set('DB_REPLICA_HOST', 'pg-master');
  const after = merge(loadCompose(env).document, loadCompose(env, AFTER_FAILOVER_FILE).document);

  it('brings pg-master back as a hot standby of the promoted pg-replica, with the same scripts', () => {
    expect(after.services['pg-master']!.entrypoint).toEqual(service('pg-replica').entrypoint);
    expect(after.services['pg-master']!.environment).toMatchObject({ PRIMARY_HOST: 'pg-replica', PRIMARY_PORT: '5432', REPLICATION_PASSWORD: env.get('REPLICATION_PASSWORD') });
  });

  it('points writes and migrations at pg-replica and reads at pg-master', () => {
    expect(new URL(after.services['command-api']!.environment!.DATABASE_URL!).hostname).toBe('pg-replica');
    expect(new URL(after.services.projector!.environment!.DATABASE_URL!).hostname).toBe('pg-replica');
    expect(new URL(after.services.migrate!.environment!.MIGRATE_DATABASE_URL!).hostname).toBe('pg-replica');
    expect(new URL(after.services['query-api']!.environment!.REPLICA_URLS!).hostname).toBe('pg-master');
    expect(after.services['command-api']!.depends_on?.['pg-replica']?.condition).toBe('service_healthy');
    expect(after.services['query-api']!.depends_on?.['pg-master']?.condition).toBe('service_healthy');
  });

  it('has no dependency cycle', () => {
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]) => {
      expect(visiting.has(name), `cycle: ${[...path, name].join(' -> ')}`).toBe(false);
      visiting.add(name);
      for (const on of Object.keys(after.services[name]?.depends_on ?? {})) visit(on, [...path, name]);
      visiting.delete(name);
    };
    for (const name of Object.keys(after.services)) visit(name, []);
  });
});
