// Where a CPU profile's busy time went, by area and by function (self time):
//   node --import tsx packages/bench/src/cli/summarise-profile.ts FILE.cpuprofile [...]
// (`npm run bench -- --profile <service>` writes such files and prints this for them.)
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { profileLines, summariseProfile, type CpuProfile } from '../profile/cpu-profile.ts';

const files = process.argv.slice(2);
if (!files.length) {
  process.stderr.write('usage: summarise-profile.ts FILE.cpuprofile [...]\n');
  process.exit(2);
}
for (const file of files) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const summary = summariseProfile(profile, basename(file), file, 25);
  for (const line of profileLines(summary)) process.stdout.write(line + '\n');
  for (const f of summary.top_self.slice(12)) process.stdout.write(`    ${f.self_percent.toFixed(1).padStart(5)} %  ${f.function}  ${f.location}\n`);
}
