import { vitestPreset } from '../../vitest.preset.ts';

// The run's shared primary + replica serves the in-process tests (bad input, roles);
// the whole-system fault run makes a private cluster of its own, because it restarts
// the primary and stops the replica.
export default vitestPreset({ cluster: true });
