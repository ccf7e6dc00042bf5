import { vitestPreset } from '../../vitest.preset.ts';

// Integration tests run against the run's real primary + streaming replica.
export default vitestPreset({ cluster: true });
