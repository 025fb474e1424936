/**
 * Serves the dashboard (the Vite build in dist/web) at `/`: hashed files under /assets for a year,
 * precompressed .gz copies when the browser takes gzip, and index.html for every other page path
 * so the single-page app routes in the browser. /api stays the API's.
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** The folder of the built dashboard: dist/web beside the package.json of this project. */
export function defaultWebRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'http'))) return join(dir, 'dist', 'web');
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'dist', 'web');
    dir = parent;
  }
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tonic Deploy</title></head>
<body><h1>The dashboard has not been built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, which builds it), then reload.
The API answers at <a href="/api/v1/openapi.json">/api/v1</a>.</p></body></html>`;

export function registerWebApp(app: FastifyInstance, options: { root: string }): void {
  const root = resolve(options.root);

  async function sendFile(request: FastifyRequest, reply: FastifyReply, file: string, cache: string): Promise<FastifyReply> {
    const ext = file.slice(file.lastIndexOf('.'));
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && existsSync(`${file}.gz`);
    reply.header('content-type', TYPES[ext] ?? 'application/octet-stream').header('cache-control', cache).header('vary', 'accept-encoding');
    if (ext === '.html') reply.headers(SECURITY_HEADERS);
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(createReadStream(gzip ? `${file}.gz` : file));
  }

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    if (path === '/api' || path.startsWith('/api/')) return reply.callNotFound();
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return reply.callNotFound();
    }
    const relative = normalize(decoded.replace(/^[/\\]+/, ''));
    if (relative.startsWith('..') || relative.includes('\0')) return reply.callNotFound();
    const file = join(root, relative);
    if (relative && file.startsWith(root + sep)) {
      const info = await stat(file).catch(() => null);
      if (info?.isFile()) return sendFile(request, reply, file, relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      // A missing asset is a 404, not the page: a stale page asking for an old bundle should fail plainly.
      if (relative.startsWith('assets/')) return reply.callNotFound();
    }
    const index = join(root, 'index.html');
    if (!existsSync(index)) return reply.code(503).type('text/html; charset=utf-8').headers(SECURITY_HEADERS).send(NOT_BUILT);
    return sendFile(request, reply, index, 'no-cache');
  };

  app.get('/', { config: { public: true }, schema: { hide: true } }, handler);
  app.get('/*', { config: { public: true }, schema: { hide: true } }, handler);
}
