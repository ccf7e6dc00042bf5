import { comparePositions } from '@crypto-invest/contracts';
import { stringifyJsonExact } from '@crypto-invest/money';
import { CoalescedPoll } from '../freshness/coalesced-poll.ts';
import type { PositionWatcher } from '../freshness/position-watcher.ts';
import { readProjectionState, type ProjectionState } from '../freshness/projection-state.ts';
import { jsonBytes } from '../http/json-text.ts';
import type { PriceLookup } from '../prices/current-prices.ts';
import type { ReadSource, ReadSources } from '../replicas/read-sources.ts';
import { withSnapshot } from '../replicas/snapshot.ts';
import { assembleStatistics } from './assemble-statistics.ts';
import { readStatistics, type BucketChoice, type StatisticsSnapshot } from './statistics-read-model.ts';

export interface StatisticsRead {
  snapshot: StatisticsSnapshot;
  source: ReadSource;
  /** The state the snapshot reflects (what ConsistentReads checks). */
  state: ProjectionState;
}

interface RenderedBody {
  snapshot: StatisticsSnapshot;
  prices: string;
  /** The JSON text as UTF-8 bytes, sent as they are. */
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Reads statistics, reusing what it read before while the read model has not moved.
 * The read model at a given (generation, checkpoint) is always the same rows — the
 * projector writes rows and checkpoint in one transaction — so a snapshot read
 * earlier at the position a replica reports *now* is exactly what a new read would
 * return. The position itself comes from a coalesced poll that started after the
 * request arrived, so no answer is older than the replica was at that moment; a
 * burst of requests costs one position query, and one snapshot read per position.
 */
export class StatisticsReader {
  private readonly snapshots = new Map<string, StatisticsSnapshot>();
  private readonly reading = new Map<string, Promise<StatisticsRead>>();
  private readonly serialReads = new Map<string, CoalescedPoll<StatisticsRead>>();
  private readonly bodies = new Map<string, RenderedBody>();

  constructor(
    private readonly sources: ReadSources,
    private readonly watcher: PositionWatcher,
    private readonly onCache?: (result: 'hit' | 'miss') => void,
  ) {}

  async read(bucket: BucketChoice, prefer?: ReadSource): Promise<StatisticsRead> {
    const source = prefer ?? this.sources.candidates()[0];
    let state: ProjectionState | undefined;
    if (source && this.sources.healthOf(source).reachable !== false) {
      try {
        state = await this.watcher.observe(source);
      } catch {
        // Unreachable: the snapshot read below tries the next source, or answers 503.
      }
    }
    if (source && state) {
      const key = `${source.name}|${bucket}`;
      const cached = this.snapshots.get(key);
      if (cached && sameState(cached.state, state)) {
        this.onCache?.('hit');
        return { snapshot: cached, source, state: cached.state };
      }
      // Requests that miss on the same position share one snapshot read; and one read at a
      // time per source and bucket (the next one queued behind it starts after this request
      // saw the position, so it reads at least that): under a stream of writes the position
      // moves every few ms, and a read per position would keep the replica busy re-reading.
      const readingKey = `${key}|${state.generation}|${state.token}`;
      let pending = this.reading.get(readingKey);
      if (!pending) {
        let reads = this.serialReads.get(key);
        if (!reads) {
          reads = new CoalescedPoll(() => this.readSnapshot(bucket, source));
          this.serialReads.set(key, reads);
        }
        pending = reads.next().finally(() => this.reading.delete(readingKey));
        this.reading.set(readingKey, pending);
      }
      this.onCache?.('miss');
      return pending;
    }
    this.onCache?.('miss');
    return this.readSnapshot(bucket, source);
  }

  /** The body (JSON text, or its UTF-8 bytes); the non-stale rendering is kept per snapshot and prices. */
  render(read: StatisticsRead, bucket: BucketChoice, prices: PriceLookup, stale: boolean): string | Uint8Array<ArrayBuffer> {
    if (stale) return stringifyJsonExact(assembleStatistics(read.snapshot, prices, true));
    const key = `${read.source.name}|${bucket}`;
    const fingerprint = pricesFingerprint(read.snapshot, prices);
    const cached = this.bodies.get(key);
    if (cached && cached.snapshot === read.snapshot && cached.prices === fingerprint) return cached.bytes;
    const bytes = jsonBytes(assembleStatistics(read.snapshot, prices, false));
    this.bodies.set(key, { snapshot: read.snapshot, prices: fingerprint, bytes });
    return bytes;
  }

  private async readSnapshot(bucket: BucketChoice, prefer: ReadSource | undefined): Promise<StatisticsRead> {
    const { value: snapshot, source } = await withSnapshot(
      this.sources,
      async ({ client }) => readStatistics(client, await readProjectionState(client), bucket),
      { prefer },
    );
    this.watcher.record(source, snapshot.state);
    const key = `${source.name}|${bucket}`;
    const previous = this.snapshots.get(key);
    if (!previous || !isOlder(snapshot.state, previous.state)) this.snapshots.set(key, snapshot);
    return { snapshot, source, state: snapshot.state };
  }
}

const sameState = (a: ProjectionState, b: ProjectionState) => a.generation === b.generation && a.token === b.token;

// Keep the newer of two snapshots when reads finish out of order.
const isOlder = (a: ProjectionState, b: ProjectionState) => comparePositions(a.position, b.position) < 0;

function pricesFingerprint(snapshot: StatisticsSnapshot, prices: PriceLookup): string {
  if (!prices.available) return `unavailable:${prices.reason}`;
  return snapshot.coins.map((c) => prices.prices.get(c.coin)?.toString() ?? '-').join(',');
}
