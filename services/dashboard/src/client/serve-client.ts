import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { httpProblem, problemResponse, type AppEnv } from '@crypto-invest/http';
import type { Context } from 'hono';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Everything comes from this server (no CDN): the page works offline, and the policy below makes
 * the browser refuse anything else. Styles set from script (chart sizes) are allowed by `style-src 'self'`.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the Vite-built single-page app from `clientDir`: files as they are (hashed assets cached
 * for a year), and index.html for every other page path so the app's own routes load.
 */
export function createClientHandler(clientDir: string) {
  const root = normalize(clientDir.endsWith(sep) ? clientDir : clientDir + sep);

  const fileAt = async (path: string): Promise<string | undefined> => {
    const file = normalize(join(root, decodeURIComponent(path)));
    if (!file.startsWith(root)) return undefined;
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? file : undefined;
  };

  return async function serveClient(c: Context<AppEnv>): Promise<Response> {
    let file: string | undefined;
    try {
      file = c.req.path === '/' ? undefined : await fileAt(c.req.path);
    } catch {
      file = undefined; // malformed %-encoding
    }
    if (file) {
      const immutable = c.req.path.startsWith('/assets/');
      return new Response(await readFile(file), {
        headers: {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
      });
    }
    // A missing asset is a 404; any other path is one of the app's pages.
    if (extname(c.req.path)) return problemResponse(c, httpProblem(404, 'not-found', 'Not found', `there is no ${c.req.path}`));
    const index = await fileAt('index.html');
    if (!index) {
      return problemResponse(
        c,
        httpProblem(503, 'client-not-built', 'The dashboard is not built', 'run `npm run build:client -w @crypto-invest/dashboard` (npm start does it for you)'),
      );
    }
    return new Response(await readFile(index), {
      headers: { 'content-type': CONTENT_TYPES['.html']!, 'cache-control': 'no-cache', 'content-security-policy': CONTENT_SECURITY_POLICY },
    });
  };
}
