import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveApp } from '@crypto-invest/http';
import { createLogger } from '@crypto-invest/logger';
import { createApp } from './app.ts';
import { loadDashboardConfig } from './config.ts';

/** A request as a fake upstream received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A small real HTTP server standing in for a service behind the dashboard; each test says how
 * it answers. It records what it received and whether connections were closed.
 */
export async function startFakeUpstream(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const received: ReceivedRequest[] = [];
  const closed: string[] = [];
  // Request-body bytes as they arrive, before any request is complete: shows a body is streamed.
  const arrived = { bytes: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      arrived.bytes += chunk.byteLength;
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.on('close', () => closed.push(req.url ?? ''));
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    closed,
    get bytesArrived() {
      return arrived.bytes;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The dashboard app in-process, configured from an environment like the real one. */
export function dashboardApp(env: Record<string, string>) {
  const config = loadDashboardConfig({ LOG_LEVEL: 'silent', ...env });
  return { app: createApp({ config, logger: createLogger({ service: 'dashboard', level: 'silent' }) }), config };
}

/** The dashboard server on a real HTTP port (the Node adapter included), as `npm start` runs it. */
export async function serveDashboard(env: Record<string, string>) {
  const { app } = dashboardApp(env);
  const server = await serveApp({ fetch: app.fetch, host: '127.0.0.1', port: 0, logger: createLogger({ service: 'dashboard', level: 'silent' }) });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      (server as Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An address where nothing listens (connections are refused at once). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
