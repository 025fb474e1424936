/**
 * `tonic users set-password`: the dashboard password, read from standard input, set through the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, createTestTonic, startTestServer, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { runTonic } from './run-tonic.ts';

describe('tonic users set-password', () => {
  let t: TestTonic;
  let server: TestServer;
  const env = () => ({ TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });

  before(async () => {
    t = await createTestTonic({ dialect: 'sqlite' });
    server = await startTestServer(t);
  });
  after(async () => {
    await server?.close();
    await t?.close();
  });

  test('sets the password from standard input; the user then signs in with it', { timeout: 180_000 }, async () => {
    const run = await runTonic(['users', 'set-password', 'manager', '--password-stdin'], env(), undefined, 'night shift approver\n');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /password set for manager/);
    const signIn = await fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'manager', password: 'night shift approver' }) });
    assert.equal(signIn.status, 200);
  });

  test('refuses a password on the command line, an empty one and a weak one, saying why', { timeout: 180_000 }, async () => {
    const noStdin = await runTonic(['users', 'set-password', 'manager'], env());
    assert.equal(noStdin.code, 2);
    assert.match(noStdin.stderr, /--password-stdin/);
    const empty = await runTonic(['users', 'set-password', 'manager', '--password-stdin'], env(), undefined, '');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /standard input was empty/);
    const weak = await runTonic(['users', 'set-password', 'manager', '--password-stdin'], env(), undefined, 'short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 10 characters/);
  });
});
