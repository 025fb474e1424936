/**
 * Post-deploy monitoring of a real service scraped directly (no Prometheus): its /metrics page
 * read poll after poll while a load loop sends it traffic, on every dialect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../../support/databases.ts';
import { startMetricsService, type MetricsService } from '../../support/metrics-service.ts';
import { eventually, freePort } from '../../support/processes.ts';
import { startTestServer, type TestTonic } from '../../support/test-tonic.ts';
import { POLL_MS, WINDOW_MS, monitoredTonic, outboxOf, recordDeployment } from './support.ts';

const NORMAL = { errorRate: 0, latencyMs: 30, authFailureRate: 0, metricsPage: null };

for (const dialect of DIALECTS) {
  describe(`post-deploy monitoring by scraping /metrics (${dialect})`, () => {
    let service: MetricsService;
    let t: TestTonic;

    before(async () => {
      service = await startMetricsService();
      t = await monitoredTonic(dialect, service.url);
      // Some traffic before the deploy, for the baseline.
      await eventually('traffic before the deploy', async () => ((await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' })).requests ?? 0) >= 20);
    });
    after(async () => {
      await t?.close();
      await service?.close();
    });

    test('a clean window passes clean: one sample per poll, each stored with the deployment, and says what it could not judge', async () => {
      await service.set(NORMAL);
      const deploymentId = await recordDeployment(t);
      const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
      assert.equal(baseline.error, null);
      assert.equal(baseline.errorRate, 0);
      assert.ok(baseline.p95Latency! > 0.025 && baseline.p95Latency! <= 0.5, `p95 of 30 ms requests in the (25 ms, 500 ms] bucket, got ${baseline.p95Latency}`);
      assert.equal(t.tonic.monitoring.enabledFor('shop'), true, 'the system has a monitoring section');
      const startedAt = t.clock.now().getTime();

      const verdict = await t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: WINDOW_MS, pollMs: POLL_MS });

      assert.equal(verdict.outcome, 'clean', verdict.reason);
      assert.deepEqual(verdict.breaches, []);
      assert.equal(verdict.samples, WINDOW_MS / POLL_MS);
      assert.match(verdict.reason, /window passed clean over 15 samples \(scrape of http:\/\/127\.0\.0\.1:\d+\/metrics\)/);
      assert.ok(verdict.notes.some((n) => /Memory usage: not measured; set monitoring.memoryLimitMb/.test(n)), verdict.notes.join('; '));

      const { watches } = await t.tonic.monitoring.metrics(t.actors.viewer, 'shop', deploymentId);
      assert.equal(watches.length, 1);
      const watch = watches[0]!;
      assert.equal(watch.outcome, 'clean');
      assert.equal(watch.series.length, 15);
      // One sample per poll interval, on the clock the service was given.
      assert.deepEqual(
        watch.series.map((s) => Date.parse(s.at) - startedAt),
        watch.series.map((_, i) => (i + 1) * POLL_MS),
      );
      assert.ok(watch.series.some((s) => s.requests! > 0));
      for (const s of watch.series) {
        assert.ok(s.errorRate === 0 || (s.errorRate === null && s.requests === 0), `sample ${s.seq}: ${s.errorRate} % of ${s.requests}`);
        assert.ok(s.cpu !== null && s.cpu >= 0);
      }
      assert.deepEqual(await outboxOf(t, 'monitoring.breach'), []);
    });

    test('the 5xx rate going up mid-window rolls back at once: the breaching sample is at most the second after the change', async () => {
      await service.set(NORMAL);
      const deploymentId = await recordDeployment(t);
      const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
      const watching = t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: 20_000, pollMs: POLL_MS });
      const stored = async () => (await t.tonic.monitoring.metrics(t.actors.viewer, 'shop', deploymentId)).watches[0]?.series ?? [];
      await eventually('three clean samples', async () => (await stored()).length >= 3);

      const samplesBefore = (await stored()).length;
      const changedAt = t.clock.now().getTime();
      await service.set({ errorRate: 0.5 }); // every other request answers 500
      const verdict = await watching;

      assert.equal(verdict.outcome, 'rollback', verdict.reason);
      const breach = verdict.breaches.find((b) => b.action === 'rollback')!;
      assert.equal(breach.metric, 'errorRate');
      assert.ok(breach.value >= 0.5, `error rate ${breach.value} %`);
      assert.equal(breach.threshold, 0.5);
      assert.match(verdict.reason, /^HTTP 5xx error rate [\d.]+ %: at or above the limit 0\.5 % at sample \d+ \(scrape of .*\): roll back$/);

      const series = await stored();
      // The watch stopped on the breaching sample: nothing sampled after it.
      assert.equal(series.length, verdict.samples);
      const breachingSample = series.findIndex((s) => s.at === breach.at) + 1;
      assert.ok(breachingSample > samplesBefore, 'the breach comes after the change');
      assert.ok(breachingSample - samplesBefore <= 2, `the breach is sample ${breachingSample}, ${breachingSample - samplesBefore} after the change`);
      assert.ok(Date.parse(breach.at) - changedAt <= 2 * POLL_MS);
      assert.equal(series.filter((s) => s.errorRate !== null && s.errorRate >= 0.5).length, 1, 'one breaching sample is enough to stop');

      const message = (await outboxOf(t, 'monitoring.breach')).find((m) => m.payload.metric === 'errorRate');
      assert.deepEqual(
        { ...message!.payload, value: undefined },
        {
          deploymentId,
          env: 'prod',
          release: 'v1.0.1',
          system: 'shop',
          watchId: verdict.watchId,
          metric: 'errorRate',
          label: 'HTTP 5xx error rate',
          unit: 'percent',
          value: undefined,
          threshold: 0.5,
          action: 'rollback',
          at: breach.at,
          detail: message!.payload.detail,
        },
      );
      const audit = await t.tonic.audit.list(t.tonic.db, { stream: 'shop', subject: `deployment:${deploymentId}`, limit: 10 });
      assert.equal(audit.filter((e) => e.action === 'monitoring.rollback').length, 1);
      assert.ok(audit.some((e) => e.action === 'monitoring.breach' && (e.data as { metric?: string }).metric === 'errorRate'));
    });

    test('latency going up alerts (p95 over the baseline + 20 %) and the window runs to its end: no rollback', async () => {
      await service.set(NORMAL);
      const deploymentId = await recordDeployment(t);
      const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
      await service.set({ latencyMs: 700 });
      const verdict = await t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: WINDOW_MS, pollMs: POLL_MS });

      assert.equal(verdict.outcome, 'alert', verdict.reason);
      assert.equal(verdict.samples, WINDOW_MS / POLL_MS, 'an alert does not cut the window short');
      assert.equal(verdict.breaches.length, 1, 'one breach for one episode of slowness, not one per sample');
      const [breach] = verdict.breaches;
      assert.equal(breach!.metric, 'p95Latency');
      assert.equal(breach!.action, 'alert');
      assert.ok(Math.abs(breach!.threshold - baseline.p95Latency! * 1.2) < 1e-9);
      assert.ok(breach!.value > 0.5, `p95 ${breach!.value} s of 700 ms requests`);
      assert.match(verdict.reason, /with 1 alert\(s\) over 15 samples: API response time \(p95\) [\d.]+ ms: at or above the limit [\d.]+ ms \(baseline \+ 20 %\)/);
      const messages = await outboxOf(t, 'monitoring.breach');
      assert.equal(messages.at(-1)!.payload.action, 'alert');
      assert.equal(messages.at(-1)!.payload.deploymentId, deploymentId);
    });

    test('a /metrics page that is not Prometheus text: unavailable at once, with the reason, announced; never a pass', async () => {
      await service.set({ ...NORMAL, metricsPage: '<!DOCTYPE html>\n<html><body><form>Sign in</form></body></html>' });
      const deploymentId = await recordDeployment(t);
      const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
      assert.match(baseline.error!, /does not answer Prometheus metrics text \(line 1: expected a sample/);
      const verdict = await t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: WINDOW_MS, pollMs: POLL_MS });

      assert.equal(verdict.outcome, 'unavailable');
      assert.equal(verdict.samples, 0);
      assert.match(
        verdict.reason,
        /^monitoring cannot measure this deployment: http:\/\/127\.0\.0\.1:\d+\/metrics does not answer Prometheus metrics text \(line 1: expected a sample such as .*, got "<!DOCTYPE html>"\); it answered text\/html: point monitoring\.provider\.urls at the service's metrics page$/,
      );
      const [message] = await outboxOf(t, 'monitoring.unavailable');
      assert.equal(message!.payload.deploymentId, deploymentId);
      assert.equal(message!.payload.reason, verdict.reason);
      const { watches } = await t.tonic.monitoring.metrics(t.actors.viewer, 'shop', deploymentId);
      assert.equal(watches[0]!.outcome, 'unavailable');
      assert.equal(watches[0]!.series[0]!.error, message!.payload.reason.replace('monitoring cannot measure this deployment: ', ''));
      await service.set(NORMAL);
    });

    test('a service that does not answer: each failed poll is recorded, and after three in a row the verdict is unavailable', async () => {
      const port = await freePort();
      const down = await monitoredTonic(dialect, `http://127.0.0.1:${port}`);
      try {
        const deploymentId = await recordDeployment(down);
        const baseline = await down.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
        assert.match(baseline.error!, /^the scrape of http:\/\/127\.0\.0\.1:\d+\/metrics failed: connection refused$/);
        const verdict = await down.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: WINDOW_MS, pollMs: POLL_MS });
        assert.equal(verdict.outcome, 'unavailable');
        assert.match(verdict.reason, /^monitoring failed 3 polls in a row: the scrape of .* failed: connection refused$/);
        const { watches } = await down.tonic.monitoring.metrics(down.actors.viewer, 'shop', deploymentId);
        assert.deepEqual(
          watches[0]!.series.map((s) => s.error !== null),
          [true, true, true],
        );
        assert.equal((await outboxOf(down, 'monitoring.unavailable')).length, 1);
      } finally {
        await down.close();
      }
    });

    test('GET …/deployments/{id}/metrics serves the watches and samples to any reader; unknown deployments are 404', async () => {
      await service.set(NORMAL);
      const deploymentId = await recordDeployment(t);
      const baseline = await t.tonic.monitoring.baseline({ system: 'shop', env: 'prod' });
      await t.tonic.monitoring.watch({ system: 'shop', env: 'prod', deploymentId, release: 'v1.0.1', baseline, windowMs: 1_000, pollMs: POLL_MS });
      const server = await startTestServer(t);
      try {
        const res = await server.request('viewer', 'GET', `/api/v1/systems/shop/deployments/${deploymentId}/metrics`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.deploymentId, deploymentId);
        const [watch] = res.body.watches;
        assert.equal(watch.outcome, 'clean');
        assert.equal(watch.release, 'v1.0.1');
        assert.equal(watch.windowMs, 1_000);
        assert.equal(watch.series.length, 5);
        assert.deepEqual(Object.keys(watch.series[0]).sort(), ['at', 'authAttempts', 'authSuccess', 'cpu', 'error', 'errorRate', 'memory', 'p95Latency', 'requests', 'seq']);
        assert.equal(typeof watch.series[0].p95Latency, 'number');
        assert.equal(watch.baseline.p95Latency, baseline.p95Latency);
        // The limits the dashboard draws: SEED.md's thresholds, p95 against this watch's baseline.
        const limits = Object.fromEntries(watch.thresholds.map((l: { metric: string }) => [l.metric, l]));
        assert.deepEqual(Object.keys(limits), ['errorRate', 'p95Latency', 'memory', 'cpu', 'authSuccess']);
        assert.deepEqual(limits.errorRate, { metric: 'errorRate', label: 'HTTP 5xx error rate', unit: 'percent', bound: 'max', threshold: 0.5, limit: 0.5, action: 'rollback', sustainedSamples: 1 });
        assert.equal(limits.p95Latency.bound, 'overBaseline');
        assert.ok(Math.abs(limits.p95Latency.limit - baseline.p95Latency! * 1.2) < 1e-9, `p95 limit is the baseline + 20 %: ${limits.p95Latency.limit}`);
        assert.equal(limits.authSuccess.limit, 99);
        assert.equal(limits.cpu.sustainedSamples, 4);

        const missing = await server.request('viewer', 'GET', '/api/v1/systems/shop/deployments/99999/metrics');
        assert.equal(missing.status, 404);
        assert.equal(missing.body.detail, 'deployment 99999 does not exist on system shop');
        assert.equal((await server.request(null, 'GET', `/api/v1/systems/shop/deployments/${deploymentId}/metrics`)).status, 401);
      } finally {
        await server.close();
      }
    });
  });
}
