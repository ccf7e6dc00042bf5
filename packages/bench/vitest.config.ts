import { vitestPreset } from '../../vitest.preset.ts';

// The smoke test starts its own private primary + replica and services (like `npm run bench`),
// so it needs no run-wide cluster; it runs the real bench for seconds.
export default vitestPreset({ testTimeout: 300_000 });
