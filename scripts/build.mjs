// `npm start` and `npm run build`:
// 1. bundles the server and CLI into dist/tonic.mjs, so that `npm start` runs plain JavaScript: no
//    TypeScript loader thread in the server process (about 45 MB less resident memory);
//    dependencies stay in node_modules (better-sqlite3 is a native module);
// 2. builds the dashboard (web/, React + Vite) into dist/web, with gzip copies of its files, unless
//    nothing it is built from changed since the last build (dist/web/.inputs.json lists those
//    files with their sizes and times), so a start with an up-to-date build stays fast.
//    `--force` rebuilds the dashboard regardless.
// Each output is written beside its place and renamed into it, so a server starting while another
// build runs (tests do both at once) never reads half a file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const WEB_OUT = join(ROOT, 'dist', 'web');
const INPUTS_FILE = '.inputs.json';
const force = process.argv.includes('--force');

const started = Date.now();
const result = await build({
  entryPoints: [join(ROOT, 'src/cli/entry.ts')],
  outfile: join(ROOT, 'dist/tonic.mjs'),
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

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** A fingerprint of the files the dashboard was built from: every file in web/, the modules of src/ it imported, the lock file. */
function fingerprint(imported) {
  const files = [...filesUnder(join(ROOT, 'web')), ...imported.map((f) => join(ROOT, f)), join(ROOT, 'package-lock.json')];
  const hash = createHash('sha256');
  for (const file of [...new Set(files)].sort()) {
    const info = existsSync(file) ? statSync(file) : null;
    hash.update(`${relative(ROOT, file)}:${info ? `${info.size}:${info.mtimeMs}` : 'missing'}\n`);
  }
  return hash.digest('hex');
}

function upToDate() {
  const inputs = join(WEB_OUT, INPUTS_FILE);
  if (force || !existsSync(inputs) || !existsSync(join(WEB_OUT, 'index.html'))) return false;
  try {
    const saved = JSON.parse(readFileSync(inputs, 'utf8'));
    return saved.fingerprint === fingerprint(saved.imported);
  } catch {
    return false;
  }
}

if (upToDate()) {
  console.error('dist/web is up to date');
} else {
  const webStarted = Date.now();
  const partial = `${WEB_OUT}.${process.pid}.partial`;
  const { build: viteBuild } = await import('vite');
  const built = await viteBuild({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir: partial, emptyOutDir: true } });
  const imported = new Set();
  for (const chunk of (Array.isArray(built) ? built : [built]).flatMap((r) => r.output ?? [])) {
    for (const id of chunk.moduleIds ?? []) {
      const file = id.split('?')[0];
      if (file.startsWith(ROOT) && !file.includes('node_modules') && !file.startsWith(join(ROOT, 'web'))) imported.add(relative(ROOT, file));
    }
  }
  let gzipped = 0;
  for (const file of filesUnder(partial)) {
    if (!/\.(js|css|html|svg|json|webmanifest)$/.test(file)) continue;
    const gz = gzipSync(readFileSync(file), { level: 9 });
    writeFileSync(`${file}.gz`, gz);
    if (/\.(js|css)$/.test(file)) gzipped += gz.length;
  }
  const list = [...imported].sort();
  writeFileSync(join(partial, INPUTS_FILE), JSON.stringify({ fingerprint: fingerprint(list), imported: list, gzippedBytes: gzipped }, null, 2));
  // A folder cannot be renamed over another: move the old one aside first, then drop it.
  const old = `${WEB_OUT}.${process.pid}.old`;
  if (existsSync(WEB_OUT)) renameSync(WEB_OUT, old);
  renameSync(partial, WEB_OUT);
  rmSync(old, { recursive: true, force: true });
  console.error(`built dist/web in ${Date.now() - webStarted} ms (JavaScript and CSS: ${(gzipped / 1024).toFixed(1)} KB gzipped)`);
}
