import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openApiDocumentText } from '@crypto-invest/tooling';
import { openApiApp } from './openapi-app.ts';

describe('openapi.json', () => {
  it('is what the code serves (run `npm run openapi -w @crypto-invest/query-api` after changing a route)', async () => {
    const { app, close } = openApiApp();
    try {
      const committed = await readFile(new URL('../openapi.json', import.meta.url), 'utf8');
      expect(await openApiDocumentText(app)).toBe(committed);
    } finally {
      await close?.();
    }
  });

  it('declares every status each data route answers', async () => {
    const { app, close } = openApiApp();
    try {
      const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, { get: { responses: Record<string, unknown> } }> };
      expect(Object.keys(doc.paths['/history']!.get.responses).sort()).toEqual(['200', '400', '500', '503']);
      expect(Object.keys(doc.paths['/stats']!.get.responses).sort()).toEqual(['200', '400', '500', '503']);
      expect(Object.keys(doc.paths['/stream']!.get.responses)).toEqual(['200']);
    } finally {
      await close?.();
    }
  });
});
