import { describe, expect, it } from 'vitest';
import { migrations } from './migrations/index.ts';
import { LATEST_MIGRATION } from './schema-version.ts';

describe('migration list', () => {
  it('names the newest migration as the schema version services wait for', () => {
    expect(migrations.at(-1)!.name).toBe(LATEST_MIGRATION);
  });
  it('is in timestamp order with unique names that match their classes', () => {
    const names = migrations.map((m) => m.name);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
    for (const m of migrations) expect(m.class.name).toBe(m.name);
  });
});
