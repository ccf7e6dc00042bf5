import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseEnvFile } from './env-file.ts';
import { interpolateDocument } from './interpolation.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
export const AFTER_FAILOVER_FILE = join(REPO_ROOT, 'db', 'docker', 'after-failover.yml');
export const ENV_EXAMPLE_FILE = join(REPO_ROOT, '.env.example');

/** The parts of a compose service these checks read (the file is schema-validated first). */
export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string };
  hostname?: string;
  restart?: string;
  init?: boolean;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string; driver?: string; ipam?: { config?: Array<{ subnet?: string }> } }>;
  volumes?: Record<string, unknown>;
}

/** The compose file as written, before interpolation. */
export function readComposeFile(path = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

export function readEnvExample(): Map<string, string> {
  return parseEnvFile(readFileSync(ENV_EXAMPLE_FILE, 'utf8'));
}

/** The compose file as docker compose sees it with these variables (`.env`). */
export function loadCompose(variables: ReadonlyMap<string, string>, path = COMPOSE_FILE) {
  return interpolateDocument(readComposeFile(path), variables);
}

/** The variables docker-compose.yml refuses to start without (`${NAME:?message}`). */
export function requiredVariables(path = COMPOSE_FILE): string[] {
  return [...new Set([...readFileSync(path, 'utf8').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1]!))];
}

/**
 * `.env.example` with every required secret filled in: what a user's `.env` looks like.
 * Passwords are hex (URL-safe, as .env.example asks); the dashboard's key is one of API_KEYS.
 */
export function exampleEnvironment(): Map<string, string> {
  const variables = readEnvExample();
  requiredVariables().forEach((name, i) => variables.set(name, `${(i + 1).toString(16).padStart(2, '0')}${'5eed'.repeat(8)}`));
  if (variables.has('DASHBOARD_API_KEY')) variables.set('DASHBOARD_API_KEY', variables.get('API_KEYS')!.split(',')[0]!);
  return variables;
}
