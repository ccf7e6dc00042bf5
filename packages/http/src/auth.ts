import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { DomainError } from '@crypto-invest/contracts';
import type { AppEnv } from './context.ts';

export interface ApiKeyAuth {
  mode: 'required' | 'disabled';
  keys: string[];
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** A stable, non-secret id for a key (for logs, idempotency scopes and rate limits). */
export const keyId = (key: string) => 'key_' + digest(key).toString('hex').slice(0, 12);

/**
 * `Authorization: Bearer <key>` against the configured keys, compared in constant
 * time (fixed-length digests, every key checked). Sets `principal` to the key's id.
 * With mode 'disabled' (explicit, loopback only — enforced by config) every request
 * passes as 'anonymous'.
 */
export function requireApiKey(auth: ApiKeyAuth): MiddlewareHandler<AppEnv> {
  const known = auth.keys.map((key) => ({ id: keyId(key), digest: digest(key) }));
  return async (c, next) => {
    if (auth.mode === 'disabled') return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized(header ? 'the Authorization header must be "Bearer <API key>"' : 'send an API key: Authorization: Bearer <API key>');
    const presented = digest(match[1]!);
    let principal: string | undefined;
    for (const key of known) if (timingSafeEqual(presented, key.digest)) principal = key.id;
    if (!principal) throw unauthorized('the API key is not valid');
    c.set('principal', principal);
    await next();
  };
}

function unauthorized(detail: string) {
  return new DomainError('unauthorized', 'unauthorized', 'Authentication required', detail, {
    fields: [{ field: 'Authorization', reason: detail }],
  });
}
