import { vitestPreset } from '../../vitest.preset.ts';

// Integration tests use the run's primary + replica (a fresh database per file); the smoke
// test runs the real bench, which starts a private cluster and services of its own.
export default vitestPreset({ cluster: true, testTimeout: 300_000 });
