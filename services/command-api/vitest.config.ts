import { vitestPreset } from '../../vitest.preset.ts';

// Integration tests run against the run's real PostgreSQL primary + replica.
export default vitestPreset({ cluster: true });
