/**
 * Post-deploy monitoring through a real Prometheus server (Debian's `prometheus` package) that
 * scrapes a real service every second; the Prometheus provider asks its query API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../../support/databases.ts';
import { startMetricsService, type MetricsService } from '../../support/metrics-service.ts';
import { eventually, freePort } from '../../support/processes.ts';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.ts';
import { POLL_MS, WINDOW_MS, monitoredTonic, outboxOf, recordDeployment } from './support.ts';

describe('post-deploy monitoring through Prometheus', () => {
  let service: MetricsService;
  let prometheus: TestPrometheus;
  /** One PromQL value straight from Prometheus (null: no series), to wait for a state. */
  const promValue = async (query: string): Promise<number | null> => {
    const res = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query })}`);
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    const value = body.data.result[0]?.value[1];
    return value === undefined ? null : Number(value);
  };
  const provider = () => ({ kind: 'prometheus' as const, url: prometheus.url, selectors: { prod: 'job="target0"' }, rateWindow: '3s' });

  before(async () => {
    service = await startMetricsService();
    prometheus = await startPrometheus({ scrapeTargets: [`127.0.0.1:${service.port}`], scrapeIntervalSeconds: 1 });
    // Prometheus has a few scrapes of the service: rates over 3 s exist.
    await eventually('Prometheus to have scraped the service', async () => ((await promValue('sum(increase(http_requests_total{job="target0"}[3s]))')) ?? 0) > 20, 30_000);
  });
  after(async () => {
    await prometheus?.stop();
    await service?.close();
  });

  for (const dialect of DIALECTS) {
    test(`(${dialect}) the baseline and the watch come from PromQL; the 5xx rate going up rolls back`, async () => {
      await service.set({ errorRate: 0, latencyMs: 30 });
      // The 5xx of an earlier test are out of the 3 s rate window.
      await eventually('no 5xx in the last 3 s', async () => ((await promValue('sum(rate(http_requests_total{job="target0",code=~"5.."}[3s]))')) ?? 0) === 0, 20_000);
      const t = await monitoredTonic(dialect, service.url, { provider: provider(), baselineMinutes: 5 / 60, memoryLimitMb: 1024 });
      try {
        const deploymentId = await recordDeployment(t);
        const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
        assert.equal(baseline.error, null);
        assert.equal(baseline.source, `Prometheus at ${prometheus.url} (job="target0")`);
        assert.ok(baseline.p95Latency! > 0.025 && baseline.p95Latency! <= 0.5, `p95 ${baseline.p95Latency}`);
        assert.notEqual(baseline.errorRate, null);
        assert.ok(baseline.memory! > 0 && baseline.memory! < 100, `memory ${baseline.memory} % of 1 GiB`);

        const watching = t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: 30_000, pollMs: 500 });
        const stored = async () => (await t.tonic.monitoring.metrics(t.actors.viewer, 'shop', deploymentId)).watches[0]?.series ?? [];
        await eventually('two clean samples', async () => (await stored()).length >= 2);
        assert.ok((await stored()).every((s) => s.errorRate === 0 && s.cpu !== null && s.memory !== null));
        await service.set({ errorRate: 0.2 });
        const verdict = await watching;

        assert.equal(verdict.outcome, 'rollback', verdict.reason);
        assert.equal(verdict.breaches[0]!.metric, 'errorRate');
        assert.match(verdict.reason, /^HTTP 5xx error rate [\d.]+ %: at or above the limit 0\.5 % at sample \d+ \(Prometheus at .*\): roll back$/);
        assert.ok(verdict.samples < 60, 'stopped long before the end of the window');
      } finally {
        await t.close();
      }
    });

    test(`(${dialect}) invalid PromQL: Prometheus answers 400 bad_data, the verdict is unavailable at once and names the query to fix`, async () => {
      await service.set({ errorRate: 0 });
      const t = await monitoredTonic(dialect, service.url, {
        provider: provider(),
        metrics: { errorRate: { query: '100 * sum(rate(http_requests_total{code=~"5..",$selector}[$window]) / 2' } },
      });
      try {
        const deploymentId = await recordDeployment(t);
        const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
        assert.match(baseline.error!, /refused monitoring\.metrics\.errorRate\.query \(bad_data: /);
        const verdict = await t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: WINDOW_MS, pollMs: POLL_MS });
        assert.equal(verdict.outcome, 'unavailable');
        assert.equal(verdict.samples, 0);
        assert.match(
          verdict.reason,
          /^monitoring cannot measure this deployment: Prometheus at http:\/\/127\.0\.0\.1:\d+ refused monitoring\.metrics\.errorRate\.query \(bad_data: invalid parameter "query": .*parse error.*\); the query was: 100 \* sum\(rate\(http_requests_total\{code=~"5\.\.",job="target0"\}\[3s\]\) \/ 2$/,
        );
        assert.equal((await outboxOf(t, 'monitoring.unavailable'))[0]!.payload.reason, verdict.reason);
      } finally {
        await t.close();
      }
    });

    test(`(${dialect}) a Prometheus that is down: three failed polls, then unavailable, announced`, async () => {
      const port = await freePort();
      const t = await monitoredTonic(dialect, service.url, { provider: { kind: 'prometheus', url: `http://127.0.0.1:${port}` } });
      try {
        const deploymentId = await recordDeployment(t);
        const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
        const verdict = await t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: WINDOW_MS, pollMs: POLL_MS });
        assert.equal(verdict.outcome, 'unavailable');
        assert.equal(verdict.reason, `monitoring failed 3 polls in a row: Prometheus at http://127.0.0.1:${port} did not answer: connection refused`);
        assert.equal((await outboxOf(t, 'monitoring.unavailable')).length, 1);
      } finally {
        await t.close();
      }
    });
  }

  test('a URL that is not a Prometheus query API (the service itself) is refused at once, not retried', async () => {
    const t = await monitoredTonic(DIALECTS[0]!, service.url, { provider: { kind: 'prometheus', url: service.url } });
    try {
      const deploymentId = await recordDeployment(t);
      const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
      const verdict = await t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: WINDOW_MS, pollMs: POLL_MS });
      assert.equal(verdict.outcome, 'unavailable');
      assert.equal(verdict.samples, 0);
      assert.match(verdict.reason, /^monitoring cannot measure this deployment: http:\/\/127\.0\.0\.1:\d+ is not a Prometheus query API: \/api\/v1\/query answered HTTP 200 with JSON that is not a Prometheus answer; check monitoring\.provider\.url$/);
    } finally {
      await t.close();
    }
  });
});
