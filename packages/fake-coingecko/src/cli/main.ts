// Runs the fake CoinGecko as its own process (the offline price feed of `npm start`).
//   node --import tsx src/cli/main.ts [--port 8010]
import { startFakeCoinGecko } from '../fake-coingecko.ts';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.PORT ?? 8010);
const fake = await startFakeCoinGecko(port);
process.stdout.write(JSON.stringify({ level: 'info', service: 'fake-coingecko', url: fake.url, msg: 'listening' }) + '\n');
const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
