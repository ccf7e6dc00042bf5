import type { Pool } from '@crypto-invest/postgres';

export interface ReplicationFacts {
  inRecovery: boolean;
  /** The WAL receiver is connected to the primary and streaming. */
  streaming: boolean;
  /** WAL the replica knows exists on the primary but has not replayed yet. */
  lagBytes: number;
  /** How long the oldest WAL it knew of and has not replayed has been waiting (see ReplayLagClock). */
  lagSeconds: number;
}

/** What one check reads on the server. LSNs as text ('0/5000788'); null on a primary. */
export interface ReplicationSample {
  inRecovery: boolean;
  streaming: boolean;
  replayedLsn: string | null;
  /** The primary's WAL end as far as the replica knows: the newest of what it received and what the sender reported. */
  knownEndLsn: string | null;
}

// Null-safe: greatest() skips nulls.
const REPLICA_SAMPLE = /* sql */ `
  select pg_is_in_recovery() as in_recovery,
         coalesce((select status = 'streaming' from pg_stat_wal_receiver), false) as streaming,
         pg_last_wal_replay_lsn()::text as replayed_lsn,
         greatest(pg_last_wal_receive_lsn(), (select latest_end_lsn from pg_stat_wal_receiver))::text as known_end_lsn`;

export async function sampleReplication(pool: Pool, role: 'replica' | 'primary'): Promise<ReplicationSample> {
  if (role === 'primary') {
    const { rows } = await pool.query<{ in_recovery: boolean }>('select pg_is_in_recovery() as in_recovery');
    return { inRecovery: rows[0]!.in_recovery, streaming: false, replayedLsn: null, knownEndLsn: null };
  }
  const { rows } = await pool.query<{ in_recovery: boolean; streaming: boolean; replayed_lsn: string | null; known_end_lsn: string | null }>(REPLICA_SAMPLE);
  const row = rows[0]!;
  return { inRecovery: row.in_recovery, streaming: row.streaming, replayedLsn: row.replayed_lsn, knownEndLsn: row.known_end_lsn };
}

/** '16/B374D848' → a byte position. */
export function lsnToBigInt(lsn: string): bigint {
  const [high, low] = lsn.split('/') as [string, string];
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/**
 * Replication lag in time, measured by watching the replica rather than trusting
 * `now() - pg_last_xact_replay_timestamp()`, which reads as minutes of lag on an idle
 * replica the instant a new write arrives. Each check notes when WAL beyond the
 * replayed position was first seen; the lag is the age of the oldest such WAL still
 * not replayed. A replica that keeps up shows 0 whatever the idle time before a
 * write; one that replays 2 s late shows ~2 s (to the resolution of the checks).
 */
export class ReplayLagClock {
  private pending: Array<{ lsn: bigint; seenAt: number }> = [];

  observe(sample: ReplicationSample, now: number): ReplicationFacts {
    if (!sample.replayedLsn || !sample.knownEndLsn) {
      this.pending = [];
      return { inRecovery: sample.inRecovery, streaming: sample.streaming, lagBytes: 0, lagSeconds: 0 };
    }
    const replayed = lsnToBigInt(sample.replayedLsn);
    const knownEnd = lsnToBigInt(sample.knownEndLsn);
    this.pending = this.pending.filter((p) => p.lsn > replayed);
    if (knownEnd > replayed && (this.pending.length === 0 || knownEnd > this.pending.at(-1)!.lsn)) {
      this.pending.push({ lsn: knownEnd, seenAt: now });
    }
    const oldest = this.pending[0];
    return {
      inRecovery: sample.inRecovery,
      streaming: sample.streaming,
      lagBytes: Number(knownEnd > replayed ? knownEnd - replayed : 0n),
      lagSeconds: oldest ? Math.round(now - oldest.seenAt) / 1000 : 0,
    };
  }
}
