/**
 * The dashboard is served at `/` by the same server: its files, index.html for the app's own
 * paths, gzip when the browser takes it, and the API (with its description) left where it was.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createTestTonic, type TestTonic } from '../support/test-tonic.ts';

describe('the dashboard at /', () => {
  let t: TestTonic;
  let app: FastifyInstance;
  let missing: FastifyInstance;
  const root = mkdtempSync(join(tmpdir(), 'tonic-web-'));

  before(async () => {
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tonic Deploy</title><div id="root"></div>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log("dashboard")');
    writeFileSync(join(root, 'assets', 'index-abc.js.gz'), gzipSync('console.log("dashboard")'));
    t = await createTestTonic({ dialect: 'sqlite' });
    app = await buildApp(t.tonic, { webRoot: root });
    missing = await buildApp(t.tonic, { webRoot: join(root, 'nothing-here') });
  });
  after(async () => {
    await app.close();
    await missing.close();
    await t.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('/ and every page path of the app answer index.html, with a content security policy', async () => {
    for (const url of ['/', '/systems/shop/bugs/12', '/login?next=%2Faudit']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /<div id="root">/);
      assert.match(res.headers['content-security-policy'] as string, /default-src 'self'/);
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
  });

  test('hashed assets are cached for a year and sent gzipped to browsers that take it', async () => {
    const plain = await app.inject({ url: '/assets/index-abc.js' });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.body, 'console.log("dashboard")');
    assert.match(plain.headers['cache-control'] as string, /immutable/);
    const gz = await app.inject({ url: '/assets/index-abc.js', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.rawPayload.length, gzipSync('console.log("dashboard")').length);
    assert.equal((await app.inject({ url: '/assets/index-old.js' })).statusCode, 404, 'a missing asset is not answered with the page');
    assert.equal((await app.inject({ url: '/assets/..%2F..%2Fpackage.json' })).statusCode, 404, 'no way out of the folder');
  });

  test('the API keeps its paths: unknown API paths are problems, the description stays at /api/v1/openapi.json', async () => {
    const unknown = await app.inject({ url: '/api/v1/nope' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(JSON.parse(unknown.body).code, 'route_not_found');
    const spec = await app.inject({ url: '/api/v1/openapi.json' });
    assert.equal(spec.statusCode, 200);
    assert.ok(JSON.parse(spec.body).paths['/api/v1/session'], 'sign-in is described');
  });

  test('without a build, / says how to build the dashboard', async () => {
    const res = await missing.inject({ url: '/' });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build/);
  });
});
