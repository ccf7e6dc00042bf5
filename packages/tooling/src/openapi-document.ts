import { readFile, writeFile } from 'node:fs/promises';

/** Anything that answers requests in-process, like a Hono app. */
export interface InProcessApp {
  request(path: string): Response | Promise<Response>;
}

/** What a service's OpenAPI module exports: its app with inert dependencies, and how to release them. */
export interface DocumentedApp {
  app: InProcessApp;
  close?: () => Promise<void> | void;
}

/**
 * The OpenAPI document an app serves at `path`, as the text we commit: pretty-printed
 * JSON with a final newline, so a change in the code shows as a readable diff.
 */
export async function openApiDocumentText(app: InProcessApp, path = '/openapi.json'): Promise<string> {
  const response = await app.request(path);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.stringify(JSON.parse(text), null, 2) + '\n';
}

/** Writes the document to `file`; with `check`, only compares and says whether the file is current. */
export async function exportOpenApiDocument(documented: DocumentedApp, file: string, { check = false } = {}): Promise<{ changed: boolean }> {
  try {
    const text = await openApiDocumentText(documented.app);
    const current = await readFile(file, 'utf8').catch(() => undefined);
    const changed = current !== text;
    if (changed && !check) await writeFile(file, text);
    return { changed };
  } finally {
    await documented.close?.();
  }
}
