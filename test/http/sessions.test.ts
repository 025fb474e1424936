/**
 * Dashboard sign-in over HTTP: the session cookie, CSRF protection of every change made with it,
 * the sign-in limit, sign-out, passwords, and the actions each user is offered on a bug.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/http/app.ts';
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS } from '../../src/features/sessions/session-rules.ts';
import { DIALECTS } from '../support/databases.ts';
import { createTestTonic, fixedVersions, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';

const PASSWORD = 'correct horse battery';

type Answer = { status: number; headers: Headers; body: any };

for (const dialect of DIALECTS) {
  describe(`dashboard sessions on ${dialect}`, () => {
    let t: TestTonic;
    let api: TestServer;
    const base = '/api/v1/systems/shop';

    before(async () => {
      t = await createTestTonic({ dialect, versions: fixedVersions('same'), systems: [testSystem()] });
      api = await startTestServer(t);
      for (const user of ['admin', 'manager', 'viewer', 'developer']) {
        const set = await api.request('admin', 'PUT', `/api/v1/users/${user}/password`, { password: PASSWORD });
        assert.equal(set.status, 204, JSON.stringify(set.body));
      }
    });
    after(async () => {
      await api.close();
      await t.close();
    });

    /** Requests as a browser would send them: the cookie, and the CSRF token when given. */
    async function browser(method: string, path: string, options: { cookie?: string; csrf?: string; body?: unknown; headers?: Record<string, string>; ip?: string } = {}): Promise<Answer> {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(options.cookie ? { cookie: options.cookie } : {}),
          ...(options.csrf ? { 'x-csrf-token': options.csrf } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.ip ? { 'x-forwarded-for': options.ip } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    }

    async function signIn(username: string, password = PASSWORD): Promise<{ cookie: string; csrf: string; answer: Answer }> {
      const answer = await browser('POST', '/api/v1/session', { body: { username, password } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const setCookie = answer.headers.get('set-cookie') ?? '';
      return { cookie: setCookie.split(';')[0]!, csrf: answer.body.csrfToken, answer };
    }

    test('sign in sets an HttpOnly SameSite cookie; the session reads, and changes carry the CSRF token', async () => {
      const { cookie, csrf, answer } = await signIn('manager');
      const setCookie = answer.headers.get('set-cookie') ?? '';
      assert.match(setCookie, /^tonic_session=[\w-]{40,};/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Lax/);
      assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP on loopback: no Secure flag');
      assert.equal(answer.body.user.username, 'manager');
      assert.ok(answer.body.permissions.systems.shop.includes('bugs.approve'));

      const me = await browser('GET', '/api/v1/session', { cookie });
      assert.equal(me.status, 200);
      assert.equal(me.body.csrfToken, csrf, 'the page gets its CSRF token back after a reload');
      assert.equal((await browser('GET', `${base}/bugs`, { cookie })).status, 200, 'reads need no CSRF token');

      const body = { title: 'Totals wrong', description: '', severity: 'low', foundInEnv: 'uat' };
      const forged = await browser('POST', `${base}/bugs`, { cookie, body });
      assert.equal(forged.status, 403, 'a change with the cookie but no CSRF token is refused');
      assert.match(forged.body.detail, /CSRF token/);
      const wrong = await browser('POST', `${base}/bugs`, { cookie, body, csrf: 'x'.repeat(43) });
      assert.equal(wrong.status, 403);
      const crossSite = await browser('POST', `${base}/bugs`, { cookie, body, csrf, headers: { origin: 'https://evil.example' } });
      assert.equal(crossSite.status, 403, 'another site cannot change things even with a leaked token');
      assert.match(crossSite.body.detail, /evil\.example/);
      const fetchSite = await browser('POST', `${base}/bugs`, { cookie, body, csrf, headers: { 'sec-fetch-site': 'cross-site' } });
      assert.equal(fetchSite.status, 403);
      const bugs = Number((await t.tonic.db.selectFrom('bugs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      assert.equal(bugs, 0, 'nothing refused was written');

      const ok = await browser('POST', `${base}/bugs`, { cookie, body, csrf, headers: { origin: api.url } });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal(ok.body.reporter, 'manager');
    });

    test('a wrong password, an unknown user and a user without a password get the same answer', async () => {
      await t.tonic.identity.createUser(t.actors.admin, { username: 'nopass', role: 'viewer' });
      for (const [username, password] of [['manager', 'not the password'], ['nobody', PASSWORD], ['nopass', PASSWORD]] as const) {
        const res = await browser('POST', '/api/v1/session', { body: { username, password } });
        assert.equal(res.status, 401, username);
        assert.equal(res.body.code, 'unauthenticated');
        assert.match(res.body.detail, /wrong user name or password/);
        assert.equal(res.headers.get('set-cookie'), null);
      }
    });

    test('sign-in is limited per address and user name, with a clear 429, and opens again after the window', async () => {
      const ip = { ip: '203.0.113.9' };
      // The test server does not trust X-Forwarded-For: every request comes from 127.0.0.1.
      for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
        assert.equal((await browser('POST', '/api/v1/session', { ...ip, body: { username: 'developer', password: `wrong ${i}` } })).status, 401);
      }
      const limited = await browser('POST', '/api/v1/session', { ...ip, body: { username: 'developer', password: PASSWORD } });
      assert.equal(limited.status, 429, 'refused even with the right password');
      assert.equal(limited.body.code, 'rate_limited');
      assert.match(limited.body.detail, /too many failed sign-ins for "developer".*try again in 15 minutes/);
      assert.equal(limited.headers.get('retry-after'), String(LOGIN_WINDOW_MS / 1000));
      assert.equal((await browser('POST', '/api/v1/session', { body: { username: 'viewer', password: PASSWORD } })).status, 200, 'another user from the same address is not blocked');
      t.clock.advance(LOGIN_WINDOW_MS + 1000);
      const again = await signIn('developer');
      assert.equal(again.answer.body.user.username, 'developer');
    });

    test('sign out ends the session: the cookie is cleared and no longer accepted', async () => {
      const { cookie, csrf } = await signIn('viewer');
      const refused = await browser('DELETE', '/api/v1/session', { cookie });
      assert.equal(refused.status, 403, 'sign-out is a change too: it needs the CSRF token');
      const out = await browser('DELETE', '/api/v1/session', { cookie, csrf });
      assert.equal(out.status, 204);
      assert.match(out.headers.get('set-cookie') ?? '', /^tonic_session=; .*Max-Age=0/);
      const after = await browser('GET', '/api/v1/session', { cookie });
      assert.equal(after.status, 401);
      assert.match(after.body.detail, /session has ended/);
    });

    test('a session expires after a day without requests; a disabled user is out at once', async () => {
      const idle = await signIn('viewer');
      t.clock.advance(25 * 60 * 60 * 1000);
      assert.equal((await browser('GET', '/api/v1/session', { cookie: idle.cookie })).status, 401);

      const active = await signIn('viewer');
      assert.equal((await browser('GET', '/api/v1/session', { cookie: active.cookie })).status, 200);
      const disabled = await api.request('admin', 'PATCH', '/api/v1/users/viewer', { disabled: true });
      assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
      assert.equal((await browser('GET', '/api/v1/session', { cookie: active.cookie })).status, 401);
      assert.equal((await browser('POST', '/api/v1/session', { body: { username: 'viewer', password: PASSWORD } })).status, 401);
      await api.request('admin', 'PATCH', '/api/v1/users/viewer', { disabled: false });
    });

    test('passwords: admins set anyone\'s; a user changes their own with the current one; weak ones are refused', async () => {
      const short = await api.request('admin', 'PUT', '/api/v1/users/developer/password', { password: 'short' });
      assert.equal(short.status, 400);
      assert.match(short.body.detail, /at least 10 characters/);
      const notAdmin = await api.request('manager', 'PUT', '/api/v1/users/developer/password', { password: 'a long new password' });
      assert.equal(notAdmin.status, 403);
      const { cookie, csrf } = await signIn('developer');
      const other = await signIn('developer');
      const wrongCurrent = await browser('PUT', '/api/v1/users/developer/password', { cookie, csrf, body: { password: 'a brand new password', currentPassword: 'nope nope nope' } });
      assert.equal(wrongCurrent.status, 403);
      const changed = await browser('PUT', '/api/v1/users/developer/password', { cookie, csrf, body: { password: 'a brand new password', currentPassword: PASSWORD } });
      assert.equal(changed.status, 204, JSON.stringify(changed.body));
      assert.equal((await browser('GET', '/api/v1/session', { cookie })).status, 200, 'the session that changed it goes on');
      assert.equal((await browser('GET', '/api/v1/session', { cookie: other.cookie })).status, 401, 'the other sessions end');
      await signIn('developer', 'a brand new password');
      await api.request('admin', 'PUT', '/api/v1/users/developer/password', { password: PASSWORD });
    });

    test('each user is offered exactly the actions their role allows on the bug\'s status', async () => {
      const bug = (await api.request('developer', 'POST', `${base}/bugs`, { title: 'Badge colours', description: '', severity: 'medium', foundInEnv: 'prod' })).body;
      const offered = async (role: 'viewer' | 'developer' | 'manager' | 'admin') => (await api.request(role, 'GET', `${base}/bugs/${bug.id}`)).body.allowedActions;
      assert.deepEqual(await offered('viewer'), []);
      assert.deepEqual(await offered('developer'), ['attach_fix']);
      assert.deepEqual(await offered('manager'), ['confirm', 'attach_fix', 'reject', 'close']);
      await api.request('manager', 'POST', `${base}/bugs/${bug.id}/confirm`, {});
      await t.tonic.bugs.advance('shop', bug.id, 'deploy_uat');
      assert.deepEqual(await offered('viewer'), []);
      assert.deepEqual(await offered('manager'), ['approve_prod', 'close']);
      assert.deepEqual(await offered('admin'), ['approve_prod', 'drop_from_release', 'close']);
      const list = (await api.request('manager', 'GET', `${base}/bugs?search=badge`)).body.items;
      assert.deepEqual(list.map((b: any) => [b.id, b.allowedActions]), [[bug.id, ['approve_prod', 'close']]], 'lists carry them too; search finds by title words');
      assert.deepEqual((await api.request('viewer', 'GET', `${base}/bugs?search=%23${bug.id}`)).body.items.map((b: any) => b.id), [bug.id], 'and by #id');
      assert.deepEqual((await api.request('viewer', 'GET', `${base}/bugs?search=50%25`)).body.items, [], '% is a character, not a wildcard');

      // Whoever attached a fix is not offered its approval (and the API refuses it).
      const own = (await api.request('manager', 'POST', `${base}/bugs`, { title: 'Own fix', description: '', severity: 'low', foundInEnv: 'uat' })).body;
      await api.request('manager', 'POST', `${base}/bugs/${own.id}/confirm`, {});
      await t.tonic.db.updateTable('bugs').set({ fix_attached_by: 'manager' }).where('id', '=', own.id).execute();
      await t.tonic.bugs.advance('shop', own.id, 'deploy_uat');
      assert.deepEqual((await api.request('manager', 'GET', `${base}/bugs/${own.id}`)).body.allowedActions, ['close']);
      assert.deepEqual((await api.request('admin', 'GET', `${base}/bugs/${own.id}`)).body.allowedActions, ['approve_prod', 'drop_from_release', 'close']);
      const refused = await api.request('manager', 'POST', `${base}/bugs/${own.id}/approve-prod`, {});
      assert.equal(refused.body.code, 'self_approval');
    });

    test('behind a trusted TLS proxy the cookie is Secure; without trust, X-Forwarded-Proto is ignored', async () => {
      for (const trustProxy of [true, false]) {
        const app = await buildApp(t.tonic, { trustProxy });
        try {
          const res = await app.inject({
            method: 'POST',
            url: '/api/v1/session',
            headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7', 'content-type': 'application/json' },
            payload: { username: 'admin', password: PASSWORD },
          });
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(/;\s*Secure/.test(String(res.headers['set-cookie'])), trustProxy);
        } finally {
          await app.close();
        }
      }
    });
  });
}
