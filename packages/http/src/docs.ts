import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';

export interface DocsInfo {
  title: string;
  version: string;
  description: string;
  /** Where the API is served; a relative URL ('.') means "where this document was loaded from". */
  servers?: Array<{ url: string; description?: string }>;
  license?: { name: string; identifier?: string; url?: string };
  /** Descriptions of the tags the routes use. */
  tags?: Array<{ name: string; description: string }>;
}

const require = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// Relative URLs: the page also works behind the dashboard's /api/<service>/ proxy.
const PAGE = (title: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} — API docs</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;
const INIT = `window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/**
 * `GET /openapi.json` (OpenAPI 3.1) and `GET /docs` (Swagger UI whose assets we
 * serve ourselves from swagger-ui-dist, so the page works with no internet).
 */
export function mountDocs(app: OpenAPIHono<AppEnv>, info: DocsInfo): void {
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description, ...(info.license ? { license: info.license } : {}) },
    ...(info.servers ? { servers: info.servers } : {}),
    ...(info.tags ? { tags: info.tags } : {}),
  });
  const cache = new Map<string, Buffer>();
  app.get('/docs', (c) => c.html(PAGE(info.title)));
  app.get('/docs/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    let content = cache.get(file);
    if (!content) {
      content = await readFile(join(SWAGGER_DIR, file));
      cache.set(file, content);
    }
    return c.body(new Uint8Array(content), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
