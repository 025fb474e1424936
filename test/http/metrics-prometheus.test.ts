/**
 * A real Prometheus (Debian's package) scrapes Tonic's own /metrics from the real server, and
 * PromQL over Tonic's metrics answers what happened: runs by outcome, approvals waiting, HTTP
 * requests by route, a latency quantile. On every dialect.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { DIALECTS } from '../support/databases.ts';
import { eventually } from '../support/processes.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { createTestTonic, fixedVersions, startTestServer, type TestServer, type TestTonic } from '../support/test-tonic.ts';

type Sample = { metric: Record<string, string>; value: [number, string] };

async function query(prometheus: TestPrometheus, expr: string): Promise<Sample[]> {
  const res = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: Sample[] } };
  assert.equal(body.status, 'success', `${expr}: ${body.error}`);
  return body.data.result;
}

const single = async (prometheus: TestPrometheus, expr: string) => {
  const result = await query(prometheus, expr);
  return result.length === 1 ? Number(result[0]!.value[1]) : null;
};

describe('Prometheus scrapes Tonic', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  for (const dialect of DIALECTS) {
    test(`PromQL over Tonic's own metrics answers runs, approvals waiting and HTTP traffic (${dialect})`, { timeout: 120_000 }, async () => {
      const t: TestTonic = await createTestTonic({ dialect, versions: fixedVersions('same') });
      cleanups.push(() => t.close());
      const server: TestServer = await startTestServer(t);
      cleanups.push(() => server.close());
      const { tonic, actors, clock } = t;

      // Two runs (this system has no repository: they fail, and say so), one bug waiting for
      // approve-prod, a little traffic.
      const t1 = await server.request('admin', 'POST', '/api/v1/systems/shop/runs/t1', {});
      clock.advance(60_000);
      const t2 = await server.request('admin', 'POST', '/api/v1/systems/shop/runs/t2', {});
      assert.deepEqual([t1.body.status, t2.body.status], ['failed', 'failed']);
      const bug = await tonic.bugs.report(actors.developer, 'shop', { title: 'waiting', description: '', severity: 'low', foundInEnv: 'uat' });
      await tonic.db.updateTable('bugs').set({ status: 'deployed_uat' }).where('id', '=', bug.id).execute();
      for (let i = 0; i < 3; i++) assert.equal((await server.request(null, 'GET', '/api/v1/health')).status, 200);

      const prometheus = await startPrometheus({ scrapeTargets: [new URL(server.url).host] });
      cleanups.push(() => prometheus.stop());
      await eventually('Prometheus to have scraped Tonic', async () => (await single(prometheus, 'up{job="target0"}')) === 1, 30_000);

      assert.equal(await single(prometheus, 'sum(tonic_runs{system="shop",outcome="failed"})'), 2);
      assert.equal(await single(prometheus, 'sum(tonic_runs{system="shop",outcome="succeeded"}) or vector(0)'), 0);
      assert.equal(await single(prometheus, 'sum by (slot) (tonic_runs{system="shop",slot="t2"})'), 1);
      assert.equal(await single(prometheus, 'tonic_approvals_waiting{system="shop",kind="approve_prod"}'), 1);
      assert.equal(await single(prometheus, 'tonic_approvals_waiting{system="shop",kind="approve_uat_merge"}'), 0);
      assert.ok((await single(prometheus, 'sum(tonic_http_request_duration_seconds_count{route="/api/v1/health",status="2xx"})'))! >= 3);
      assert.equal(await single(prometheus, 'sum(tonic_http_request_duration_seconds_count{route="/api/v1/systems/:system/runs/:slot",method="POST"})'), 2);
      const p95 = await single(prometheus, 'histogram_quantile(0.95, sum by (le) (tonic_http_request_duration_seconds_bucket))');
      assert.ok(p95 !== null && Number.isFinite(p95) && p95 > 0, `p95 ${p95}`);
    });
  }
});
