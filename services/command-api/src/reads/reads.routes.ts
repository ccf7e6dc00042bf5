import { createRoute } from '@crypto-invest/http';

const redirect = (what: string) => ({
  307: {
    description: `Temporary redirect to the query API, which serves ${what} from the replica: the same path and query string`,
    headers: {
      Location: {
        description: 'The query API URL with the same path and query, e.g. `http://127.0.0.1:8001/history?coin=bitcoin`',
        schema: { type: 'string' as const, format: 'uri', example: 'http://127.0.0.1:8001/history?coin=bitcoin' },
      },
    },
  },
});

/**
 * The seed's clients read from the same base URL they write to. The command API holds
 * no read connection: it sends them on to the query API (307 keeps method and body).
 */
export const readRoutes = {
  history: createRoute({
    method: 'get',
    path: '/history',
    operationId: 'redirectHistory',
    tags: ['reads'],
    security: [],
    summary: 'Investment history (redirects to the query API)',
    description: 'Answers 307 to `GET /history` on the query API with the same query string (coin, from, to, limit, ...).',
    responses: redirect('the investment history'),
  }),
  stats: createRoute({
    method: 'get',
    path: '/stats',
    operationId: 'redirectStats',
    tags: ['reads'],
    security: [],
    summary: 'Portfolio statistics (redirects to the query API)',
    description: 'Answers 307 to `GET /stats` on the query API with the same query string.',
    responses: redirect('the statistics'),
  }),
};
