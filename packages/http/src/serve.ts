import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from '@crypto-invest/logger';

export interface ServeOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
  logger: Logger;
  /** Releases what the service holds (pools, listeners, timers) after the server stops accepting. */
  onShutdown?: () => Promise<void>;
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs?: number;
}

/**
 * Serves the app and shuts down cleanly on SIGTERM/SIGINT: stop accepting, let
 * requests in flight finish, release resources, exit 0 (1 if that took too long).
 */
export function serveApp(options: ServeOptions): Promise<ServerType> {
  const { logger } = options;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: options.fetch, hostname: options.host, port: options.port }, (info) => {
      logger.info({ host: options.host, port: info.port }, 'listening');
      resolve(server);
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') logger.fatal({ port: options.port }, `port ${options.port} is already in use`);
      reject(error);
    });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      }, options.shutdownTimeoutMs ?? 10_000);
      deadline.unref();
      // Idle keep-alive sockets would hold close() open: end them; busy ones finish first.
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      server.close(async () => {
        try {
          await options.onShutdown?.();
          logger.info('stopped');
          process.exit(0);
        } catch (error) {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        }
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
