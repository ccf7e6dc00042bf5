export { FakeCoinGecko, startFakeCoinGecko, type Fault, type RecordedRequest } from './fake-coingecko.ts';
