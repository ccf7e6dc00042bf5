/** Where a page of history ends: the last item's (timestamp, id), in the list's order. */
export interface HistoryCursor {
  /** ISO 8601 UTC with milliseconds, exactly as stored (timestamptz(3)). */
  timestamp: string;
  id: string;
}

const VERSION = '1';
const PAYLOAD = /^1\|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([1-9][0-9]{0,18})$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Opaque to clients (base64url), so its form can change without breaking them;
 * versioned so an old cursor is recognised as old rather than misread.
 */
export function encodeCursor(cursor: HistoryCursor): string {
  return Buffer.from(`${VERSION}|${cursor.timestamp}|${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor a `Link` header carried, or undefined when the text is not one we issued. */
export function decodeCursor(text: string): HistoryCursor | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const match = PAYLOAD.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const [, timestamp, id] = match as unknown as [string, string, string];
  if (BigInt(id) >= 2n ** 63n) return undefined;
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime()) || time.toISOString() !== timestamp) return undefined;
  return { timestamp, id };
}
