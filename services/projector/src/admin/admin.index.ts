import { requireApiKey, type ApiKeyAuth, type AppEnv, type OpenAPIHono } from '@crypto-invest/http';
import { getRebuild, getStatus, postRebuild, type AdminDeps } from './admin.handlers.ts';
import { rebuildRoute, requestRebuildRoute, statusRoute } from './admin.routes.ts';

/** The token-protected admin API: status, rebuild, rebuild progress. */
export function mountAdmin(app: OpenAPIHono<AppEnv>, deps: AdminDeps & { auth: ApiKeyAuth }): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS' });
  app.use('/admin/*', requireApiKey(deps.auth));
  app.openapi(statusRoute, getStatus(deps));
  app.openapi(requestRebuildRoute, postRebuild(deps));
  const showRebuild = getRebuild(deps);
  app.openapi(rebuildRoute, (c) => showRebuild(c, c.req.valid('param').id));
}
