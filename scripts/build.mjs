// Bundles the server and CLI into dist/tonic.mjs, so that `npm start` runs plain JavaScript: no
// TypeScript loader thread in the server process (about 45 MB less resident memory).
// Dependencies stay in node_modules (better-sqlite3 is a native module).
import { build } from 'esbuild';

const started = Date.now();
await build({
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/tonic.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.error(`built dist/tonic.mjs in ${Date.now() - started} ms`);
