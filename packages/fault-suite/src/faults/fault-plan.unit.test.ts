import { describe, expect, it } from 'vitest';
import { CI_FAULTS, LONG_FAULTS, planFaults } from './fault-plan.ts';
import { seededRandom } from './random.ts';

describe('the fault plan', () => {
  it('has every kind of fault in the CI run, and at least 20 projector SIGKILLs in the long one', () => {
    for (const count of Object.values(CI_FAULTS)) expect(count).toBeGreaterThan(0);
    expect(LONG_FAULTS['projector-sigkill']).toBeGreaterThanOrEqual(20);
  });

  it('schedules each fault as many times as asked, in an order and with pauses the seed decides', () => {
    const plan = planFaults(CI_FAULTS, seededRandom(42), { min: 100, max: 900 });
    const tally = Object.fromEntries(Object.keys(CI_FAULTS).map((kind) => [kind, plan.filter((f) => f.kind === kind).length]));
    expect(tally).toEqual(CI_FAULTS);
    expect(plan.every((f) => f.pauseBeforeMs >= 100 && f.pauseBeforeMs <= 900)).toBe(true);
    expect(planFaults(CI_FAULTS, seededRandom(42), { min: 100, max: 900 })).toEqual(plan);
    expect(planFaults(CI_FAULTS, seededRandom(43), { min: 100, max: 900 })).not.toEqual(plan);
  });
});
