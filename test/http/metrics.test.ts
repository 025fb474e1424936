/**
 * GET /metrics on the real server: the pipeline's state read from the database (runs by outcome,
 * deploy durations, approvals waiting, notifications queued, scheduler lag) and HTTP latency.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../support/databases.ts';
import { createTestTonic, fixedVersions, startTestServer, type TestServer, type TestTonic } from '../support/test-tonic.ts';

for (const dialect of DIALECTS) {
  describe(`GET /metrics on ${dialect}`, () => {
    let t: TestTonic;
    let server: TestServer;
    before(async () => {
      t = await createTestTonic({ dialect, versions: fixedVersions('same') });
      server = await startTestServer(t);
    });
    after(async () => {
      await server?.close();
      await t?.close();
    });

    test('reports runs, deploy durations, approvals waiting, queued notifications, scheduler lag and HTTP latency', async () => {
      const { tonic, actors } = t;
      const bug = await tonic.bugs.report(actors.developer, 'shop', { title: 'waiting', description: '', severity: 'low', foundInEnv: 'uat' });
      await tonic.db.updateTable('bugs').set({ status: 'deployed_uat' }).where('id', '=', bug.id).execute();
      const at = t.clock.now();
      const run = await tonic.runStore.claim(tonic.db, { system: 'shop', slot: 't1', scheduledFor: at, trigger: 'manual', instance: 'test', leaseUntil: at, at });
      await tonic.runStore.finish(tonic.db, run!.id, 'test', 'succeeded', { steps: [], bugs: [], releases: [] }, null, at);
      const release = await tonic.db
        .insertInto('releases')
        .values({ system: 'shop', version: 'v1.0.1', tag: 'v1.0.1', commit_sha: 'b'.repeat(40), base_commit: 'a'.repeat(40), base_version: 'v1.0.0', kind: 'flow1', target_env: 'uat', notes: '', run_id: run!.id, created_at: at.toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      // A deploy that took 42 seconds.
      await tonic.db
        .insertInto('deployments')
        .values({ system: 'shop', env: 'uat', run_id: run!.id, release_id: release.id, previous_release_id: null, status: 'succeeded', started_at: '2026-11-26T12:00:00.000Z', finished_at: '2026-11-26T12:00:42.000Z', error: null })
        .execute();
      await tonic.scheduler.tick();
      t.clock.advance(90_000);
      assert.equal((await server.request('viewer', 'GET', '/api/v1/systems/shop/bugs')).status, 200);

      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const lines = text.split('\n');
      assert.ok(lines.includes('tonic_runs{system="shop",slot="t1",outcome="succeeded"} 1'), text);
      assert.ok(lines.includes('tonic_deploy_duration_seconds_bucket{system="shop",env="uat",outcome="succeeded",le="30"} 0'), text);
      assert.ok(lines.includes('tonic_deploy_duration_seconds_bucket{system="shop",env="uat",outcome="succeeded",le="60"} 1'), text);
      assert.ok(lines.includes('tonic_deploy_duration_seconds_sum{system="shop",env="uat",outcome="succeeded"} 42'), text);
      assert.ok(lines.includes('tonic_approvals_waiting{system="shop",kind="approve_prod"} 1'), text);
      assert.ok(lines.includes('tonic_approvals_waiting{system="shop",kind="approve_uat_merge"} 0'), text);
      assert.ok(lines.some((l) => /^tonic_notifications_queued\{system="shop",state="pending"\} [1-9]\d*$/.test(l)), text);
      assert.ok(lines.includes('tonic_scheduler_lag_seconds{system="shop"} 90'), text);
      assert.ok(lines.includes('tonic_http_request_duration_seconds_count{method="GET",route="/api/v1/systems/:system/bugs",status="2xx"} 1'), text);
      // Every line is a comment or `name{labels} value`: what a Prometheus text parser accepts.
      for (const line of lines.filter(Boolean)) assert.match(line, /^(# (HELP|TYPE) \w+ .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*\})? (-?[\d.e+-]+|NaN|[+-]Inf))$/, line);
    });
  });
}
