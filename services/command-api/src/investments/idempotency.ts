import { DomainError } from '@crypto-invest/contracts';
import type { Pool, PoolClient } from '@crypto-invest/postgres';

// Idempotency-Key: the first response to a (client, key) is stored in the same
// transaction as the write it describes, and replayed for every retry.

export interface IdempotencyScope {
  /** Who sent it (an API key's id): clients cannot collide with each other's keys. */
  principal: string;
  key: string;
}

/** A response as sent, so a retry gets the very same bytes. */
export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface KeyRow {
  request_hash: string;
  response_status: number;
  response_body: string;
  response_headers: Record<string, string>;
}

export type ClaimResult = { claimed: true } | { claimed: false; response: StoredResponse };

/**
 * A stored response for this key, if a committed one exists (the cheap check before
 * any price lookup). Throws 422 when the key was used for a different request.
 */
export async function findStoredResponse(
  pool: Pool,
  scope: IdempotencyScope,
  fingerprint: string,
): Promise<StoredResponse | undefined> {
  const { rows } = await pool.query<KeyRow>(
    `select request_hash, response_status, response_body, response_headers
     from idempotency_keys where principal = $1 and key = $2 and expires_at > now()`,
    [scope.principal, scope.key],
  );
  return rows[0] && replay(rows[0], fingerprint);
}

/**
 * Claims the key inside the writing transaction, before anything else is written.
 * A concurrent request with the same key blocks on the primary key until this
 * transaction ends: after a COMMIT it finds the stored response and replays it;
 * after a ROLLBACK its own insert goes through. An expired key is taken over.
 */
export async function claimKey(client: PoolClient, scope: IdempotencyScope, fingerprint: string, ttlHours: number): Promise<ClaimResult> {
  const claim = await client.query(
    `insert into idempotency_keys (principal, key, request_hash, response_status, response_body, expires_at)
     values ($1, $2, $3, 0, '', now() + make_interval(hours => $4))
     on conflict (principal, key) do update
       set request_hash = excluded.request_hash, response_status = 0, response_body = '', response_headers = '{}',
           created_at = now(), expires_at = excluded.expires_at
       where idempotency_keys.expires_at <= now()
     returning 1`,
    [scope.principal, scope.key, fingerprint, ttlHours],
  );
  if (claim.rowCount === 1) return { claimed: true };
  const { rows } = await client.query<KeyRow>(
    `select request_hash, response_status, response_body, response_headers from idempotency_keys where principal = $1 and key = $2`,
    [scope.principal, scope.key],
  );
  return { claimed: false, response: replay(rows[0]!, fingerprint) };
}

/** Stores the response of the write that claimed the key (same transaction). */
export async function storeResponse(client: PoolClient, scope: IdempotencyScope, response: StoredResponse): Promise<void> {
  await client.query(
    `update idempotency_keys set response_status = $3, response_body = $4, response_headers = $5
     where principal = $1 and key = $2`,
    [scope.principal, scope.key, response.status, response.body, JSON.stringify(response.headers)],
  );
}

/**
 * Deletes up to `limit` expired keys (an index range scan on expires_at), so the
 * table stays as small as a day of writes without a job of its own.
 */
export async function pruneExpiredKeys(pool: Pool, limit = 1_000): Promise<number> {
  const result = await pool.query(
    `delete from idempotency_keys where ctid = any (array(
       select ctid from idempotency_keys where expires_at <= now() order by expires_at limit $1))`,
    [limit],
  );
  return result.rowCount ?? 0;
}

function replay(row: KeyRow, fingerprint: string): StoredResponse {
  if (row.request_hash !== fingerprint) {
    throw new DomainError(
      'unprocessable',
      'idempotency-key-reused',
      'Idempotency-Key already used',
      'this Idempotency-Key was already used for a different request; send a new key for a new request',
      { fields: [{ field: 'Idempotency-Key', reason: 'was used before with a different body or endpoint' }] },
    );
  }
  return { status: row.response_status, body: row.response_body, headers: row.response_headers };
}
