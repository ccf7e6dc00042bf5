import { vitestPreset } from '../../vitest.preset.ts';

// Integration tests kill and restart real processes and a private PostgreSQL: give them room.
export default vitestPreset({ cluster: true, testTimeout: 120_000 });
