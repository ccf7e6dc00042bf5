import { createRoute, z } from '@crypto-invest/http';
import { freshnessResponseHeaders } from '../openapi/schemas.ts';

export const streamRoute = createRoute({
  method: 'get',
  operationId: 'streamProjectionPosition',
  security: [],
  path: '/stream',
  tags: ['freshness'],
  summary: 'Server-Sent Events: the projection position, whenever it advances',
  description:
    'An event `position` with data `{"position": "<token>"}` (and `id` = the token) at once on connecting when the position is known, ' +
    'then whenever the newest projection position on the replicas advances. `GET /stats?after=<token>` then returns data that includes it. ' +
    'A comment line is sent every STREAM_HEARTBEAT_MS so proxies keep the connection open.',
  responses: {
    200: {
      description: 'An endless text/event-stream',
      headers: { 'X-Projection-Position': freshnessResponseHeaders['X-Projection-Position'] },
      content: {
        'text/event-stream': {
          schema: z.string().openapi({ example: 'event: position\ndata: {"position":"748.1052"}\nid: 748.1052\n\n' }),
        },
      },
    },
  },
});
