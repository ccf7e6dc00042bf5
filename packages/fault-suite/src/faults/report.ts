import type { Check } from './books.ts';
import type { FaultRunResult } from './fault-run.ts';
import { intentOutcome, type Ledger } from './ledger.ts';

/** Checks on how the services answered during the run: never a 500, never a hang, no crash. */
export function serviceChecks(ledger: Ledger, unexpectedExits: string[]): Check[] {
  const tally = [...ledger.statuses.entries()];
  const fiveHundreds = tally.filter(([key]) => / 5\d\d$/.test(key) && !key.endsWith(' 503'));
  const hangs = tally.filter(([key]) => key.endsWith(' timeout'));
  return [
    {
      name: 'no 5xx but a clear 503 from any service during the faults',
      ok: fiveHundreds.length === 0,
      detail: fiveHundreds.length ? fiveHundreds.map(([k, n]) => `${k} ×${n}`).join(', ') : 'none',
    },
    {
      name: 'no request hung (every answer within 20 s)',
      ok: hangs.length === 0,
      detail: hangs.length ? hangs.map(([k, n]) => `${k} ×${n}`).join(', ') : 'none',
    },
    {
      name: 'no service exited by itself',
      ok: unexpectedExits.length === 0,
      detail: unexpectedExits.length ? unexpectedExits.join('; ') : 'only the projector, and only by our SIGKILLs',
    },
  ];
}

const count = <T>(items: T[], key: (item: T) => string) => {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return [...out.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
};

/** The readable summary: what was injected, what load ran meanwhile, what was checked. */
export function formatReport(result: FaultRunResult, checks: Check[]): string {
  const { ledger } = result;
  const lines: string[] = [];
  lines.push('', `━━ crypto-invest fault run — seed ${result.seed} (FAULTS_SEED=${result.seed} replays this plan), ${(result.durationMs / 1000).toFixed(0)} s ━━`);
  lines.push(`Injected (${result.injected.length}): ${count(result.injected, (f) => f.kind)}`);
  for (const f of result.injected) lines.push(`  +${(f.at / 1000).toFixed(1).padStart(6)} s  ${f.kind.padEnd(29)} ${f.detail} (${(f.ms / 1000).toFixed(1)} s)`);
  const intents = ledger.intents;
  lines.push('Load meanwhile:');
  lines.push(`  writes ${intents.length}: ${count(intents, (i) => i.via)}`);
  lines.push(`  outcomes: ${count(intents, intentOutcome)}`);
  lines.push(
    `  with Idempotency-Key ${intents.filter((i) => i.idempotencyKey).length} (${intents.filter((i) => i.idempotencyKey && i.answers.length > 1).length} sent more than once); ` +
      `hostile ${intents.filter((i) => i.hostile).length}: ${count(intents.filter((i) => i.hostile), (i) => i.hostile!)}`,
  );
  lines.push(`  void requests ${ledger.voids.length} (${ledger.voids.reduce((n, v) => n + v.answers.length, 0)} DELETEs)`);
  const statuses = [...ledger.statuses.entries()].sort(([a], [b]) => a.localeCompare(b));
  lines.push(`  answers: ${statuses.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  lines.push(`Checked (${checks.filter((c) => c.ok).length}/${checks.length} passed):`);
  for (const c of checks) lines.push(`  ${c.ok ? '✔' : '✘'} ${c.name} — ${c.detail}`);
  lines.push('');
  return lines.join('\n');
}
