import { EVENTS_CHANNEL } from '@crypto-invest/contracts';
import type { Logger } from '@crypto-invest/logger';
import { errorSummary } from '@crypto-invest/postgres';
import pgListen, { type Subscriber } from 'pg-listen';

// pg-listen is CommonJS with `exports.default`: Node hands us the exports object, a
// bundler that honours __esModule the function itself.
type CreateSubscriber = typeof pgListen.default;
const createSubscriber: CreateSubscriber =
  typeof pgListen === 'function' ? (pgListen as unknown as CreateSubscriber) : pgListen.default;

export type WakeReason = 'notification' | 'connected';

export interface WakeUpSettings {
  url: string;
  logger: Logger;
  onWake: (reason: WakeReason) => void;
  /** Longest wait between reconnect attempts. */
  retryMaxMs: number;
}

/**
 * The fast path: LISTEN on the events channel over a dedicated connection (pg-listen),
 * waking the projector within milliseconds of a commit. Notifications sent while the
 * connection is down are lost, so every (re)connect also wakes it for a catch-up
 * read, and the idle poll remains the safety net.
 *
 * pg-listen owns reconnection for the whole life of the subscriber — a failed first
 * connect included — and `retryTimeout: 0` stops it from giving up after its default
 * 3 s. Payloads are hints (an event id), kept as text and never trusted.
 */
export class WakeUp {
  private subscriber: Subscriber | undefined;
  private connected = false;

  constructor(private readonly settings: WakeUpSettings) {}

  get isConnected(): boolean {
    return this.connected;
  }

  async start(): Promise<void> {
    if (this.subscriber) return;
    const { logger, onWake } = this.settings;
    const subscriber = createSubscriber(
      { connectionString: this.settings.url, application_name: 'projector-listener', connectionTimeoutMillis: 3_000, query_timeout: 5_000 },
      {
        retryTimeout: 0,
        retryInterval: (attempt) => Math.min(100 * 2 ** attempt, this.settings.retryMaxMs),
        // A half-open connection is noticed within seconds, not pg-listen's default 30.
        paranoidChecking: 5_000,
        parse: (payload) => payload,
      },
    );
    this.subscriber = subscriber;
    subscriber.notifications.on(EVENTS_CHANNEL, () => onWake('notification'));
    subscriber.events.on('connected', () => {
      void this.listen(subscriber).then((ok) => {
        if (!ok) return;
        if (this.connected) return;
        this.connected = true;
        logger.info({ channel: EVENTS_CHANNEL }, 'listening for new events');
        onWake('connected');
      });
    });
    subscriber.events.on('reconnect', (attempt) => {
      if (this.connected) logger.warn({ channel: EVENTS_CHANNEL }, 'LISTEN connection lost; reconnecting (polling meanwhile)');
      this.connected = false;
      if (attempt % 10 === 0) logger.warn({ attempt }, 'still reconnecting the LISTEN connection');
    });
    subscriber.events.on('error', (error) => {
      logger.error({ err: errorSummary(error) }, 'LISTEN connection error');
    });
    try {
      await subscriber.connect();
    } catch (error) {
      // pg-listen sees the failed connection end and keeps reconnecting by itself.
      logger.warn({ err: errorSummary(error) }, 'LISTEN connection failed; pg-listen keeps retrying (polling meanwhile)');
    }
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.connected = false;
    await subscriber?.close().catch(() => undefined);
  }

  /** LISTEN on a fresh connection (pg-listen re-issues it itself after a reconnect once it knows the channel). */
  private async listen(subscriber: Subscriber): Promise<boolean> {
    try {
      if (!subscriber.getSubscribedChannels().includes(EVENTS_CHANNEL)) await subscriber.listenTo(EVENTS_CHANNEL);
      return true;
    } catch (error) {
      this.settings.logger.warn({ err: errorSummary(error) }, 'LISTEN failed; will retry on the next connection');
      return false;
    }
  }
}
