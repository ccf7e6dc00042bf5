import { createHash } from 'node:crypto';
import type { PositionWatcher } from '../freshness/position-watcher.ts';
import { toProjectionState, type ProjectionState } from '../freshness/projection-state.ts';
import { jsonBytes } from '../http/json-text.ts';
import type { ReplayClock } from '../replicas/replay-clock.ts';
import type { ReadSource, ReadSources } from '../replicas/read-sources.ts';
import { withSnapshot } from '../replicas/snapshot.ts';
import { encodeCursor } from './history-cursor.ts';
import { historyPageQuery, toInvestmentView, type HistoryFilter, type HistoryPage, type HistoryPageRow, type HistoryRow } from './history-query.ts';

/** A rendered page: the JSON body as bytes (sent as is), the state it was read with, the next page's cursor. */
export interface RenderedPage {
  state: ProjectionState;
  body: Uint8Array<ArrayBuffer>;
  /** The cursor of the next page, when one follows. */
  next?: string;
}

/** Pages kept per read source (all of the same replay position); the least recently used goes first. */
export const MAX_CACHED_PAGES = 500;

/** Distinct page statements prepared on each connection, at most. */
const MAX_PREPARED = 64;

interface SourcePages {
  version: string;
  pages: Map<string, RenderedPage>;
}

/**
 * Reads history pages, reusing a rendered page while the standby it came from has
 * replayed nothing since: a standby's data changes only by replaying WAL, so at the
 * same replay position (ReplayClock) the same query answers the same rows and
 * checkpoint. The position comes from a poll that started after the request arrived,
 * and a page is read after the position it is kept under was seen, so a kept page is
 * never older than that position — and never older than the standby was when a
 * request that gets it arrived. Only standbys: a primary (the fallback) is read every
 * time. Requests that miss on the same page and position share one read.
 *
 * A page that is read runs as a named prepared statement (one name per SQL text), so
 * each connection plans each form of the query once.
 */
export class HistoryPages {
  private readonly cache = new Map<string, SourcePages>();
  private readonly reading = new Map<string, Promise<RenderedPage & { source: ReadSource }>>();
  private readonly statementNames = new Map<string, string>();

  constructor(
    private readonly sources: ReadSources,
    private readonly watcher: PositionWatcher,
    private readonly clock: ReplayClock,
    private readonly onCache?: (result: 'hit' | 'miss' | 'bypass') => void,
  ) {}

  async read(filter: HistoryFilter, page: HistoryPage, prefer?: ReadSource): Promise<RenderedPage> {
    const source = prefer ?? this.sources.candidates()[0];
    let version: string | undefined;
    if (source && source.role === 'replica' && this.sources.healthOf(source).reachable !== false) {
      try {
        version = await this.clock.version(source);
      } catch {
        // Unreachable: the read below tries the next source, or answers 503.
      }
    }
    if (!source || version === undefined) {
      this.onCache?.('bypass');
      return this.readPage(filter, page, prefer);
    }
    const key = pageKey(filter, page);
    const kept = this.cache.get(source.name);
    const hit = kept?.version === version ? kept.pages.get(key) : undefined;
    if (hit) {
      // Most recently used last.
      kept!.pages.delete(key);
      kept!.pages.set(key, hit);
      this.onCache?.('hit');
      return hit;
    }
    this.onCache?.('miss');
    const readingKey = `${source.name}|${version}|${key}`;
    let pending = this.reading.get(readingKey);
    if (!pending) {
      pending = this.readPage(filter, page, source).finally(() => this.reading.delete(readingKey));
      this.reading.set(readingKey, pending);
      void pending.then(
        (rendered) => {
          if (rendered.source === source) this.keep(source, version, key, rendered);
        },
        () => undefined,
      );
    }
    return pending;
  }

  private keep(source: ReadSource, version: string, key: string, rendered: RenderedPage): void {
    let kept = this.cache.get(source.name);
    if (!kept || kept.version !== version) {
      // A new replay position: the pages of the old one will not be asked for again.
      // (A late read of an older position replacing a newer one only costs misses.)
      kept = { version, pages: new Map() };
      this.cache.set(source.name, kept);
    }
    kept.pages.set(key, { state: rendered.state, body: rendered.body, next: rendered.next });
    if (kept.pages.size > MAX_CACHED_PAGES) kept.pages.delete(kept.pages.keys().next().value!);
  }

  private async readPage(filter: HistoryFilter, page: HistoryPage, prefer?: ReadSource): Promise<RenderedPage & { source: ReadSource }> {
    const sql = historyPageQuery(filter, page);
    const name = this.statementName(sql.text);
    const { value, source } = await withSnapshot(
      this.sources,
      async ({ client }) => {
        const { rows } = await client.query<HistoryPageRow>(name ? { name, text: sql.text, values: sql.values } : { text: sql.text, values: sql.values });
        return { state: toProjectionState(rows[0]), rows: rows.filter((row): row is HistoryPageRow & HistoryRow => row.id !== null) };
      },
      { prefer, transaction: false },
    );
    this.watcher.record(source, value.state);
    const items = value.rows.slice(0, page.limit);
    const last = items.at(-1);
    const next = value.rows.length > page.limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : undefined;
    const body = jsonBytes(items.map(toInvestmentView));
    return { state: value.state, body, next, source };
  }

  /**
   * A name per SQL text, for the first MAX_PREPARED texts (filters and limits in use);
   * rarer forms run unnamed, so no connection holds more than that many statements.
   */
  private statementName(text: string): string | undefined {
    let name = this.statementNames.get(text);
    if (!name && this.statementNames.size < MAX_PREPARED) {
      name = `history_page_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      this.statementNames.set(text, name);
    }
    return name;
  }
}

/** Everything that decides a page's rows, normalised (the parsed request, not its raw text). */
function pageKey(filter: HistoryFilter, page: HistoryPage): string {
  return JSON.stringify([filter.coin ?? null, filter.from ?? null, filter.to ?? null, filter.includeVoided, page.limit, page.after?.timestamp ?? null, page.after?.id ?? null]);
}
