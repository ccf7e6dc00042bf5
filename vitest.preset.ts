// The one vitest preset every workspace extends: which files are tests, timeouts,
// and (for integration tests) the run-wide PostgreSQL primary + replica.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const CLUSTER_SETUP = fileURLToPath(new URL('./packages/testing/src/global-setup.ts', import.meta.url));

export interface PresetOptions {
  /** Starts one real primary + replica for the whole run (integration tests). */
  cluster?: boolean;
  testTimeout?: number;
}

export function vitestPreset(options: PresetOptions = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 120_000,
      globalSetup: options.cluster ? [CLUSTER_SETUP] : [],
      pool: 'forks',
      reporters: ['default'],
    },
  });
}
