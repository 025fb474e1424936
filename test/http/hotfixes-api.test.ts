/**
 * The emergency hotfix endpoints over the real HTTP server, on every dialect. The system here has
 * no repository: the fix is deployed by hand and recorded with its commit and diff (the deploy
 * through the driver, with git and real environments, is covered in test/features/hotfixes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../support/databases.ts';
import { createTestTonic, fixedVersions, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';

function assertProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string, detail?: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.code, code);
  if (detail) assert.match(res.body.detail, detail);
}

for (const dialect of DIALECTS) {
  describe(`hotfix API on ${dialect}`, () => {
    let t: TestTonic;
    let api: TestServer;
    const base = '/api/v1/systems/shop';

    before(async () => {
      t = await createTestTonic({ dialect, versions: fixedVersions('same'), systems: [testSystem()] });
      api = await startTestServer(t);
      await api.request('admin', 'POST', `${base}/environments/prod`, { version: 'v2.3.0', commit: 'abcdef1234' });
      await api.request('admin', 'POST', `${base}/environments/uat`, { version: 'v2.3.0', commit: 'abcdef1234' });
    });
    after(async () => {
      await api.close();
      await t.close();
    });

    const reportBug = async (severity: string) =>
      (await api.request('developer', 'POST', `${base}/bugs`, { title: `${severity} in checkout`, description: 'd', severity, foundInEnv: 'prod', module: 'checkout' })).body;

    test('open, notify, record a hand deploy, follow up on UAT, note and close; every refusal with its reason', async () => {
      const low = await reportBug('low');
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes`, { bugId: low.id }), 422, 'severity_requires_pipeline', /is low: .*pipeline/);
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes`, { bugId: 9999 }), 404, 'not_found');
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes`, { bugId: '1' }), 400, 'validation_failed');

      const critical = await reportBug('critical');
      assertProblem(await api.request('manager', 'POST', `${base}/hotfixes`, { bugId: critical.id }), 403, 'forbidden', /emergency hotfixes needs admin/);
      const opened = await api.request('admin', 'POST', `${base}/hotfixes`, { bugId: critical.id });
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      assert.equal(opened.headers.get('location'), `${base}/hotfixes/${opened.body.id}`);
      assert.equal(opened.body.priority, 'P1');
      assert.equal(opened.body.branch, null);
      assert.match(opened.body.branchNote, /no repository is configured/);
      assert.equal(opened.body.checklist.length, 9);
      assert.match(opened.body.slaDueAtLocal, /GMT\+8$/);
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes`, { bugId: critical.id }), 409, 'conflict', /already has emergency hotfix/);
      const id = opened.body.id;

      const listed = await api.request('viewer', 'GET', `${base}/hotfixes?status=open`);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.items.map((h: any) => [h.id, h.title, h.severity, h.priority]), [[id, 'critical in checkout', 'critical', 'P1']]);
      assert.equal(listed.body.nextCursor, null);

      const hand = { commit: '0123456789abcdef', version: 'v2.3.1', diff: '--- a/pay.js\n+++ b/pay.js\n+retry guard\n' };
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes/${id}/record-deploy`, hand), 422, 'team_not_notified', /Notify at least one other team member/);
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes/${id}/notify`, { people: ['nobody-here'] }), 400, 'validation_failed', /nobody-here is not a user/);
      const notified = await api.request('admin', 'POST', `${base}/hotfixes/${id}/notify`, { people: ['manager', 'cto'], message: 'deploying in 10 min' });
      assert.equal(notified.status, 200, JSON.stringify(notified.body));
      assert.deepEqual(notified.body.notices.map((n: any) => n.people), [['manager', 'cto']]);

      assertProblem(await api.request('manager', 'POST', `${base}/hotfixes/${id}/checklist/team_notified`, {}), 409, 'invalid_transition', /notify action/);
      assertProblem(await api.request('manager', 'POST', `${base}/hotfixes/${id}/checklist/coffee`, {}), 400, 'validation_failed');
      const told = await api.request('manager', 'POST', `${base}/hotfixes/${id}/checklist/stakeholders_notified`, { note: 'phoned the client' });
      assert.deepEqual(told.body.checklist.find((c: any) => c.item === 'stakeholders_notified'), {
        item: 'stakeholders_notified',
        text: 'Telegram/Slack notification sent to stakeholders',
        done: true,
        by: 'manager',
        at: '2026-11-26T04:00:00.000Z',
        bySystem: false,
        note: 'phoned the client',
      });

      t.clock.set('2026-11-26T04:40:00Z');
      const deployed = await api.request('admin', 'POST', `${base}/hotfixes/${id}/record-deploy`, hand);
      assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
      assert.deepEqual([deployed.body.status, deployed.body.deploy.mode, deployed.body.deploy.version, deployed.body.bug.status], ['deployed', 'manual', 'v2.3.1', 'deployed_prod']);
      assert.equal((await api.request('viewer', 'GET', `${base}/bugs/${critical.id}`)).body.aiFixDiff, hand.diff);
      const prod = (await api.request('viewer', 'GET', `${base}/environments`)).body.environments.find((e: any) => e.env === 'prod');
      assert.deepEqual([prod.version, prod.commit], ['v2.3.1', hand.commit]);
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes/${id}/record-deploy`, hand), 409, 'invalid_transition', /is deployed/);

      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes/${id}/close`, {}), 422, 'note_required', /post-incident note/);
      assertProblem(await api.request('manager', 'POST', `${base}/hotfixes/${id}/note`, { rootCause: 'x' }), 400, 'validation_failed', /fixSummary/);
      await api.request('manager', 'POST', `${base}/hotfixes/${id}/note`, { rootCause: 'double submit', fixSummary: 'disable the button while paying' });
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes/${id}/close`, {}), 409, 'invalid_transition', /UAT is not updated/);
      // Without a repository there is nothing to build: the follow-up says how to record it by hand.
      assertProblem(await api.request('admin', 'POST', `${base}/hotfixes/${id}/uat-follow-up`, {}), 400, 'validation_failed', /no repository/);
      const followed = await api.request('admin', 'POST', `${base}/hotfixes/${id}/uat-follow-up`, { commit: hand.commit, version: 'v2.3.1' });
      assert.deepEqual([followed.body.uatFollowUp.status, followed.body.uatFollowUp.byHand], ['done', true]);
      const closed = await api.request('admin', 'POST', `${base}/hotfixes/${id}/close`, {});
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      assert.equal(closed.body.status, 'closed');
      const shown = await api.request('viewer', 'GET', `${base}/hotfixes/${id}`);
      assert.deepEqual(shown.body.note && [shown.body.note.rootCause, shown.body.note.by], ['double submit', 'manager']);
      assertProblem(await api.request('viewer', 'GET', `${base}/hotfixes/12345`), 404, 'not_found');

      const events = (await t.tonic.outbox.list(t.tonic.db, { system: 'shop', limit: 100 })).map((m) => m.event).filter((e) => e.startsWith('hotfix.'));
      assert.deepEqual(events.reverse(), ['hotfix.opened', 'hotfix.team_notified', 'hotfix.deployed', 'hotfix.deployed']);
    });

    test('approvals over HTTP: once per person, not by a developer', async () => {
      const bug = await reportBug('high');
      const id = (await api.request('admin', 'POST', `${base}/hotfixes`, { bugId: bug.id })).body.id;
      const first = await api.request('cto', 'POST', `${base}/hotfixes/${id}/approve`, { note: 'ok' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(first.body.approvals.map((a: any) => [a.approver, a.roles]), [['cto', ['cto']]]);
      assertProblem(await api.request('cto', 'POST', `${base}/hotfixes/${id}/approve`, {}), 422, 'duplicate_approval', /two different people/);
      assertProblem(await api.request('developer', 'POST', `${base}/hotfixes/${id}/approve`, {}), 403, 'forbidden');
    });

    test('the OpenAPI document describes the hotfix endpoints', async () => {
      const doc = (await api.request(null, 'GET', '/api/v1/openapi.json')).body;
      for (const path of ['/api/v1/systems/{system}/hotfixes', '/api/v1/systems/{system}/hotfixes/{id}/deploy', '/api/v1/systems/{system}/hotfixes/{id}/checklist/{item}']) {
        assert.ok(doc.paths[path], `${path} is documented`);
      }
    });
  });
}
