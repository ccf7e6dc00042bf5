import { vitestPreset } from '../../vitest.preset.ts';

export default vitestPreset();
