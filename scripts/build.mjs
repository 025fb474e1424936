// Bundles the server and CLI into dist/tonic.mjs, so that `npm start` runs plain JavaScript: no
// TypeScript loader thread in the server process (about 45 MB less resident memory).
// Dependencies stay in node_modules (better-sqlite3 is a native module).
// Each output is written beside its place and renamed into it, so a server starting while another
// build runs (tests do both at once) never reads half a file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const started = Date.now();
const result = await build({
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/tonic.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  write: false,
});
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  const partial = `${file.path}.${process.pid}.partial`;
  writeFileSync(partial, file.contents);
  renameSync(partial, file.path);
}
console.error(`built dist/tonic.mjs in ${Date.now() - started} ms`);
