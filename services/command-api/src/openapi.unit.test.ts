import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openApiDocumentText } from '@crypto-invest/tooling';
import { openApiApp } from './openapi-app.ts';

describe('openapi.json', () => {
  it('is what the code serves (run `npm run openapi -w @crypto-invest/command-api` after changing a route)', async () => {
    const { app, close } = openApiApp();
    try {
      const committed = await readFile(new URL('../openapi.json', import.meta.url), 'utf8');
      expect(await openApiDocumentText(app)).toBe(committed);
    } finally {
      await close?.();
    }
  });
});
