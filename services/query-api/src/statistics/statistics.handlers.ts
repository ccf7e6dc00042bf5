import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '@crypto-invest/http';
import { CONSISTENCY_HEADER, consistencyTarget, freshnessHeaders } from '../freshness/consistency.ts';
import { sendJsonText } from '../http/json-text.ts';
import type { ReadServices } from '../read-services.ts';
import type { statisticsRoute } from './statistics.routes.ts';

export function getStatistics(reads: ReadServices): RouteHandler<typeof statisticsRoute, AppEnv> {
  return async (c) => {
    const query = c.req.valid('query');
    const target = consistencyTarget(c.req.header(CONSISTENCY_HEADER), query.after);
    const bucket = query.daily_bucket ?? 'auto';
    const { result, stale } = await reads.consistent.read(target, (prefer) => reads.statistics.read(bucket, prefer));
    const prices = await reads.lookupPrices(result.snapshot.coins.map((coin) => coin.coin));
    return sendJsonText(c, 200, reads.statistics.render(result, bucket, prices, stale), freshnessHeaders(result.state, stale));
  };
}
