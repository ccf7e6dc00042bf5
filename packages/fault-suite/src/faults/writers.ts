import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeInvestmentRecorded } from '@crypto-invest/testing';
import pg from 'pg';
import { send } from './http-answers.ts';
import { answerOutcome, intentOutcome, type Intent, type Ledger } from './ledger.ts';
import type { Random } from './random.ts';

/** Coins with daily prices in the fake CoinGecko (so a past purchase without a price can be priced). */
const HISTORY_COINS = ['bitcoin', 'ethereum', 'binancecoin', 'cardano', 'dogecoin', 'litecoin'];
/** What clients type: ids, and ticker symbols the command API resolves. */
const TYPED_COINS = [...HISTORY_COINS, 'solana', 'BTC', 'eth'];

export interface WriteContext {
  ledger: Ledger;
  random: Random;
  commandApi: string;
  queryApi: string;
  apiKey: string;
  /** The primary as crypto_command, for writers that hold SQL transactions open. */
  commandDatabaseUrl: string;
}

/** A loop that runs until stopped; stop() resolves once its current step is done. */
export interface Worker {
  name: string;
  stop(): Promise<void>;
}

function loop(name: string, step: () => Promise<void>): Worker {
  let stopped = false;
  const done = (async () => {
    while (!stopped) await step();
  })();
  return {
    name,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

const priceText = (random: Random) => `${random.int(1, 65_000)}.${String(random.int(0, 99)).padStart(2, '0')}`;
/** A purchase time in the fake's price history (2019-01-01 … 2021-06-30), to the millisecond. */
const pastTimestamp = (random: Random) =>
  new Date(Date.UTC(2019, 0, 1) + random.int(0, 911) * 86_400_000 + random.int(0, 86_399_999)).toISOString();
/** A decimal sent as a JSON number (every digit kept) or as a string. */
const decimalJson = (text: string, random: Random) => (random.chance(0.5) ? text : JSON.stringify(text));

interface Purchase {
  coin: string;
  amount: string;
  price?: string;
  timestamp?: string;
  extra?: string;
}

function purchaseBody(p: Purchase, random: Random): string {
  const fields = [`"coin":${JSON.stringify(p.coin)}`, `"amount":${decimalJson(p.amount, random)}`];
  if (p.price !== undefined) fields.push(`"purchase_price_usd":${decimalJson(p.price, random)}`);
  if (p.timestamp !== undefined) fields.push(`"timestamp":${JSON.stringify(p.timestamp)}`);
  if (p.extra) fields.push(p.extra);
  return `{${fields.join(',')}}`;
}

async function post(ctx: WriteContext, intent: Intent, body: string, headers: Record<string, string>) {
  const path = intent.via === 'POST /invest' ? '/invest' : '/investments';
  const reply = await send(ctx.ledger, 'command-api', `${ctx.commandApi}${path}`, { method: 'POST', body, headers });
  intent.answers.push(reply.answer);
  return reply;
}

const jsonHeaders = (ctx: WriteContext, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${ctx.apiKey}`,
  ...extra,
});

/** A purchase as clients make them: user price or CoinGecko's, now or in the past, some with an Idempotency-Key. */
async function ordinaryWrite(ctx: WriteContext): Promise<void> {
  const { random, ledger } = ctx;
  const keyed = random.chance(0.3);
  const withPrice = random.chance(0.8);
  const past = random.chance(0.6);
  const purchase: Purchase = {
    coin: withPrice ? random.pick(TYPED_COINS) : past ? random.pick(HISTORY_COINS) : random.pick(TYPED_COINS),
    amount: ledger.nextMarker(),
    ...(withPrice ? { price: priceText(random) } : {}),
    ...(past ? { timestamp: pastTimestamp(random) } : {}),
  };
  const intent = ledger.add({
    via: random.pick(['POST /invest', 'POST /investments'] as const),
    coin: purchase.coin,
    marker: purchase.amount,
    ...(keyed ? { idempotencyKey: `fault-${randomUUID()}` } : {}),
  });
  const body = purchaseBody(purchase, random);
  const headers = jsonHeaders(ctx, intent.idempotencyKey ? { 'idempotency-key': intent.idempotencyKey } : {});
  const first = await post(ctx, intent, body, headers);
  if (!intent.idempotencyKey) return;
  // With a key a client may retry until it has a definite answer, and retry even after one (a lost answer):
  // whatever it does, there is one investment.
  for (let attempt = 1; attempt <= 8 && retryable(intent.answers.at(-1)!); attempt++) {
    await sleep(250 * attempt);
    await post(ctx, intent, body, headers);
  }
  if (answerOutcome(intent.answers.at(-1)!) === 'accepted' && random.chance(0.4)) await post(ctx, intent, body, headers);
  void first;
}

const retryable = (answer: Intent['answers'][number]) =>
  answerOutcome(answer) === 'indeterminate' || answer.status === 503 || answer.status === 429;

/** Requests built to be refused; each carries a unique amount, so a row left behind would show. */
async function hostileWrite(ctx: WriteContext): Promise<void> {
  const { random, ledger } = ctx;
  const kind = random.pick(['no API key', 'wrong API key', 'unknown field', 'future timestamp', 'unknown coin', 'text/plain body'] as const);
  const intent = ledger.add({ via: random.pick(['POST /invest', 'POST /investments'] as const), coin: 'bitcoin', hostile: kind });
  const purchase: Purchase = { coin: 'bitcoin', amount: intent.marker, price: priceText(random) };
  let headers: Record<string, string> = jsonHeaders(ctx);
  if (kind === 'no API key') headers = { 'content-type': 'application/json' };
  if (kind === 'wrong API key') headers = jsonHeaders(ctx, { authorization: `Bearer wrong-${randomUUID()}` });
  if (kind === 'unknown field') purchase.extra = '"fee":"0.1"';
  if (kind === 'future timestamp') purchase.timestamp = new Date(Date.now() + 86_400_000).toISOString();
  if (kind === 'unknown coin') {
    purchase.coin = `no-such-coin-${random.int(1, 1e9)}`;
    delete purchase.price;
  }
  if (kind === 'text/plain body') headers = jsonHeaders(ctx, { 'content-type': 'text/plain' });
  intent.coin = purchase.coin;
  await post(ctx, intent, purchaseBody(purchase, random), headers);
}

/** The same Idempotency-Key with another body: the second must be refused (422) and write nothing. */
async function reusedKey(ctx: WriteContext): Promise<void> {
  const { random, ledger } = ctx;
  const key = `fault-reused-${randomUUID()}`;
  const via = random.pick(['POST /invest', 'POST /investments'] as const);
  const first = ledger.add({ via, coin: 'ethereum', idempotencyKey: key });
  const headers = jsonHeaders(ctx, { 'idempotency-key': key });
  await post(ctx, first, purchaseBody({ coin: 'ethereum', amount: first.marker, price: priceText(random) }, random), headers);
  if (intentOutcome(first) !== 'accepted') return;
  const second = ledger.add({ via, coin: 'ethereum', idempotencyKey: key, hostile: 'Idempotency-Key reused with another body' });
  await post(ctx, second, purchaseBody({ coin: 'ethereum', amount: second.marker, price: priceText(random) }, random), headers);
}

export function startHttpWriter(ctx: WriteContext, name: string): Worker {
  return loop(name, async () => {
    const roll = ctx.random.next();
    if (roll < 0.06) await hostileWrite(ctx);
    else if (roll < 0.09) await reusedKey(ctx);
    else await ordinaryWrite(ctx);
  });
}

/** Voids investments the system accepted (some twice), and one that does not exist now and then. */
export function startVoider(ctx: WriteContext): Worker {
  const { random, ledger } = ctx;
  return loop('voider', async () => {
    await sleep(random.int(60, 250));
    const ids = ledger.acceptedInvestmentIds();
    if (ids.length < 5) return;
    const requested = new Set(ledger.voids.map((v) => v.investmentId));
    const again = random.chance(0.1) && requested.size > 0;
    const unknown = random.chance(0.03);
    const id = unknown ? String(9_000_000_000 + random.int(0, 1e6)) : again ? random.pick([...requested]) : random.pick(ids);
    let request = ledger.voids.find((v) => v.investmentId === id);
    if (!request) {
      request = { investmentId: id, answers: [] };
      ledger.voids.push(request);
    }
    const reply = await send(ledger, 'command-api', `${ctx.commandApi}/investments/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ctx.apiKey}` },
    });
    request.answers.push(reply.answer);
  });
}

/** Reads the statistics and a page of history (some with the newest token) while faults happen. */
export function startReader(ctx: WriteContext, newestToken: () => string | undefined): Worker {
  const { random, ledger } = ctx;
  return loop('reader', async () => {
    await sleep(random.int(100, 300));
    const token = random.chance(0.5) ? newestToken() : undefined;
    await send(ledger, 'query-api', `${ctx.queryApi}/stats`, { headers: token ? { 'x-consistency-token': token } : {} });
    await send(ledger, 'query-api', `${ctx.queryApi}/history?limit=20`);
  });
}

/**
 * Writes the way the command side does (investment + event + NOTIFY in one transaction,
 * as crypto_command), but holds the transaction open with pg_sleep while other writers
 * commit: its event's transaction id is older than events that commit before it. The
 * projector must neither skip it nor apply it twice.
 */
export async function heldTransaction(ctx: WriteContext, holdSeconds: number, commit: Promise<void> = Promise.resolve()): Promise<Intent> {
  const { random, ledger } = ctx;
  const coin = random.pick(HISTORY_COINS);
  const intent = ledger.add({ via: 'SQL (held transaction)', coin });
  intent.sql = {};
  const client = new pg.Client({ connectionString: ctx.commandDatabaseUrl, application_name: 'fault-held-writer', connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('begin');
    const written = await writeInvestmentRecorded(client, { coin, amount: intent.marker, purchasePriceUsd: priceText(random), timestamp: pastTimestamp(random) });
    intent.sql.investmentId = written.investmentId;
    await client.query('select pg_sleep($1)', [holdSeconds]);
    await commit;
  } catch {
    intent.sql.failedAt = 'before-commit';
    await client.end().catch(() => undefined);
    return intent;
  }
  try {
    await client.query('commit');
    intent.sql.committed = true;
  } catch {
    intent.sql.failedAt = 'commit';
  } finally {
    await client.end().catch(() => undefined);
  }
  return intent;
}

export function startHeldTransactionWriter(ctx: WriteContext): Worker {
  return loop('held-transaction writer', async () => {
    await heldTransaction(ctx, ctx.random.int(50, 1_200) / 1000);
    await sleep(ctx.random.int(20, 200));
  });
}
