/**
 * A position in the event log: the writing transaction's id (xid8) and the event id.
 * Events are applied in (transactionId, eventId) order, and only below the oldest
 * running transaction, so "checkpoint >= position" means "that event is applied".
 * Both parts are decimal strings (they are 64-bit).
 */
export interface EventPosition {
  transactionId: string;
  eventId: string;
}

export const ORIGIN: EventPosition = { transactionId: '0', eventId: '0' };

const TOKEN = /^([0-9]{1,20})\.([0-9]{1,20})$/;

/** The consistency token a command returns: `<transactionId>.<eventId>`. */
export function encodePosition(position: EventPosition): string {
  return `${position.transactionId}.${position.eventId}`;
}

/** Parses a consistency token; undefined when it is not one. */
export function decodePosition(token: string): EventPosition | undefined {
  const match = TOKEN.exec(token.trim());
  if (!match) return undefined;
  const transactionId = BigInt(match[1]!);
  const eventId = BigInt(match[2]!);
  if (transactionId >= 2n ** 64n || eventId >= 2n ** 63n) return undefined;
  return { transactionId: transactionId.toString(), eventId: eventId.toString() };
}

/** -1, 0 or 1, like a comparator. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ea = BigInt(a.eventId);
  const eb = BigInt(b.eventId);
  return ea === eb ? 0 : ea < eb ? -1 : 1;
}

export const hasReached = (checkpoint: EventPosition, target: EventPosition) => comparePositions(checkpoint, target) >= 0;
