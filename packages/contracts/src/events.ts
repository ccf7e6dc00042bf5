import { z } from 'zod';

/**
 * The event contracts: the one definition the command API writes, the projector
 * reads and the tests check. Events hold facts only (nothing derived), with decimals
 * as strings so that no reader's JSON.parse can round them.
 */
const decimalText = z.string().regex(/^[0-9]+(\.[0-9]+)?$/, 'a plain positive decimal string');
const isoInstant = z.iso.datetime({ offset: true });
const investmentId = z.string().regex(/^[0-9]+$/);

export const InvestmentRecordedData = z.object({
  investment_id: investmentId,
  coin: z.string().min(1),
  amount: decimalText,
  purchase_price_usd: decimalText,
  /** When the purchase happened (UTC ISO 8601). */
  timestamp: isoInstant,
  price_source: z.enum(['user', 'coingecko']),
});

/** Carries the voided investment's facts so the projection can subtract exactly what it added. */
export const InvestmentVoidedData = z.object({
  investment_id: investmentId,
  coin: z.string().min(1),
  amount: decimalText,
  purchase_price_usd: decimalText,
  timestamp: isoInstant,
  voided_at: isoInstant,
});

export const InvestmentRecorded = z.object({ type: z.literal('InvestmentRecorded'), data: InvestmentRecordedData });
export const InvestmentVoided = z.object({ type: z.literal('InvestmentVoided'), data: InvestmentVoidedData });
export const InvestmentEvent = z.discriminatedUnion('type', [InvestmentRecorded, InvestmentVoided]);

export type InvestmentRecordedData = z.infer<typeof InvestmentRecordedData>;
export type InvestmentVoidedData = z.infer<typeof InvestmentVoidedData>;
export type InvestmentRecorded = z.infer<typeof InvestmentRecorded>;
export type InvestmentVoided = z.infer<typeof InvestmentVoided>;
export type InvestmentEvent = z.infer<typeof InvestmentEvent>;
export type InvestmentEventType = InvestmentEvent['type'];

/** Stream of one investment's events: `investment-<id>`; version 1 recorded, 2 voided. */
export const investmentStream = (id: string) => `investment-${id}`;
export const STREAM_VERSION = { recorded: 1, voided: 2 } as const;

/**
 * The NOTIFY channel that wakes the projector, sent in the writing transaction (so only
 * on COMMIT). The payload is the event id as JSON text (`"123"` is not used: a bare
 * number); it is a hint only — readers always read the table, and notifications sent
 * while a listener is disconnected are lost.
 */
export const EVENTS_CHANNEL = 'events_appended';
