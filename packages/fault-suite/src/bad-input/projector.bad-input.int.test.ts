import { createLogger } from '@crypto-invest/logger';
import { createPool, type Pool } from '@crypto-invest/postgres';
import { createApp } from '@crypto-invest/projector/src/app.ts';
import { loadProjectorConfig } from '@crypto-invest/projector/src/config.ts';
import { Projector } from '@crypto-invest/projector/src/projection/projector.ts';
import { freshDatabase, recordInvestments, type TestDatabase } from '@crypto-invest/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFingerprint } from '../database-fingerprint.ts';
import { anyJsonText, bounded, headerValue, hostileQuery, isClientProblem, nastyString, notAnId, readAnswer, type ProblemAnswer } from './hostile-input.ts';
import { Coverage, documentedOperations } from './operations.ts';

// The projector's admin API (in-process, its real pool on the run's primary; the projection
// loop not started): without a valid key everything under /admin is a 401, with one a bad
// rebuild id is a 400 or 404, never a 5xx or a hang, and nothing is written.
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 500);
const KEY = 'bad-input-admin-key-0123456789abcdef';

let db: TestDatabase;
let pool: Pool;
let projector: Projector;
let app: ReturnType<typeof createApp>;
let coverage: Coverage;
let before: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  await recordInvestments(db.admin, [{ coin: 'bitcoin', amount: '0.5', purchasePriceUsd: '30000.12' }]);
  const config = loadProjectorConfig({ DATABASE_URL: db.url('projector'), API_KEYS: KEY, LOG_LEVEL: 'silent' });
  const logger = createLogger({ service: 'projector-bad-input', level: 'silent' });
  pool = createPool({ url: config.database.url, name: 'projector-bad-input', max: 4, logger });
  projector = new Projector({ pool, databaseUrl: config.database.url, logger, settings: config.projection });
  app = createApp({ config, logger, pool, projector });
  coverage = new Coverage(await documentedOperations((path) => Promise.resolve(app.request(path))));
  before = await databaseFingerprint(db.admin);
});

afterAll(async () => {
  await projector?.stop();
  await pool?.end();
  await db?.drop();
});

async function call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<ProblemAnswer> {
  const response = await bounded(Promise.resolve(app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) })), 10_000, `${method} ${path}`);
  const answer = await readAnswer(response);
  if (answer.status >= 400 && answer.status < 500) coverage.note(method, path);
  return answer;
}

describe('projector admin API: malformed and hostile requests', () => {
  it('refuses everything under /admin without a valid key (401)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.oneof(fc.constantFrom('/admin/status', '/admin/rebuild', '/admin/rebuilds/1'), notAnId().map((id) => `/admin/rebuilds/${id}`), nastyString().map((s) => `/admin/${encodeURIComponent(s)}`)),
        fc.option(fc.oneof(headerValue(), fc.constantFrom(`Bearer ${KEY}x`, `Bearer ${KEY.toUpperCase()}`, `Token ${KEY}`, KEY))),
        fc.oneof(anyJsonText(), nastyString()),
        hostileQuery(),
        async (method, path, authorization, body, query) => {
          const answer = await call(method, `${path}?${query}`, authorization !== null ? { authorization } : {}, method === 'GET' ? undefined : body);
          expect(isClientProblem(answer), JSON.stringify(answer).slice(0, 300)).toBe(true);
          expect(answer.status).toBe(401);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('answers a rebuild id that is not one with 400, and an unknown one with 404', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(notAnId(), fc.bigInt({ min: 10n ** 6n, max: 10n ** 30n }).map(String)), hostileQuery(), async (id, query) => {
        const answer = await call('GET', `/admin/rebuilds/${id}?${query}`, { authorization: `Bearer ${KEY}` });
        expect(isClientProblem(answer), JSON.stringify(answer).slice(0, 300)).toBe(true);
        expect([400, 404]).toContain(answer.status);
      }),
      { numRuns: RUNS },
    );
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('reached every documented operation that takes input', () => {
    // POST /admin/rebuild takes no input (a valid key is all it needs): it is only refused without one, tested above.
    expect(coverage.missed(['GET /health', 'GET /ready'])).toEqual([]);
  });
});
