import { InvestmentRecordedData, investmentStream, STREAM_VERSION } from '@crypto-invest/contracts';
import { Decimal, toPlain } from '@crypto-invest/money';
import type pg from 'pg';
import { expect } from 'vitest';

/**
 * Checks what a writer left in the database the way the command API leaves it: one
 * InvestmentRecorded event per investment, on its stream at version 1, whose data are
 * the row's facts as the command API writes them (decimals through toPlain, the time as
 * ISO with milliseconds) and valid for the contract. Returns how many investments.
 */
export async function expectEventPerInvestment(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{
    id: string;
    coin_name: string;
    amount: string;
    purchase_price_usd: string;
    timestamp: Date;
    price_source: string;
    stream_id: string | null;
    stream_version: number | null;
    type: string | null;
    data: unknown;
    same_transaction: boolean | null;
  }>(
    `select i.id::text, i.coin_name, i.amount::text, i.purchase_price_usd::text, i."timestamp", i.price_source,
            e.stream_id, e.stream_version, e.type, e.data, e.transaction_id::text::bigint % 4294967296 = i.xmin::text::bigint as same_transaction
       from investments i left join events e on e.stream_id = 'investment-' || i.id
      order by i.id`,
  );
  const { rows: counts } = await admin.query<{ n: string }>('select count(*)::text as n from events');
  expect(Number(counts[0]!.n)).toBe(rows.length);
  for (const row of rows) {
    expect(row.stream_id).toBe(investmentStream(row.id));
    expect(row.stream_version).toBe(STREAM_VERSION.recorded);
    expect(row.type).toBe('InvestmentRecorded');
    // Investment and event committed by the same transaction.
    expect(row.same_transaction).toBe(true);
    expect(InvestmentRecordedData.parse(row.data)).toEqual({
      investment_id: row.id,
      coin: row.coin_name,
      amount: toPlain(new Decimal(row.amount)),
      purchase_price_usd: toPlain(new Decimal(row.purchase_price_usd)),
      timestamp: row.timestamp.toISOString(),
      price_source: row.price_source,
    });
  }
  return rows.length;
}
