// `npm run bench [-- --quick | --smoke] [--json FILE] [--profile SERVICES] [--use-running …]`
// Measures the write path, the read path, flat cost across table sizes, freshness, the
// projector's rebuild and the services' memory — each next to a reference measured in
// the same run — prints a table and writes every figure to FILE. See the package README.
import { CLUSTER_DIR, localApiKey } from '@crypto-invest/local-stack';
import { parseBenchOptions, USAGE } from '../options.ts';
import { renderReport } from '../report/table.ts';
import { writeBenchResult } from '../result.ts';
import { runBench } from '../run-bench.ts';

const args = process.argv.slice(2);
const say = (line: string) => process.stdout.write(line + '\n');

let options;
try {
  // npm runs scripts in the package folder; relative paths are meant from where it was typed.
  options = parseBenchOptions(args, process.env.INIT_CWD ?? process.cwd(), { apiKey: () => localApiKey().key, clusterDir: CLUSTER_DIR });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (options.help) {
  say(USAGE);
  process.exit(0);
}

const commandLine = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
say(`crypto-invest bench: ${options.plan.mode} mode${options.running ? ', against the running system' : ', on a private primary + replica and services'}`);
try {
  const result = await runBench(options, commandLine);
  say('');
  for (const line of renderReport(result)) say(line);
  if (options.jsonFile) {
    await writeBenchResult(options.jsonFile, result);
    say(`\nevery figure with its reference: ${options.jsonFile}`);
  }
  process.exit(0);
} catch (error) {
  process.stderr.write(`\nbench failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
}
