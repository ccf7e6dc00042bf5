import { DomainError, type EventPosition } from '@crypto-invest/contracts';
import { withTransaction, type Pool } from '@crypto-invest/postgres';
import { databaseUnavailable } from '../database-errors.ts';
import { investmentVoided, type StoredInvestment } from './investment.ts';
import { appendInvestmentEvent, lockInvestment, markVoided } from './investments.store.ts';

export interface VoidInvestmentDeps {
  pool: Pool;
  now: () => Date;
}

export interface VoidOutcome {
  investment: StoredInvestment;
  /** Set when this call voided it (and wrote the event); absent when it was already void. */
  position?: EventPosition;
}

/** Bigint ids only: anything larger cannot be an investment. */
const MAX_ID = 2n ** 63n - 1n;

/**
 * Voids an investment: in one transaction, with the row locked, marks it voided and
 * appends `InvestmentVoided` carrying its original facts. Voiding it again changes
 * nothing and writes no event; an unknown id is 404.
 */
export async function voidInvestment(deps: VoidInvestmentDeps, id: string, metadata: Record<string, string>): Promise<VoidOutcome> {
  if (BigInt(id) > MAX_ID) throw notFound(id);
  return withTransaction(deps.pool, async (client) => {
    const investment = await lockInvestment(client, id);
    if (!investment) throw notFound(id);
    if (investment.voidedAt) return { investment };
    const voidedAt = deps.now();
    const voided = await markVoided(client, id, voidedAt);
    const position = await appendInvestmentEvent(client, investmentVoided(investment, voidedAt), metadata);
    return { investment: voided, position };
  }).catch(databaseUnavailable);
}

function notFound(id: string) {
  return new DomainError('not_found', 'investment-not-found', 'Investment not found', `there is no investment with id ${id}`, {
    fields: [{ field: 'id', reason: 'no such investment' }],
  });
}
