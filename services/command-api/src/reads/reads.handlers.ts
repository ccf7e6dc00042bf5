import type { Context } from 'hono';
import type { AppEnv, OpenAPIHono } from '@crypto-invest/http';
import { readRoutes } from './reads.routes.ts';

/** `GET /history` and `GET /stats` → 307 to the query API's public URL, same path and query. */
export function mountReadRedirects(app: OpenAPIHono<AppEnv>, queryApiPublicUrl: string): void {
  const redirect = (c: Context<AppEnv>) => {
    const { pathname, search } = new URL(c.req.url);
    return c.body(null, 307, { Location: `${queryApiPublicUrl}${pathname}${search}`, 'Cache-Control': 'no-store' });
  };
  app.openapi(readRoutes.history, redirect as never);
  app.openapi(readRoutes.stats, redirect as never);
}
