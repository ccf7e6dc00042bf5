import { CoalescedPoll } from '../freshness/coalesced-poll.ts';
import type { ReadSource, ReadSources } from './read-sources.ts';

interface ReplayRow {
  standby: boolean;
  lsn: string | null;
  started_at: string;
}

// The server's lifetime is part of the version: after a restart a standby reports the
// replay position of its last restartpoint again, while its data can already be newer.
const REPLAY_POSITION = /* sql */ `select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as lsn,
  pg_postmaster_start_time()::text as started_at`;

/**
 * How far a hot standby has replayed the primary's WAL, as a version of everything a
 * read there can see: a standby's data changes only by replaying WAL, so while its
 * replay position has not moved every query answers the same. The position comes
 * from a coalesced poll that started after the call (a burst of callers shares one
 * query), so a version is never older than the standby was when the caller asked.
 * A server that is not in recovery (the primary fallback, a promoted replica) has no
 * such version: undefined.
 */
export class ReplayClock {
  private readonly polls = new Map<string, CoalescedPoll<string | undefined>>();

  constructor(private readonly sources: ReadSources) {}

  /** The source's data version now, undefined when it has none. Rejects when the source cannot be reached. */
  async version(source: ReadSource): Promise<string | undefined> {
    let poll = this.polls.get(source.name);
    if (!poll) {
      poll = new CoalescedPoll(async () => {
        const { rows } = await source.pool.query<ReplayRow>(REPLAY_POSITION);
        const row = rows[0];
        return row?.standby && row.lsn ? `${row.started_at}|${row.lsn}` : undefined;
      });
      this.polls.set(source.name, poll);
    }
    try {
      return await poll.next();
    } catch (error) {
      this.sources.markFailed(source, error);
      throw error;
    }
  }
}
