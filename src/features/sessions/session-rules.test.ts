import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, verifyPassword } from './password-hash.ts';
import {
  LOGIN_MAX_FAILURES,
  LOGIN_WINDOW_MS,
  loginVerdict,
  passwordProblem,
  rateLimitKey,
  readCookie,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  sessionCookie,
  sessionExpiry,
} from './session-rules.ts';

const at = (iso: string) => new Date(iso);

describe('sign-in rules', () => {
  test('sign-in is refused from the fifth failure within 15 minutes, until the oldest of them leaves the window', () => {
    const now = at('2026-11-26T12:00:00Z');
    const failures = [0, 1, 2, 3].map((m) => new Date(now.getTime() - (10 - m) * 60_000));
    assert.deepEqual(loginVerdict(failures, now), { allowed: true });
    const five = [...failures, new Date(now.getTime() - 60_000)];
    assert.equal(five.length, LOGIN_MAX_FAILURES);
    // The oldest failure (10 min ago) leaves the window in 5 minutes.
    assert.deepEqual(loginVerdict(five, now), { allowed: false, retryAfterSeconds: 300 });
    assert.deepEqual(loginVerdict(five, new Date(now.getTime() + 5 * 60_000)), { allowed: true });
    const old = five.map((f) => new Date(f.getTime() - LOGIN_WINDOW_MS));
    assert.deepEqual(loginVerdict(old, now), { allowed: true }, 'failures older than the window do not count');
  });

  test('the limit is per address and user name, whatever the case of the name', () => {
    assert.equal(rateLimitKey('10.0.0.1', ' Alice '), rateLimitKey('10.0.0.1', 'alice'));
    assert.notEqual(rateLimitKey('10.0.0.1', 'alice'), rateLimitKey('10.0.0.2', 'alice'));
  });

  test('a session lasts a day without requests and a week at most', () => {
    const created = at('2026-11-26T00:00:00Z');
    assert.equal(sessionExpiry(created, created).getTime(), created.getTime() + SESSION_IDLE_MS);
    const late = new Date(created.getTime() + SESSION_MAX_MS - 60_000);
    assert.equal(sessionExpiry(created, late).getTime(), created.getTime() + SESSION_MAX_MS);
  });

  test('passwords: at least 10 characters, not the user name', () => {
    assert.match(passwordProblem('short', 'alice') ?? '', /at least 10/);
    assert.match(passwordProblem('Alice12345', 'alice12345') ?? '', /user name/);
    assert.equal(passwordProblem('a long enough one', 'alice'), null);
  });

  test('the cookie is HttpOnly and SameSite=Lax, Secure only over TLS; removal expires it', () => {
    assert.equal(sessionCookie('abc', { secure: false, maxAgeSeconds: 60 }), 'tonic_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60');
    assert.match(sessionCookie('abc', { secure: true, maxAgeSeconds: 60 }), /; Secure$/);
    assert.match(sessionCookie(null, { secure: false, maxAgeSeconds: 60 }), /^tonic_session=; .*Max-Age=0$/);
    assert.equal(readCookie('a=1; tonic_session=xyz; b=2', 'tonic_session'), 'xyz');
    assert.equal(readCookie('tonic_session_other=1', 'tonic_session'), null);
    assert.equal(readCookie(undefined, 'tonic_session'), null);
  });

  test('scrypt hashes: salted, verified, wrong passwords and malformed hashes refused', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    assert.notEqual(a, b, 'a new salt each time');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterY', a), false);
    assert.equal(await verifyPassword('x', 'plain-text'), false);
    assert.equal(await verifyPassword('x', 'scrypt$0$8$1$aa$bb'), false);
  });
});
