/**
 * The `webhook` deploy driver against a real HTTP server on loopback that checks the signature
 * the way a receiver is told to: HMAC-SHA256 of "<X-Tonic-Timestamp>.<raw body>" with the secret.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { DeployFailure, type DeployTarget } from '../../../src/adapters/deploy/deploy-driver.ts';
import { createWebhookDriver, signWebhook } from '../../../src/adapters/deploy/webhook-driver.ts';

const SECRET = 'whsec-test-5f2a9c';

const target: DeployTarget = { system: 'shop', env: 'prod', service: 'api', version: 'v2.0.1', tag: 'v2.0.1', commit: 'ab'.repeat(20), workdir: '/srv/shop' };

type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: string; signatureValid: boolean };

/** What a receiver does: recompute the signature over the raw body and compare in constant time. */
function verify(secret: string, headers: IncomingMessage['headers'], body: string): boolean {
  const timestamp = headers['x-tonic-timestamp'];
  const signature = headers['x-tonic-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // replay window
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

type Receiver = { url: string; received: Received[]; close(): Promise<void> };
const open: Receiver[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

async function receiver(handle: (req: Received, res: ServerResponse) => void): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, signatureValid: verify(SECRET, req.headers, body) };
      received.push(r);
      handle(r, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  const r: Receiver = {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(ok));
    },
  };
  open.push(r);
  return r;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function deploy(url: string, options: { timeoutMs?: number; pollIntervalMs?: number; secret?: string } = {}) {
  const driver = createWebhookDriver({ url, secret: options.secret ?? SECRET, timeoutMs: options.timeoutMs ?? 5_000, pollIntervalMs: options.pollIntervalMs ?? 50 });
  const lines: string[] = [];
  const started = Date.now();
  let error: unknown = null;
  try {
    await driver.deploy(target, (_stream, line) => lines.push(line));
  } catch (e) {
    error = e;
  }
  return { error, lines, ms: Date.now() - started };
}

describe('webhook driver', () => {
  test('signWebhook is sha256=hex(hmac(secret, timestamp + "." + body))', () => {
    assert.equal(signWebhook('k', '1700000000', '{}'), `sha256=${createHmac('sha256', 'k').update('1700000000.{}').digest('hex')}`);
  });

  test('POSTs the release as signed JSON that verifies with the secret (and not with another); "succeeded" at once is a success', async () => {
    const r = await receiver((_req, res) => json(res, 200, { status: 'succeeded' }));
    const { error } = await deploy(`${r.url}/hooks/deploy`);
    assert.equal(error, null);
    assert.equal(r.received.length, 1);
    const [req] = r.received;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.url, '/hooks/deploy');
    assert.equal(req!.signatureValid, true, 'the signature verifies with the shared secret');
    assert.equal(verify('another-secret', req!.headers, req!.body), false);
    assert.equal(verify(SECRET, req!.headers, req!.body.replace('v2.0.1', 'v9.9.9')), false, 'a changed body does not verify');
    assert.match(String(req!.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(req!.body), { event: 'deploy', version: 'v2.0.1', tag: 'v2.0.1', commit: target.commit, env: 'prod', service: 'api', system: 'shop', workdir: '/srv/shop' });
  });

  test('"failed" at once is a DeployFailure carrying the receiver\'s message', async () => {
    const r = await receiver((_req, res) => json(res, 200, { status: 'failed', message: 'disk full on web-2' }));
    const { error } = await deploy(r.url);
    assert.ok(error instanceof DeployFailure, String(error));
    assert.match(error.message, /disk full on web-2/);
  });

  test('202 with a statusUrl: the status is polled, signed, until it says succeeded', async () => {
    let polls = 0;
    const r = await receiver((req, res) => {
      if (req.method === 'POST') return json(res, 202, { status: 'pending', statusUrl: '/deploys/42' });
      polls += 1;
      json(res, 200, polls < 3 ? { status: 'pending' } : { status: 'succeeded' });
    });
    const { error, lines } = await deploy(r.url, { pollIntervalMs: 30 });
    assert.equal(error, null, String(error));
    const gets = r.received.filter((x) => x.method === 'GET');
    assert.equal(gets.length, 3);
    assert.ok(gets.every((g) => g.url === '/deploys/42' && g.signatureValid), 'each poll is signed over an empty body');
    assert.ok(lines.some((l) => l.includes('/deploys/42')), 'the polls are in the log');
  });

  test('polling that ends in "failed" is a failure with the message', async () => {
    const r = await receiver((req, res) => (req.method === 'POST' ? json(res, 202, { statusUrl: `${r.url}/s/1` }) : json(res, 200, { status: 'failed', message: 'health probe failed' })));
    const { error } = await deploy(r.url);
    assert.ok(error instanceof DeployFailure, String(error));
    assert.match(error.message, /health probe failed/);
  });

  test('HTTP 500 is a failure naming 500', async () => {
    const r = await receiver((_req, res) => json(res, 500, { message: 'internal error' }));
    const { error } = await deploy(r.url);
    assert.ok(error instanceof DeployFailure, String(error));
    assert.match(error.message, /HTTP 500/);
  });

  test('a 202 without a statusUrl is a failure that says so', async () => {
    const r = await receiver((_req, res) => json(res, 202, {}));
    const { error } = await deploy(r.url);
    assert.ok(error instanceof DeployFailure, String(error));
    assert.match(error.message, /no statusUrl/);
  });

  test('a receiver that never answers is a failure within the time limit', async () => {
    const r = await receiver(() => undefined); // reads the request, never responds
    const { error, ms } = await deploy(r.url, { timeoutMs: 800 });
    assert.ok(error instanceof DeployFailure, String(error));
    assert.match(error.message, /no answer in time/);
    assert.ok(ms < 3_000, `gave up after ${ms} ms`);
    assert.equal(r.received.length, 1);
  });

  test('a deploy that stays pending is a timeout failure, after polling', async () => {
    const r = await receiver((req, res) => (req.method === 'POST' ? json(res, 202, { status: 'pending', statusUrl: '/s' }) : json(res, 200, { status: 'pending' })));
    const { error, ms } = await deploy(r.url, { timeoutMs: 700, pollIntervalMs: 100 });
    assert.ok(error instanceof DeployFailure, String(error));
    assert.match(error.message, /did not finish within/);
    assert.match(error.message, /last status: pending/);
    assert.ok(ms < 3_000, `gave up after ${ms} ms`);
    assert.ok(r.received.filter((x) => x.method === 'GET').length >= 2);
  });

  test('a receiver that is not listening is a failure naming the refusal', async () => {
    const r = await receiver(() => undefined);
    const url = r.url;
    await r.close();
    const { error, ms } = await deploy(url, { timeoutMs: 2_000 });
    assert.ok(error instanceof DeployFailure, String(error));
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(ms < 2_000);
  });
});
