import { isLosslessNumber, parseJsonExact, Decimal, toPlain } from '@crypto-invest/money';
import pg from 'pg';
import { databaseFingerprint } from '../database-fingerprint.ts';
import { acceptedIds, answerOutcome, intentOutcome, type Ledger } from './ledger.ts';

/** One thing the suite checked, and what it found. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const plain = (value: unknown): string => {
  const text = isLosslessNumber(value) ? value.value : String(value);
  return toPlain(new Decimal(text));
};
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** Figures of the statistics, as plain decimal text (every digit, no trailing zeros). */
export interface Figures {
  coins: Record<string, { amount: string; invested: string; count: number; first: string | null; last: string | null }>;
  days: Record<string, { amount: string; invested: string; count: number }>;
  totals: { invested: string; count: number; coins: number };
}

/** The reference: SQL aggregates over the live (not voided) investments. */
export async function sqlAggregate(db: pg.ClientBase): Promise<Figures> {
  const coins = await db.query(
    `select coin_name, sum(amount)::text a, sum(total_value_usd)::text i, count(*)::int n, min("timestamp") f, max("timestamp") l
       from investments where voided_at is null group by coin_name`,
  );
  const days = await db.query(
    `select coin_name, ("timestamp" at time zone 'UTC')::date::text d, sum(amount)::text a, sum(total_value_usd)::text i, count(*)::int n
       from investments where voided_at is null group by 1, 2`,
  );
  const totals = await db.query(
    `select coalesce(sum(total_value_usd), 0)::text i, count(*)::int n, count(distinct coin_name)::int c from investments where voided_at is null`,
  );
  return shape(coins.rows, days.rows, totals.rows[0]);
}

/** The projector's read model (active generation). */
export async function readModel(db: pg.ClientBase): Promise<Figures> {
  const gen = `(select active_generation from projections where name = 'statistics')`;
  const coins = await db.query(
    `select coin_name, total_amount::text a, total_invested_usd::text i, investment_count::int n, first_investment_at f, last_investment_at l
       from coin_stats where generation = ${gen}`,
  );
  const days = await db.query(
    `select coin_name, day::text d, amount::text a, invested_usd::text i, investment_count::int n from daily_coin_stats where generation = ${gen}`,
  );
  const totals = await db.query(
    `select total_invested_usd::text i, investment_count::int n, coin_count c from portfolio_totals where generation = ${gen}`,
  );
  return shape(coins.rows, days.rows, totals.rows[0] ?? { i: '0', n: 0, c: 0 });
}

function shape(coins: pg.QueryResultRow[], days: pg.QueryResultRow[], totals: pg.QueryResultRow): Figures {
  return {
    coins: Object.fromEntries(coins.map((r) => [r.coin_name, { amount: plain(r.a), invested: plain(r.i), count: r.n, first: iso(r.f), last: iso(r.l) }])),
    days: Object.fromEntries(days.map((r) => [`${r.d} ${r.coin_name}`, { amount: plain(r.a), invested: plain(r.i), count: r.n }])),
    totals: { invested: plain(totals.i), count: Number(totals.n), coins: Number(totals.c) },
  };
}

/** Differences between two plain objects, as `path: a ≠ b` lines (the first `limit`). */
export function differences(a: unknown, b: unknown, limit = 8, path = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    const out: string[] = [];
    for (const key of keys) {
      out.push(...differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], limit - out.length, path ? `${path}.${key}` : key));
      if (out.length >= limit) break;
    }
    return out;
  }
  return a === b ? [] : [`${path || '(value)'}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}

const compare = (name: string, actual: unknown, expected: unknown, what: string): Check => {
  const diff = differences(actual, expected);
  return { name, ok: diff.length === 0, detail: diff.length ? diff.join('; ') : what };
};

export interface BookSources {
  primary: pg.ClientBase;
  replica: pg.ClientBase;
  queryApi: string;
  /** The newest event position, as a consistency token. */
  token: string;
}

/** Every check of the books, after the faults, once the projection and the replica have caught up. */
export async function checkBooks(ledger: Ledger, sources: BookSources): Promise<Check[]> {
  const checks: Check[] = [];
  const { primary, replica } = sources;

  // ------------------------------------------------------------ what the clients were told
  const { rows: investments } = await primary.query<{ id: string; amount: string; voided: boolean }>(
    `select id::text, amount::text, voided_at is not null as voided from investments`,
  );
  const byMarker = new Map<string, typeof investments>();
  for (const row of investments) {
    const marker = plain(row.amount);
    byMarker.set(marker, [...(byMarker.get(marker) ?? []), row]);
  }
  const accepted = ledger.intents.filter((i) => intentOutcome(i) === 'accepted');
  const rejected = ledger.intents.filter((i) => intentOutcome(i) === 'rejected');
  const indeterminate = ledger.intents.filter((i) => intentOutcome(i) === 'indeterminate');
  const wrongAccepted = accepted.filter((i) => {
    const rows = byMarker.get(i.marker) ?? [];
    const ids = acceptedIds(i);
    return rows.length !== 1 || ids.length !== 1 || ids[0] !== rows[0]!.id;
  });
  checks.push({
    name: 'every 200/201 has exactly one investment, with the id it answered',
    ok: wrongAccepted.length === 0,
    detail: wrongAccepted.length
      ? wrongAccepted.slice(0, 5).map((i) => `${i.via} amount ${i.marker}: ids answered ${acceptedIds(i).join('/')}, rows ${(byMarker.get(i.marker) ?? []).map((r) => r.id).join('/') || 'none'}`).join('; ')
      : `${accepted.length} accepted writes, each found once`,
  });
  const replays = accepted.filter((i) => i.answers.filter((a) => answerOutcome(a) === 'accepted').length > 1);
  const badReplays = replays.filter((i) => !i.answers.filter((a) => answerOutcome(a) === 'accepted').slice(1).every((a) => a.replayed));
  checks.push({
    name: 'a retried Idempotency-Key replays the first answer',
    ok: badReplays.length === 0,
    detail: badReplays.length ? `${badReplays.length} retries were not marked Idempotent-Replayed` : `${replays.length} keys retried after success; one investment each, same id, Idempotent-Replayed: true`,
  });
  const leftRows = rejected.filter((i) => (byMarker.get(i.marker) ?? []).length > 0);
  checks.push({
    name: 'no rejected request left a row',
    ok: leftRows.length === 0,
    detail: leftRows.length
      ? leftRows.slice(0, 5).map((i) => `${i.via} ${i.hostile ?? ''} amount ${i.marker}: statuses ${i.answers.map((a) => a.status).join(',')}`).join('; ')
      : `${rejected.length} rejected requests (4xx, or 503 before any write), none left a row`,
  });
  // Refused, or (when a database fault got in first) at least never written.
  const hostileAccepted = ledger.intents.filter((i) => i.hostile && (intentOutcome(i) === 'accepted' || (byMarker.get(i.marker) ?? []).length > 0));
  checks.push({
    name: 'requests built to be refused were refused',
    ok: hostileAccepted.length === 0,
    detail: hostileAccepted.length
      ? hostileAccepted.slice(0, 5).map((i) => `${i.hostile}: ${i.answers.map((a) => a.status).join(',')}`).join('; ')
      : `${ledger.intents.filter((i) => i.hostile).length} hostile writes (no key, wrong key, unknown field, future time, unknown coin, text/plain, reused key) all refused`,
  });
  const doubled = indeterminate.filter((i) => (byMarker.get(i.marker) ?? []).length > 1);
  checks.push({
    name: 'an answer lost in a fault left at most one investment',
    ok: doubled.length === 0,
    detail: `${indeterminate.length} writes without a definite answer; ${indeterminate.filter((i) => byMarker.has(i.marker)).length} of them committed, ${doubled.length} twice`,
  });
  const markers = new Set(ledger.intents.map((i) => i.marker));
  const unknownRows = investments.filter((r) => !markers.has(plain(r.amount)));
  checks.push({
    name: 'no investment that nobody asked for',
    ok: unknownRows.length === 0,
    detail: unknownRows.length ? `${unknownRows.length} rows with amounts no writer sent, e.g. #${unknownRows[0]!.id}` : `${investments.length} rows, all from writers`,
  });

  // ------------------------------------------------------------ voids
  const voidedNow = new Set(investments.filter((r) => r.voided).map((r) => r.id));
  const okVoids = ledger.voids.filter((v) => v.answers.some((a) => a.status === 200));
  const maybeVoids = new Set(ledger.voids.filter((v) => v.answers.some((a) => answerOutcome(a) === 'indeterminate')).map((v) => v.investmentId));
  const missingVoids = okVoids.filter((v) => !voidedNow.has(v.investmentId));
  const strayVoids = [...voidedNow].filter((id) => !okVoids.some((v) => v.investmentId === id) && !maybeVoids.has(id));
  const unknownVoids = ledger.voids.filter((v) => v.answers.some((a) => a.status === 404));
  const ids = new Set(investments.map((r) => r.id));
  const wrong404 = unknownVoids.filter((v) => ids.has(v.investmentId));
  checks.push({
    name: 'voids: every 200 voided, nothing else voided, 404 only for ids that do not exist',
    ok: missingVoids.length === 0 && strayVoids.length === 0 && wrong404.length === 0,
    detail:
      `${okVoids.length} voided (${ledger.voids.filter((v) => v.answers.filter((a) => a.status === 200).length > 1).length} of them twice), ${unknownVoids.length} unknown ids → 404; ` +
      `missing ${missingVoids.length}, stray ${strayVoids.length}, 404 for an existing investment ${wrong404.length}${wrong404.length ? ` (#${wrong404.slice(0, 5).map((v) => v.investmentId).join(', #')})` : ''}`,
  });

  // ------------------------------------------------------------ the event log
  const { rows: log } = await primary.query<Record<string, number>>(`
    select
      (select count(*) from investments i where (select count(*) from events e where e.stream_id = 'investment-' || i.id and e.type = 'InvestmentRecorded') <> 1)::int as recorded_not_once,
      (select count(*) from investments i where (select count(*) from events e where e.stream_id = 'investment-' || i.id and e.type = 'InvestmentVoided')
                                               <> case when i.voided_at is null then 0 else 1 end)::int as voided_mismatch,
      (select count(*) from events e where not exists (select 1 from investments i where 'investment-' || i.id = e.stream_id))::int as orphan_events,
      (select count(*) from events e join investments i on e.stream_id = 'investment-' || i.id
        where e.type = 'InvestmentRecorded' and ((e.data->>'amount')::numeric <> i.amount or (e.data->>'purchase_price_usd')::numeric <> i.purchase_price_usd
              or e.data->>'coin' <> i.coin_name or (e.data->>'timestamp')::timestamptz <> i."timestamp"))::int as data_mismatch,
      (select count(*) from events)::int as events`);
  const l = log[0]!;
  checks.push({
    name: 'every investment has exactly one InvestmentRecorded event (and one InvestmentVoided when voided)',
    ok: l.recorded_not_once === 0 && l.voided_mismatch === 0 && l.orphan_events === 0 && l.data_mismatch === 0,
    detail: `${l.events} events for ${investments.length} investments (${voidedNow.size} voided): ${l.recorded_not_once} without exactly one Recorded, ${l.voided_mismatch} void mismatches, ${l.orphan_events} orphan events, ${l.data_mismatch} events whose data differs from the row`,
  });

  // ------------------------------------------------------------ the read model
  const reference = await sqlAggregate(primary);
  checks.push(compare('read model (primary) = SQL aggregate of live investments, per coin, per day and in total', await readModel(primary), reference,
    `${Object.keys(reference.coins).length} coins, ${Object.keys(reference.days).length} coin-days, ${reference.totals.count} live investments, ${reference.totals.invested} USD: equal to the last digit`));
  const { rows: applied } = await primary.query<{ applied: string; events: string }>(
    `select c.events_applied::text as applied, (select count(*) from events)::text as events
       from projections p join projection_checkpoints c on c.projection = p.name and c.generation = p.active_generation`,
  );
  checks.push({
    name: 'the projector applied each event exactly once (checkpoint count = events in the log)',
    ok: applied[0]!.applied === applied[0]!.events,
    detail: `events_applied ${applied[0]!.applied}, events in the log ${applied[0]!.events}`,
  });

  // ------------------------------------------------------------ what the query API serves (from the replica)
  checks.push(...(await checkQueryApi(sources, reference, investments.filter((r) => !r.voided).length)));

  // ------------------------------------------------------------ the replica's copy
  checks.push(await compareServers(primary, replica));
  return checks;
}

async function checkQueryApi(sources: BookSources, reference: Figures, liveCount: number): Promise<Check[]> {
  const checks: Check[] = [];
  const response = await fetch(`${sources.queryApi}/stats?daily_bucket=day`, {
    headers: { 'x-consistency-token': sources.token },
    signal: AbortSignal.timeout(20_000),
  });
  const stats = parseJsonExact(await response.text()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const served = {
    coins: Object.fromEntries(
      Object.entries(stats.coins ?? {}).map(([coin, c]: [string, any]) => [ // eslint-disable-line @typescript-eslint/no-explicit-any
        coin,
        { amount: plain(c.total_amount), invested: plain(c.total_value_usd), count: Number(c.count), first: c.first_investment_at, last: c.last_investment_at },
      ]),
    ),
    totals: { invested: plain(stats.total_value_usd), count: Number(stats.total_investments), coins: Number(stats.coin_count) },
  };
  checks.push({
    name: 'GET /stats with the newest token is fresh',
    ok: response.status === 200 && stats.projection?.stale === false,
    detail: `status ${response.status}, position ${stats.projection?.position}, stale ${stats.projection?.stale} (token ${sources.token})`,
  });
  checks.push(compare('GET /stats (query API, replica) = SQL aggregate: per coin and totals', served, { coins: reference.coins, totals: reference.totals },
    `${served.totals.count} investments, ${served.totals.invested} USD over ${served.totals.coins} coins`));

  const perDay = new Map<string, { invested: Decimal; count: number }>();
  for (const [key, day] of Object.entries(reference.days)) {
    const date = key.slice(0, 10);
    const entry = perDay.get(date) ?? { invested: new Decimal(0), count: 0 };
    perDay.set(date, { invested: entry.invested.plus(day.invested), count: entry.count + day.count });
  }
  let running = new Decimal(0);
  const expectedPoints = [...perDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, d]) => {
      running = running.plus(d.invested);
      return { date, invested: toPlain(d.invested), count: d.count, cumulative: toPlain(running) };
    });
  const servedPoints = ((stats.daily?.points ?? []) as any[]).map((p) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
    date: p.date,
    invested: plain(p.invested_usd),
    count: Number(p.investment_count),
    cumulative: plain(p.cumulative_invested_usd),
  }));
  checks.push(compare('GET /stats daily series (day buckets) = SQL aggregate per UTC day, with the running total', { bucket: stats.daily?.bucket, points: servedPoints }, { bucket: 'day', points: expectedPoints },
    `${expectedPoints.length} days, cumulative ${expectedPoints.at(-1)?.cumulative ?? 0} USD`));

  const history = await fetch(`${sources.queryApi}/history`, { headers: { 'x-consistency-token': sources.token }, signal: AbortSignal.timeout(60_000) });
  const items = parseJsonExact(await history.text()) as Array<Record<string, unknown>>;
  const { rows } = await sources.primary.query<{ id: string; amount: string; price: string; total: string }>(
    `select id::text, amount::text, purchase_price_usd::text price, total_value_usd::text total from investments where voided_at is null`,
  );
  const expected = Object.fromEntries(rows.map((r) => [r.id, `${plain(r.amount)} × ${plain(r.price)} = ${plain(r.total)}`]));
  const servedHistory = Object.fromEntries(
    (Array.isArray(items) ? items : []).map((i) => [plain(i.id), `${plain(i.amount)} × ${plain(i.purchase_price_usd)} = ${plain(i.total_value_usd)}`]),
  );
  checks.push(compare('GET /history (query API, replica) = the live investments, every digit', servedHistory, expected, `${liveCount} live investments listed, amounts, prices and totals exact`));
  return checks;
}

/** Row count and a checksum of every replicated table, on both servers. */
async function compareServers(primary: pg.ClientBase, replica: pg.ClientBase): Promise<Check> {
  const onPrimary = await databaseFingerprint(primary);
  const onReplica = await databaseFingerprint(replica);
  const diff = differences(onReplica, onPrimary);
  const tables = Object.keys(onPrimary);
  return {
    name: "the replica's copy equals the primary's (row counts and checksums of every table)",
    ok: diff.length === 0,
    detail: diff.length ? diff.join('; ') : `${tables.length} tables: ${tables.map((t) => `${t} ${onPrimary[t]!.split(' ')[0]}`).join(', ')}`,
  };
}
