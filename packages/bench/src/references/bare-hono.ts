// The read path's reference: a bare Hono handler returning a constant JSON body, served
// by @hono/node-server in a process of its own, run exactly like the services
// (`node --import tsx`, same Node). What an HTTP request costs here with no work behind it.
import { serve } from '@hono/node-server';
import { env, loadConfig, z } from '@crypto-invest/config';
import { Hono } from 'hono';

const config = loadConfig(z.object({ PORT: env.port(0), HOST: env.host() }), process.env);

const app = new Hono();
// No money in it: a constant like the head of a small /stats body.
app.get('/', (c) => c.json({ total_investments: 10000, coin_count: 6, status: 'ok' }));

const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
