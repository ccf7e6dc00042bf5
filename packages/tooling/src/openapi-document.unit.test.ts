import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportOpenApiDocument, openApiDocumentText } from './openapi-document.ts';

const app = (doc: object, status = 200) => ({ request: () => new Response(JSON.stringify(doc), { status }) });

describe('OpenAPI export', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'openapi-export-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the served document as pretty JSON with a final newline', async () => {
    expect(await openApiDocumentText(app({ openapi: '3.1.0', paths: {} }))).toBe('{\n  "openapi": "3.1.0",\n  "paths": {}\n}\n');
    await expect(openApiDocumentText(app({ message: 'broken' }, 500))).rejects.toThrow(/answered 500/);
  });

  it('writes the file, reports drift with check, and closes the app', async () => {
    const file = join(dir, 'openapi.json');
    let closed = 0;
    const documented = (doc: object) => ({ app: app(doc), close: () => void closed++ });
    expect(await exportOpenApiDocument(documented({ a: 1 }), file)).toEqual({ changed: true });
    expect(await exportOpenApiDocument(documented({ a: 1 }), file, { check: true })).toEqual({ changed: false });
    expect(await exportOpenApiDocument(documented({ a: 2 }), file, { check: true })).toEqual({ changed: true });
    expect(await readFile(file, 'utf8')).toBe('{\n  "a": 1\n}\n');
    await writeFile(file, 'stale');
    expect(await exportOpenApiDocument(documented({ a: 2 }), file)).toEqual({ changed: true });
    expect(await readFile(file, 'utf8')).toBe('{\n  "a": 2\n}\n');
    expect(closed).toBe(4);
  });
});
