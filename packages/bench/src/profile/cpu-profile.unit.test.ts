import { describe, expect, it } from 'vitest';
import { areaOf, summariseProfile, type CpuProfile } from './cpu-profile.ts';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });

describe('CPU profile summary', () => {
  it('names areas: packages, our workspaces, node internals, V8', () => {
    expect(areaOf(frame('parse', 'file:///work/main/node_modules/pg-protocol/dist/parser.js'))).toBe('pg-protocol');
    expect(areaOf(frame('x', 'file:///work/main/node_modules/@hono/node-server/dist/index.mjs'))).toBe('@hono/node-server');
    expect(areaOf(frame('record', 'file:///work/main/services/command-api/src/app.ts'))).toBe('services/command-api');
    expect(areaOf(frame('toPlain', 'file:///work/main/packages/money/src/decimal.ts'))).toBe('packages/money');
    expect(areaOf(frame('writeGeneric', 'node:internal/stream_base_commons'))).toBe('node:internal/stream_base_commons');
    expect(areaOf(frame('(garbage collector)', ''))).toBe('V8: garbage collection');
  });

  it('adds self time per function and area, as a share of the busy time (idle left out)', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1_000_000, // 1 s
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('parse', 'file:///r/node_modules/pg-protocol/dist/parser.js') },
        { id: 4, callFrame: frame('handle', 'file:///r/services/command-api/src/app.ts') },
      ],
      samples: [2, 2, 2, 2, 2, 2, 3, 3, 3, 4],
    };
    const summary = summariseProfile(profile, 'command-api', 'x.cpuprofile');
    expect(summary.sampled_ms).toBe(400);
    expect(summary.top_self[0]).toEqual({ function: 'parse', location: 'pg-protocol/dist/parser.js:10', self_ms: 300, self_percent: 75 });
    expect(summary.by_area).toEqual([
      { area: 'pg-protocol', self_ms: 300, self_percent: 75 },
      { area: 'services/command-api', self_ms: 100, self_percent: 25 },
    ]);
  });
});
