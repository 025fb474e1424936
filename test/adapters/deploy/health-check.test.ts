/**
 * The health check after a deploy, against real HTTP servers on loopback: it passes only when the
 * environment answers the expected status and reports the release's version, and it retries
 * while the service restarts, within its time limit.
 */
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { checkHealth, type HealthCheckConfig } from '../../../src/adapters/deploy/health-check.ts';
import { freePort } from '../../support/processes.ts';

const servers: { server: Server; sockets: Set<Socket> }[] = [];
afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise((ok) => server.close(ok));
  }
});

async function serve(handler: RequestListener, port = 0): Promise<number> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  servers.push({ server, sockets });
  return (server.address() as { port: number }).port;
}


const reporting = (status: number, body: unknown): RequestListener => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const config = (port: number, over: Partial<HealthCheckConfig> = {}): HealthCheckConfig => ({
  url: `http://127.0.0.1:${port}/health`,
  expectStatus: 200,
  expectVersion: true,
  timeoutMs: 800,
  intervalMs: 100,
  ...over,
});

async function timed(p: Promise<Awaited<ReturnType<typeof checkHealth>>>) {
  const started = Date.now();
  const result = await p;
  return { ...result, ms: Date.now() - started };
}

describe('health check', () => {
  test('the expected status with the new version: healthy at the first attempt', async () => {
    const port = await serve(reporting(200, { status: 'ok', version: 'v1.4.2' }));
    const r = await checkHealth(config(port), 'v1.4.2');
    assert.equal(r.ok, true);
    assert.equal(r.attempts, 1);
    assert.match(r.detail, /answered 200 with v1\.4\.2/);
  });

  test('a wrong status is unhealthy, retried until the time limit, and the detail names both statuses', async () => {
    let hits = 0;
    const port = await serve((req, res) => {
      hits += 1;
      reporting(503, { status: 'starting', version: 'v1.4.2' })(req, res);
    });
    const r = await timed(checkHealth(config(port), 'v1.4.2'));
    assert.equal(r.ok, false);
    assert.match(r.detail, /answered HTTP 503, expected 200/);
    assert.ok(r.attempts >= 3 && r.attempts === hits, `${r.attempts} attempts, ${hits} requests`);
    assert.ok(r.ms < 2_500, `gave up after ${r.ms} ms`);
  });

  test('the expected status but still the old version: unhealthy, saying which version was expected', async () => {
    const port = await serve(reporting(200, { status: 'ok', version: 'v1.4.1' }));
    const r = await checkHealth(config(port), 'v1.4.2');
    assert.equal(r.ok, false);
    assert.match(r.detail, /does not report v1\.4\.2/);
    assert.match(r.detail, /v1\.4\.1/, 'shows what it did report');
  });

  test('a version that merely starts with the expected one is not it (v1.0.1 is not v1.0.10)', async () => {
    // Rolling back from v1.0.10 to v1.0.1 must not pass while v1.0.10 still runs.
    const port = await serve(reporting(200, { status: 'ok', version: 'v1.0.10' }));
    const r = await checkHealth(config(port, { timeoutMs: 300 }), 'v1.0.1');
    assert.equal(r.ok, false, `healthy with ${r.detail}`);
  });

  test('without expectVersion, the status alone decides', async () => {
    const port = await serve(reporting(204, null));
    const r = await checkHealth(config(port, { expectStatus: 204, expectVersion: false }), 'v9.9.9');
    assert.equal(r.ok, true);
  });

  test('connection refused: unhealthy with "connection refused", within the time limit', async () => {
    const port = await freePort();
    const r = await timed(checkHealth(config(port), 'v1.4.2'));
    assert.equal(r.ok, false);
    assert.equal(r.detail, `http://127.0.0.1:${port}/health: connection refused`);
    assert.ok(r.attempts >= 2);
    assert.ok(r.ms < 2_500, `gave up after ${r.ms} ms`);
  });

  test('a server that accepts but never answers: unhealthy with "no answer in time"', async () => {
    const port = await serve(() => undefined);
    const r = await timed(checkHealth(config(port, { timeoutMs: 600 }), 'v1.4.2'));
    assert.equal(r.ok, false);
    assert.match(r.detail, /no answer in time/);
    assert.ok(r.ms < 3_000, `gave up after ${r.ms} ms`);
  });

  test('eventually healthy: a service that starts listening after a delay passes, after retries', async () => {
    const port = await freePort();
    const starting = new Promise<void>((ok) => setTimeout(() => void serve(reporting(200, { version: 'v1.4.2' }), port).then(() => ok()), 500));
    const r = await timed(checkHealth(config(port, { timeoutMs: 5_000 }), 'v1.4.2'));
    await starting;
    assert.equal(r.ok, true, r.detail);
    assert.ok(r.attempts >= 3, `${r.attempts} attempts`);
    assert.ok(r.ms >= 400 && r.ms < 3_000, `healthy after ${r.ms} ms`);
  });

  test('eventually healthy: a service that first reports the old version, then the new one', async () => {
    let hits = 0;
    const port = await serve((req, res) => {
      hits += 1;
      reporting(200, { version: hits < 3 ? 'v1.4.1' : 'v1.4.2' })(req, res);
    });
    const r = await checkHealth(config(port, { timeoutMs: 3_000 }), 'v1.4.2');
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.attempts, 3);
  });
});
