import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '@crypto-invest/http';
import { streamSSE } from 'hono/streaming';
import type { ReadServices } from '../read-services.ts';
import { POSITION_HEADER } from './consistency.ts';
import type { ProjectionState } from './projection-state.ts';
import type { streamRoute } from './stream.routes.ts';

/**
 * SSE of the newest projection position. Every client shares the watcher's polls
 * (no query per client); a client only ever sees positions move forward, and a
 * slow client skips to the newest one instead of queueing every step.
 */
export function streamPositions(reads: ReadServices, onClients?: (delta: 1 | -1) => void): RouteHandler<typeof streamRoute, AppEnv> {
  return async (c) => {
    const known = reads.watcher.newest();
    if (known) c.header(POSITION_HEADER, known.token);
    const response = streamSSE(c, async (stream) => {
      let latest: ProjectionState | undefined = known;
      let sent: string | undefined;
      let wake: (() => void) | undefined;
      const changed = () => new Promise<void>((resolve) => (wake = resolve));
      let next = changed();
      const unsubscribe = reads.watcher.subscribe((state) => {
        latest = state;
        wake?.();
      });
      stream.onAbort(() => wake?.());
      const onShutdown = () => wake?.();
      reads.shutdown.addEventListener('abort', onShutdown);
      onClients?.(1);
      try {
        while (!stream.aborted && !stream.closed && !reads.shutdown.aborted) {
          if (latest && latest.token !== sent) {
            sent = latest.token;
            await stream.writeSSE({ event: 'position', id: sent, data: JSON.stringify({ position: sent }) });
            continue;
          }
          let timer: NodeJS.Timeout | undefined;
          const heartbeat = new Promise<'heartbeat'>((resolve) => (timer = setTimeout(() => resolve('heartbeat'), reads.config.consistency.streamHeartbeatMs)));
          const why = await Promise.race([next.then(() => 'changed' as const), heartbeat]);
          clearTimeout(timer);
          if (why === 'changed') next = changed();
          else await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        reads.shutdown.removeEventListener('abort', onShutdown);
        onClients?.(-1);
      }
    });
    // One stream per connection: when it ends (client gone, shutdown) the socket closes too,
    // instead of idling until keep-alive times out and holding a graceful shutdown open.
    response.headers.set('Connection', 'close');
    return response;
  };
}
