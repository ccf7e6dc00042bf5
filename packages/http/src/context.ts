import type { Logger } from '@crypto-invest/logger';

/** What every request carries on the Hono context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    /** Who made the request: an API key's id (never the key), or 'anonymous' when auth is disabled. */
    principal: string;
  };
}
