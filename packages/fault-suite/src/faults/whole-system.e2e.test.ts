import { describe, expect, it } from 'vitest';
import { CI_FAULTS, LONG_FAULTS } from './fault-plan.ts';
import { runFaults } from './fault-run.ts';
import { formatReport, serviceChecks } from './report.ts';

// `npm run test:faults` (and `npm test`): the CI-sized run. FAULTS_LONG=1: the long one
// (≥ 20 projector SIGKILLs, several primary restarts, ...). FAULTS_SEED=<n> replays a plan.
const long = process.env.FAULTS_LONG === '1';
const seed = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('the whole system under faults', () => {
  it(
    `keeps the books exact through projector crashes, lost notifications, database restarts, CoinGecko faults and out-of-order commits (${long ? 'long' : 'CI'} run)`,
    { timeout: long ? 60 * 60_000 : 10 * 60_000 },
    async () => {
      const result = await runFaults({
        faults: long ? LONG_FAULTS : CI_FAULTS,
        seed,
        writers: 3,
        pauseMs: long ? { min: 200, max: 2_500 } : { min: 300, max: 1_500 },
        progress: (line) => process.stdout.write(`[faults] ${line}\n`),
      });
      const checks = [...serviceChecks(result.ledger, result.unexpectedExits), ...result.checks];
      process.stdout.write(formatReport(result, checks));
      expect(result.injected.filter((f) => f.kind === 'projector-sigkill').length).toBe((long ? LONG_FAULTS : CI_FAULTS)['projector-sigkill']);
      expect(result.ledger.intents.length).toBeGreaterThan(200);
      expect(checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    },
  );
});
