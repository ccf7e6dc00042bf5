// Bundles a service for production: its own code and the workspace packages it uses
// (which are TypeScript sources) into dist/index.js; npm dependencies stay imports,
// resolved from node_modules at run time. Run from a service folder:
//   node --import tsx ../../packages/tooling/src/bundle-service.ts [entry] [outfile]
import { build } from 'esbuild';

const entry = process.argv[2] ?? 'src/index.ts';
const outfile = process.argv[3] ?? 'dist/index.js';

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'external-npm-packages',
      setup(b) {
        // Bare specifiers other than our workspace packages are npm dependencies.
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@crypto-invest/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
process.stdout.write(`bundled ${entry} -> ${outfile}\n`);
