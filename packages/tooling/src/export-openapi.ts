// Writes a service's OpenAPI document to a file that is committed with the code (and
// linted by @redocly/cli). Run from a service folder:
//   node --import tsx ../../packages/tooling/src/export-openapi.ts <module> <outfile> [--check]
// <module> exports `openApiApp(): DocumentedApp` — the app built with inert dependencies.
// --check exits 1 when the file differs from what the code produces.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportOpenApiDocument, type DocumentedApp } from './openapi-document.ts';

const [modulePath, outfile = 'openapi.json'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const check = process.argv.includes('--check');
if (!modulePath) {
  process.stderr.write('usage: export-openapi <module exporting openApiApp()> [outfile] [--check]\n');
  process.exit(2);
}
const module = (await import(pathToFileURL(resolve(modulePath)).href)) as { openApiApp?: () => DocumentedApp | Promise<DocumentedApp> };
if (typeof module.openApiApp !== 'function') {
  process.stderr.write(`${modulePath} does not export openApiApp()\n`);
  process.exit(2);
}
const { changed } = await exportOpenApiDocument(await module.openApiApp(), outfile, { check });
if (check && changed) {
  process.stderr.write(`${outfile} is out of date: run the export without --check and commit the result\n`);
  process.exit(1);
}
process.stdout.write(`${outfile} ${check ? 'is up to date' : changed ? 'written' : 'unchanged'}\n`);
