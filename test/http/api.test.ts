import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../support/databases.ts';
import { createTestTonic, fixedVersions, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';

const report = { title: 'Search is case-sensitive', description: '"Mug" finds nothing', severity: 'low', foundInEnv: 'uat' };

function assertProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string, detail?: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  assert.ok(res.body.type && res.body.title && res.body.requestId, 'problem has type, title and request id');
  if (detail) assert.match(res.body.detail, detail);
}

for (const dialect of DIALECTS) {
  describe(`HTTP API on ${dialect}`, () => {
    let t: TestTonic;
    let api: TestServer;
    const base = '/api/v1/systems/shop';

    before(async () => {
      t = await createTestTonic({ dialect, versions: fixedVersions('same'), systems: [testSystem()] });
      api = await startTestServer(t);
    });
    after(async () => {
      await api.close();
      await t.close();
    });

    async function countRows() {
      const n = async (table: 'bugs' | 'bug_history' | 'audit_events' | 'outbox') =>
        Number((await t.tonic.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return { bugs: await n('bugs'), history: await n('bug_history'), audit: await n('audit_events'), outbox: await n('outbox') };
    }

    test('health needs no token; everything else does', async () => {
      const health = await api.request(null, 'GET', '/api/v1/health');
      assert.equal(health.status, 200);
      assert.deepEqual(health.body, { status: 'ok' });
      const anonymous = await api.request(null, 'GET', `${base}/bugs`);
      assertProblem(anonymous, 401, 'unauthenticated', /Bearer/);
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="tonic"');
      const bad = await api.request(null, 'GET', `${base}/bugs`, undefined, { authorization: 'Bearer nope' });
      assertProblem(bad, 401, 'unauthenticated', /not valid/);
    });

    test('systems and environments', async () => {
      const systems = await api.request('viewer', 'GET', '/api/v1/systems');
      assert.equal(systems.status, 200);
      assert.deepEqual(systems.body.items.map((s: any) => [s.name, s.timeZone, s.schedule.t2]), [['shop', 'Asia/Hong_Kong', '22:00']]);
      const recorded = await api.request('admin', 'POST', `${base}/environments/prod`, { version: 'v1.0.0', commit: 'abcdef1234' });
      assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
      assertProblem(await api.request('manager', 'POST', `${base}/environments/uat`, { commit: 'abcdef1234' }), 403, 'forbidden', /recording environment versions needs admin/);
      await api.request('admin', 'POST', `${base}/environments/uat`, { version: 'v1.0.0', commit: 'abcdef1234' });
      const envs = await api.request('viewer', 'GET', `${base}/environments`);
      assert.equal(envs.status, 200);
      assert.deepEqual(envs.body.environments.map((e: any) => [e.env, e.version, e.commit]), [['uat', 'v1.0.0', 'abcdef1234'], ['prod', 'v1.0.0', 'abcdef1234']]);
      assert.equal(envs.body.flow.flow, 'flow1');
      assert.match(envs.body.flow.reason, /same commit/);
      assertProblem(await api.request('viewer', 'GET', '/api/v1/systems/nope/environments'), 404, 'not_found', /system "nope"/);
    });

    test('report → 201 submitted with Location and ETag; read it back with history', async () => {
      const created = await api.request('developer', 'POST', `${base}/bugs`, { ...report, module: 'checkout', services: ['api'] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'submitted');
      assert.equal(created.body.foundInEnv, 'uat');
      assert.deepEqual(created.body.services, ['api']);
      assert.equal(created.headers.get('location'), `${base}/bugs/${created.body.id}`);
      assert.equal(created.headers.get('etag'), '"1"');
      const shown = await api.request('viewer', 'GET', `${base}/bugs/${created.body.id}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.history[0].to, 'submitted');
      assertProblem(await api.request('viewer', 'GET', `${base}/bugs/99999`), 404, 'not_found', /bug 99999 does not exist/);
      assertProblem(await api.request('viewer', 'POST', `${base}/bugs`, report), 403, 'forbidden');
    });

    test('bad input is refused precisely and writes nothing', async () => {
      const before = await countRows();
      assertProblem(await api.request('developer', 'POST', `${base}/bugs`, '{"title": "x",'), 400, 'malformed_json');
      const wrong = await api.request('developer', 'POST', `${base}/bugs`, { ...report, severity: 'urgent', extra: true, description: 5 });
      assertProblem(wrong, 400, 'validation_failed');
      assert.deepEqual(
        wrong.body.errors.map((e: any) => e.path).sort(),
        ['body.description', 'body.extra', 'body.severity'],
      );
      assert.match(wrong.body.detail, /severity must be one of low, medium, high, critical/);
      const huge = await api.request('developer', 'POST', `${base}/bugs`, { ...report, title: 'x'.repeat(1_000_000) });
      assertProblem(huge, 400, 'validation_failed', /body\.title must NOT have more than 200 characters/);
      const tooLarge = await api.request('developer', 'POST', `${base}/bugs`, { ...report, description: 'x'.repeat(1_100_000) });
      assertProblem(tooLarge, 413, 'payload_too_large');
      assertProblem(await api.request('developer', 'POST', `${base}/bugs`, { ...report, title: '   ' }), 400, 'validation_failed', /title/);
      assertProblem(await api.request('developer', 'POST', `${base}/bugs`, { ...report, module: 'billing' }), 400, 'validation_failed', /module "billing"/);
      assertProblem(await api.request('viewer', 'GET', `${base}/bugs?status=done`), 400, 'validation_failed', /querystring\.status must be one of/);
      assertProblem(await api.request('viewer', 'GET', `${base}/bugs/abc`), 400, 'validation_failed', /params\.id/);
      assertProblem(await api.request('viewer', 'GET', '/api/v1/nowhere'), 404, 'route_not_found');
      assert.deepEqual(await countRows(), before);
    });

    test('confirm, then refusals: 409 wrong status, 422 rules, with what the action needs', async () => {
      const bug = (await api.request('developer', 'POST', `${base}/bugs`, report)).body;
      const confirmed = await api.request('manager', 'POST', `${base}/bugs/${bug.id}/confirm`, { flow: 'auto' });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body.status, 'confirmed');
      assert.equal(confirmed.body.fixFlow, 'flow1');
      const again = await api.request('manager', 'POST', `${base}/bugs/${bug.id}/confirm`, {});
      assertProblem(again, 409, 'invalid_transition', /is confirmed; confirm needs submitted/);
      const wrongGate = await api.request('manager', 'POST', `${base}/bugs/${bug.id}/approve-uat-merge`);
      assertProblem(wrongGate, 409, 'invalid_transition', /approve-uat-merge needs deployed_prod \(Flow 2\)/);

      const critical = (await api.request('developer', 'POST', `${base}/bugs`, { ...report, severity: 'critical' })).body;
      assertProblem(await api.request('manager', 'POST', `${base}/bugs/${critical.id}/confirm`, {}), 422, 'severity_requires_hotfix', /emergency hotfix/);
      assertProblem(await api.request('admin', 'POST', `${base}/bugs/${bug.id}/reject`, {}), 400, 'validation_failed', /reason is required/);
      const override = (await api.request('developer', 'POST', `${base}/bugs`, report)).body;
      assertProblem(await api.request('admin', 'POST', `${base}/bugs/${override.id}/confirm`, { flow: 'flow2' }), 422, 'override_reason_required');
    });

    test('approve-prod answers runsAt: the first T2 after the approval, in the system time zone', async () => {
      const bug = (await api.request('developer', 'POST', `${base}/bugs`, report)).body;
      await api.request('manager', 'POST', `${base}/bugs/${bug.id}/confirm`, {});
      await t.tonic.bugs.advance('shop', bug.id, 'deploy_uat');
      t.clock.set('2026-11-26T13:59:59Z'); // 21:59:59 in Hong Kong
      const approved = await api.request('manager', 'POST', `${base}/bugs/${bug.id}/approve-prod`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.status, 'pending_prod');
      assert.equal(approved.body.runsAt, '2026-11-26T14:00:00.000Z');
      assert.match(approved.body.runsAtLocal, /^2026-11-26 22:00/);
      t.clock.set('2026-11-26T04:00:00Z');
    });

    test('If-Match: a stale version is 412 and changes nothing; the current one succeeds', async () => {
      const bug = (await api.request('developer', 'POST', `${base}/bugs`, report)).body;
      const stale = await api.request('manager', 'POST', `${base}/bugs/${bug.id}/close`, {}, { 'if-match': '"7"' });
      assertProblem(stale, 412, 'precondition_failed', /version 1, not 7/);
      assertProblem(await api.request('manager', 'POST', `${base}/bugs/${bug.id}/close`, {}, { 'if-match': 'banana' }), 400, 'validation_failed', /If-Match/);
      const ok = await api.request('manager', 'POST', `${base}/bugs/${bug.id}/close`, { reason: 'not reproducible' }, { 'if-match': '"1"' });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('etag'), '"2"');
    });

    test('batch approvals answer one result per id', async () => {
      const ready = (await api.request('developer', 'POST', `${base}/bugs`, report)).body;
      await api.request('manager', 'POST', `${base}/bugs/${ready.id}/confirm`, {});
      await t.tonic.bugs.advance('shop', ready.id, 'deploy_uat');
      const res = await api.request('manager', 'POST', `${base}/bugs/approve-prod`, { ids: [ready.id, 424242] });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.results.map((r: any) => [r.id, r.ok, r.bug?.status ?? r.error.code]), [[ready.id, true, 'pending_prod'], [424242, false, 'not_found']]);
      assertProblem(await api.request('manager', 'POST', `${base}/bugs/approve-prod`, { ids: [] }), 400, 'validation_failed', /ids/);
      assertProblem(await api.request('developer', 'POST', `${base}/bugs/approve-uat-merge`, { ids: [ready.id] }), 403, 'forbidden', /approving deploys needs/);
    });

    test('list: filters, cursor pagination, newest first', async () => {
      const listed = await api.request('viewer', 'GET', `${base}/bugs?status=submitted&limit=2`);
      assert.equal(listed.status, 200);
      assert.equal(listed.body.items.length, 2);
      assert.ok(listed.body.items[0].id > listed.body.items[1].id);
      const next = await api.request('viewer', 'GET', `${base}/bugs?status=submitted&limit=2&cursor=${listed.body.nextCursor}`);
      assert.ok(next.body.items.every((b: any) => b.id < listed.body.items[1].id && b.status === 'submitted'));
    });

    test('audit: paginated events and a verified chain; OpenAPI documents the API', async () => {
      const page = await api.request('manager', 'GET', '/api/v1/audit?stream=shop&limit=3');
      assert.equal(page.status, 200);
      assert.equal(page.body.items.length, 3);
      const older = await api.request('manager', 'GET', `/api/v1/audit?stream=shop&limit=3&cursor=${page.body.nextCursor}`);
      assert.ok(older.body.items[0].id < page.body.items[2].id);
      assertProblem(await api.request('developer', 'GET', '/api/v1/audit'), 403, 'forbidden');

      // Filters by who and what: each answers exactly the events of the whole log that match.
      const all = (await api.request('manager', 'GET', '/api/v1/audit?stream=shop&limit=500')).body.items as { id: number; actor: string; action: string }[];
      const actors = [...new Set(all.map((e) => e.actor))];
      assert.ok(actors.length >= 2, `several people acted: ${actors.join(', ')}`);
      for (const actor of actors) {
        const byActor = await api.request('manager', 'GET', `/api/v1/audit?stream=shop&limit=500&actor=${encodeURIComponent(actor)}`);
        assert.deepEqual(byActor.body.items.map((e: { id: number }) => e.id), all.filter((e) => e.actor === actor).map((e) => e.id), `actor=${actor}`);
      }
      // An action whose family has other actions too, so the prefix finds more than the exact name.
      const family = (a: string) => `${a.split('.')[0]}.`;
      const action = all.find((e) => all.some((o) => o.action !== e.action && family(o.action) === family(e.action)))!.action;
      const exact = await api.request('manager', 'GET', `/api/v1/audit?stream=shop&limit=500&action=${encodeURIComponent(action)}`);
      assert.deepEqual(exact.body.items.map((e: { id: number }) => e.id), all.filter((e) => e.action === action).map((e) => e.id), `action=${action}`);
      const prefix = family(action);
      const byPrefix = await api.request('manager', 'GET', `/api/v1/audit?stream=shop&limit=500&action=${encodeURIComponent(`${prefix}*`)}`);
      const expected = all.filter((e) => e.action.startsWith(prefix)).map((e) => e.id);
      assert.deepEqual(byPrefix.body.items.map((e: { id: number }) => e.id), expected, `action=${prefix}*`);
      assert.deepEqual((await api.request('manager', 'GET', '/api/v1/audit?stream=shop&action=nothing.like.this*')).body.items, []);
      const verify = await api.request('admin', 'GET', '/api/v1/audit/verify');
      assert.equal(verify.body.ok, true);

      const spec = await api.request(null, 'GET', '/api/v1/openapi.json');
      assert.equal(spec.status, 200);
      assert.equal(spec.body.openapi, '3.1.0');
      for (const path of ['/api/v1/systems/{system}/bugs', '/api/v1/systems/{system}/bugs/{id}/approve-prod', '/api/v1/systems/{system}/bugs/approve-uat-merge', '/api/v1/audit']) {
        assert.ok(spec.body.paths[path], `${path} is documented`);
      }
      assert.deepEqual(spec.body.components.schemas.Bug.properties.status.enum.length, 11);
    });
  });
}
