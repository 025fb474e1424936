// `npm start` and `npm run build`:
// 1. bundles the server and CLI into dist/tonic.mjs, so that `npm start` runs plain JavaScript: no
//    TypeScript loader thread in the server process (about 45 MB less resident memory);
//    dependencies stay in node_modules (better-sqlite3 is a native module);
// 2. builds the dashboard (web/, React + Vite) into dist/web, with gzip copies of its files, unless
//    nothing it is built from changed since the last build (dist/web/.inputs.json lists those
//    files with their sizes and times), so a start with an up-to-date build stays fast.
//    `--force` rebuilds the dashboard regardless.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const WEB_OUT = join(ROOT, 'dist', 'web');
const INPUTS_FILE = join(WEB_OUT, '.inputs.json');
const force = process.argv.includes('--force');

const started = Date.now();
await build({
  entryPoints: [join(ROOT, 'src/cli/entry.ts')],
  outfile: join(ROOT, 'dist/tonic.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
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
function fingerprint(files) {
  const hash = createHash('sha256');
  for (const file of [...new Set(files)].sort()) {
    const info = existsSync(file) ? statSync(file) : null;
    hash.update(`${relative(ROOT, file)}:${info ? `${info.size}:${info.mtimeMs}` : 'missing'}\n`);
  }
  return hash.digest('hex');
}

function upToDate() {
  if (force || !existsSync(INPUTS_FILE) || !existsSync(join(WEB_OUT, 'index.html'))) return false;
  try {
    const saved = JSON.parse(readFileSync(INPUTS_FILE, 'utf8'));
    const files = [...filesUnder(join(ROOT, 'web')), ...saved.imported.map((f) => join(ROOT, f)), join(ROOT, 'package-lock.json')];
    return saved.fingerprint === fingerprint(files);
  } catch {
    return false;
  }
}

if (upToDate()) {
  console.error('dist/web is up to date');
} else {
  const webStarted = Date.now();
  const { build: viteBuild } = await import('vite');
  const result = await viteBuild({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output ?? []);
  const imported = new Set();
  for (const chunk of outputs) {
    for (const id of chunk.moduleIds ?? []) {
      const file = id.split('?')[0];
      if (file.startsWith(ROOT) && !file.includes('node_modules') && !file.startsWith(join(ROOT, 'web'))) imported.add(relative(ROOT, file));
    }
  }
  let gzipped = 0;
  for (const file of filesUnder(WEB_OUT)) {
    if (!/\.(js|css|html|svg|json|webmanifest)$/.test(file)) continue;
    const gz = gzipSync(readFileSync(file), { level: 9 });
    writeFileSync(`${file}.gz`, gz);
    if (/\.(js|css)$/.test(file)) gzipped += gz.length;
  }
  const files = [...filesUnder(join(ROOT, 'web')), ...[...imported].map((f) => join(ROOT, f)), join(ROOT, 'package-lock.json')];
  writeFileSync(INPUTS_FILE, JSON.stringify({ fingerprint: fingerprint(files), imported: [...imported].sort(), gzippedBytes: gzipped }, null, 2));
  console.error(`built dist/web in ${Date.now() - webStarted} ms (JavaScript and CSS: ${(gzipped / 1024).toFixed(1)} KB gzipped)`);
}
