import { describe, expect, it } from 'vitest';
import { parseBenchOptions, PLANS } from './options.ts';

const defaults = { apiKey: () => 'key-from-npm-start-0123456789', clusterDir: '/repo/.data/cluster' };
const parse = (...args: string[]) => parseBenchOptions(args, '/where/npm/was/typed', defaults);

describe('bench options', () => {
  it('runs the full plan on a private system by default', () => {
    const options = parse();
    expect(options.plan).toBe(PLANS.full);
    expect(options.plan.sizes).toEqual([10_000, 100_000, 1_000_000]);
    expect(options.plan.writeConnections).toEqual([1, 8, 32, 64]);
    expect(options.running).toBeUndefined();
    expect(options.jsonFile).toBeUndefined();
    expect(options.runtime).toBe('bundle');
  });

  it('--quick and --smoke pick shorter plans, not both', () => {
    expect(parse('--quick').plan.mode).toBe('quick');
    expect(parse('--smoke').plan.mode).toBe('smoke');
    expect(() => parse('--quick', '--smoke')).toThrow(/not both/);
  });

  it('resolves --json against the folder npm was run from', () => {
    expect(parse('--json', 'out.json').jsonFile).toBe('/where/npm/was/typed/out.json');
    expect(parse('--json', '/tmp/x.json').jsonFile).toBe('/tmp/x.json');
  });

  it('--use-running takes npm start’s places unless told otherwise', () => {
    expect(parse('--use-running').running).toEqual({
      commandUrl: 'http://127.0.0.1:8000',
      queryUrl: 'http://127.0.0.1:8001',
      projectorUrl: 'http://127.0.0.1:8002',
      apiKey: 'key-from-npm-start-0123456789',
      clusterDir: '/repo/.data/cluster',
      primaryPort: 55432,
      replicaPort: 55433,
      database: 'crypto_invest',
    });
    const running = parse('--use-running', '--command-url', 'http://h:9000/', '--api-key', 'k', '--cluster-dir', 'c', '--primary-port', '6000').running!;
    expect(running).toMatchObject({ commandUrl: 'http://h:9000', apiKey: 'k', clusterDir: '/where/npm/was/typed/c', primaryPort: 6000 });
  });

  it('refuses what it cannot do', () => {
    expect(() => parse('--profile', 'dashboard')).toThrow(/unknown service dashboard/);
    expect(() => parse('--profile', 'command-api', '--use-running')).toThrow(/private system/);
    expect(() => parse('--use-running', '--primary-port', 'x')).toThrow(/not a port/);
    expect(() => parse('--runtime', 'deno')).toThrow(/bundle or source/);
    expect(() => parse('--no-such-flag')).toThrow();
  });

  it('--profile lists services', () => {
    expect(parse('--profile', 'command-api,query-api').profile).toEqual(['command-api', 'query-api']);
  });
});
