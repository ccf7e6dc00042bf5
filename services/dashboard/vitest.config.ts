import react from '@vitejs/plugin-react';
import { mergeConfig } from 'vitest/config';
import { vitestPreset } from '../../vitest.preset.ts';

// The cluster is for the end-to-end test (the whole system in a real browser); the web app's
// tests run in happy-dom (chosen per file with `@vitest-environment`).
export default mergeConfig(vitestPreset({ cluster: true, testTimeout: 60_000 }), {
  plugins: [react()],
  test: {
    include: ['web/**/*.test.ts', 'web/**/*.test.tsx'],
    env: { TZ: 'UTC' },
  },
});
