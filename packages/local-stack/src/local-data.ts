import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './system.ts';

/** Everything `npm start` keeps between runs (git-ignored): cluster data, logs, the generated API key. */
export const DATA_DIR = process.env.CRYPTO_INVEST_DATA_DIR ?? join(REPO_ROOT, '.data');
export const CLUSTER_DIR = join(DATA_DIR, 'cluster');
export const LOG_DIR = join(DATA_DIR, 'logs');
const API_KEY_FILE = join(DATA_DIR, 'api-key');

/** The local API key: generated on first run, kept private in the data folder. */
export function localApiKey(): { key: string; created: boolean } {
  mkdirSync(DATA_DIR, { recursive: true });
  if (existsSync(API_KEY_FILE)) return { key: readFileSync(API_KEY_FILE, 'utf8').trim(), created: false };
  const key = 'ci_' + randomBytes(24).toString('base64url');
  writeFileSync(API_KEY_FILE, key + '\n', { mode: 0o600 });
  return { key, created: true };
}
