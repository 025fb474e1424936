import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  MONITOR_ACTIONS,
  MONITOR_METRICS,
  NO_STREAKS,
  NO_VALUES,
  demandsRollback,
  describeBreach,
  isBreach,
  judgeSample,
  metricLimits,
  monitoringProblems,
  outcomeOf,
  recoverWatchVerdict,
  resolveMonitoringSettings,
  thresholdFor,
  unjudgedNotes,
  type Breach,
  type MetricValues,
  type MonitorMetric,
  type MonitoringSettings,
  type RecordedSample,
  type Streaks,
} from './monitoring-rules.ts';

const AT = new Date('2026-11-26T14:00:00Z');
const HEALTHY: MetricValues = { errorRate: 0, p95Latency: 0.1, memory: 40, cpu: 20, authSuccess: 100, requests: 500, authAttempts: 50 };
const BASELINE = { p95Latency: 0.1 };

const judge = (values: Partial<MetricValues>, settings: MonitoringSettings = resolveMonitoringSettings(), streaks: Streaks = NO_STREAKS) =>
  judgeSample({ settings, baseline: BASELINE, values: { ...HEALTHY, ...values }, streaks, at: AT });

describe("SEED.md's thresholds and actions by default", () => {
  test('defaults: 10 minute window, 15 s polls, scrape of /metrics; 5xx and auth success roll back, the others alert', () => {
    const s = resolveMonitoringSettings();
    assert.equal(s.windowMs, 600_000);
    assert.equal(s.pollMs, 15_000);
    assert.deepEqual(s.provider, { kind: 'scrape', urls: { uat: null, prod: null } });
    assert.deepEqual(
      Object.fromEntries(MONITOR_METRICS.map((m) => [m, [s.metrics[m].threshold, s.metrics[m].action]])),
      { errorRate: [0.5, 'rollback'], p95Latency: [20, 'alert'], memory: [85, 'alert'], cpu: [80, 'alert'], authSuccess: [99, 'rollback'] },
    );
    assert.equal(s.metrics.cpu.sustainedSamples > 1, true, 'CPU counts only when sustained');
  });

  test('healthy is strict, as SEED.md writes it: 0.5 % of 5xx is a breach, 0.49 % is not; 99 % auth success is a breach', () => {
    assert.equal(isBreach('errorRate', 0.5, 0.5), true);
    assert.equal(isBreach('errorRate', 0.49, 0.5), false);
    assert.equal(isBreach('authSuccess', 99, 99), true);
    assert.equal(isBreach('authSuccess', 99.1, 99), false);
    assert.equal(isBreach('memory', 85, 85), true);
  });

  test('p95 is judged against the baseline plus 20 %; with no baseline it is not judged at all', () => {
    const rule = resolveMonitoringSettings().metrics.p95Latency;
    assert.ok(Math.abs(thresholdFor('p95Latency', rule, { p95Latency: 0.25 })! - 0.3) < 1e-12);
    assert.equal(thresholdFor('p95Latency', rule, { p95Latency: null }), null);
    assert.deepEqual(judge({ p95Latency: 0.119 }).breaches, []);
    assert.deepEqual(judge({ p95Latency: 0.121 }).breaches, [{ metric: 'p95Latency', value: 0.121, threshold: 0.12, action: 'alert', at: AT.toISOString() }]);
    const noBaseline = judgeSample({ settings: resolveMonitoringSettings(), baseline: null, values: { ...HEALTHY, p95Latency: 99 }, streaks: NO_STREAKS, at: AT });
    assert.deepEqual(noBaseline.breaches, []);
  });

  test('a 5xx breach and an auth breach roll back; memory alerts', () => {
    const { breaches } = judge({ errorRate: 2, authSuccess: 97, memory: 90 });
    assert.deepEqual(
      breaches.map((b) => [b.metric, b.action]),
      [
        ['errorRate', 'rollback'],
        ['memory', 'alert'],
        ['authSuccess', 'rollback'],
      ],
    );
    assert.equal(demandsRollback(breaches), true);
    assert.equal(outcomeOf(breaches), 'rollback');
    assert.equal(outcomeOf(breaches.filter((b) => b.action === 'alert')), 'alert');
    assert.equal(outcomeOf([]), 'clean');
  });

  test('CPU above 80 % counts only when sustained: four samples in a row by default, and once', () => {
    let streaks = NO_STREAKS;
    const seen: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const j = judge({ cpu: 95 }, undefined, streaks);
      streaks = j.streaks;
      if (j.breaches.length) seen.push(i);
    }
    assert.deepEqual(seen, [4]);
    // One calm sample resets the streak.
    assert.equal(judge({ cpu: 10 }, undefined, streaks).streaks.cpu, 0);
  });

  test('rates over too few requests are not judged: 1 failure in 2 requests is not a 50 % error rate', () => {
    assert.deepEqual(judge({ errorRate: 50, requests: 2 }).breaches, []);
    assert.deepEqual(judge({ authSuccess: 0, authAttempts: 1 }).breaches, []);
    assert.equal(judge({ errorRate: 50, requests: 10 }).breaches.length, 1);
  });

  test('describeBreach says the metric, the value and the limit in words', () => {
    assert.equal(describeBreach({ metric: 'errorRate', value: 12.5, threshold: 0.5 }), 'HTTP 5xx error rate 12.5 %: at or above the limit 0.5 %');
    assert.equal(describeBreach({ metric: 'authSuccess', value: 97, threshold: 99 }), 'Login / auth success rate 97 %: at or below the floor 99 %');
    assert.equal(describeBreach({ metric: 'p95Latency', value: 0.4875, threshold: 0.2865 }), 'API response time (p95) 487.5 ms: at or above the limit 286.5 ms (baseline + 20 %)');
  });
});

describe("a system's monitoring section", () => {
  test('overrides window, poll, thresholds, actions, queries and the provider', () => {
    const s = resolveMonitoringSettings({
      windowMinutes: 5,
      pollSeconds: 10,
      memoryLimitMb: 512,
      provider: { kind: 'prometheus', url: 'http://prom:9090/', selectors: { prod: 'job="shop"' } },
      metrics: { errorRate: { threshold: 1, action: 'alert' }, cpu: { action: 'ignore' }, p95Latency: { query: 'my_p95' } },
    });
    assert.equal(s.windowMs, 300_000);
    assert.equal(s.pollMs, 10_000);
    assert.equal(s.baselineWindowMs, 300_000, 'the baseline covers as long as the watch unless told');
    assert.equal(s.memoryLimitBytes, 512 * 1024 * 1024);
    assert.deepEqual(s.provider, { kind: 'prometheus', url: 'http://prom:9090', selectors: { uat: '', prod: 'job="shop"' }, rateWindow: '1m' });
    assert.deepEqual(s.metrics.errorRate, { threshold: 1, action: 'alert', sustainedSamples: 1, query: null });
    assert.equal(s.metrics.authSuccess.action, 'rollback', 'what is not overridden keeps the default');
    assert.equal(s.metrics.p95Latency.query, 'my_p95');
    assert.deepEqual(judge({ cpu: 100 }, s, { ...NO_STREAKS, cpu: 10 }).breaches, [], 'an ignored metric never breaches');
    assert.equal(outcomeOf(judge({ errorRate: 5 }, s).breaches), 'alert', '5xx set to alert does not roll back');
  });

  test('the limits a chart draws: each metric in SEED.md order, p95 as the baseline plus its percentage, none without a baseline', () => {
    const s = resolveMonitoringSettings({ metrics: { errorRate: { threshold: 1, action: 'alert' }, p95Latency: { threshold: 50 } } });
    const limits = metricLimits(s, { p95Latency: 0.2 });
    assert.deepEqual(
      limits.map((l) => l.metric),
      ['errorRate', 'p95Latency', 'memory', 'cpu', 'authSuccess'],
    );
    assert.deepEqual(limits[0], { metric: 'errorRate', label: 'HTTP 5xx error rate', unit: 'percent', bound: 'max', threshold: 1, limit: 1, action: 'alert', sustainedSamples: 1 });
    assert.equal(limits[1]!.bound, 'overBaseline');
    assert.equal(limits[1]!.threshold, 50);
    assert.ok(Math.abs(limits[1]!.limit! - 0.3) < 1e-9, `p95 limit 0.2 s + 50 %, got ${limits[1]!.limit}`);
    assert.deepEqual(limits[4]!, { metric: 'authSuccess', label: 'Login / auth success rate', unit: 'percent', bound: 'min', threshold: 99, limit: 99, action: 'rollback', sustainedSamples: 1 });
    assert.equal(limits[3]!.sustainedSamples, 4);
    assert.equal(metricLimits(s, { p95Latency: null })[1]!.limit, null, 'no baseline: p95 has no limit to draw');
  });

  test('problems a schema cannot see: a poll longer than the window, a percentage above 100, a bad rate window', () => {
    assert.deepEqual(monitoringProblems({ windowMinutes: 1, pollSeconds: 90 }), ['pollSeconds: 90 s is longer than the watch window (windowMinutes 1); poll at least once in it']);
    assert.match(monitoringProblems({ metrics: { memory: { threshold: 185 } } })[0]!, /^metrics\.memory\.threshold: 185 is a percentage above 100/);
    assert.match(monitoringProblems({ provider: { kind: 'prometheus', url: 'http://p', rateWindow: 'one minute' } })[0]!, /^provider\.rateWindow: "one minute" is not a Prometheus duration/);
    assert.deepEqual(monitoringProblems({ metrics: { p95Latency: { threshold: 150 } } }), [], 'p95 is a percentage over the baseline: 150 % is allowed');
  });

  test('a clean verdict says which metrics it could not judge', () => {
    const s = resolveMonitoringSettings();
    const judged = { errorRate: 5, p95Latency: 0, memory: 0, cpu: 5, authSuccess: 0 };
    assert.deepEqual(unjudgedNotes(s, { p95Latency: null, error: null }, judged), [
      'API response time (p95): not judged, no baseline (no requests before the deploy)',
      'Memory usage: not measured; set monitoring.memoryLimitMb (or a memory query) to judge it',
      'Login / auth success rate: not judged, fewer than 10 login attempts in every sample',
    ]);
  });
});

describe('properties of judging a window', () => {
  const metric = fc.constantFrom(...MONITOR_METRICS);
  const action = fc.constantFrom(...MONITOR_ACTIONS);
  const sustained = fc.integer({ min: 1, max: 4 });

  test('each run of out-of-bounds samples at least N long is reported once, on its N-th sample; shorter runs never', () => {
    fc.assert(
      fc.property(metric, action, sustained, fc.array(fc.boolean(), { maxLength: 40 }), (m, a, n, outOfBounds) => {
        const settings = resolveMonitoringSettings({ metrics: { [m]: { action: a, sustainedSamples: n } } as Record<MonitorMetric, object> });
        const bad: Partial<MetricValues> = { errorRate: 50, p95Latency: 10, memory: 99, cpu: 99, authSuccess: 10 };
        let streaks = NO_STREAKS;
        const reported: number[] = [];
        outOfBounds.forEach((isBad, i) => {
          const values = { ...HEALTHY, ...(isBad ? { [m]: bad[m] } : {}) };
          const j = judgeSample({ settings, baseline: BASELINE, values, streaks, at: AT });
          streaks = j.streaks;
          for (const b of j.breaches) {
            assert.equal(b.metric, m, 'only the bad metric breaches');
            reported.push(i);
          }
        });
        const expected: number[] = [];
        let run = 0;
        outOfBounds.forEach((isBad, i) => {
          run = isBad ? run + 1 : 0;
          if (run === n) expected.push(i);
        });
        assert.deepEqual(reported, a === 'ignore' ? [] : expected);
      }),
    );
  });

  test('the outcome is rollback exactly when some breach says rollback, and clean exactly when there is none', () => {
    const breach = fc.record({ metric, action: fc.constantFrom('rollback' as const, 'alert' as const), value: fc.double(), threshold: fc.double(), at: fc.constant(AT.toISOString()) });
    fc.assert(
      fc.property(fc.array(breach), (breaches: Breach[]) => {
        const outcome = outcomeOf(breaches);
        assert.equal(outcome === 'rollback', breaches.some((b) => b.action === 'rollback'));
        assert.equal(outcome === 'clean', breaches.length === 0);
      }),
    );
  });

  test('a sample that could not measure (null) never breaches, and neither extends nor ends a streak', () => {
    fc.assert(
      fc.property(metric, fc.nat(10), (m, streak) => {
        const j = judgeSample({ settings: resolveMonitoringSettings(), baseline: BASELINE, values: { ...NO_VALUES }, streaks: { ...NO_STREAKS, [m]: streak }, at: AT });
        assert.deepEqual(j.breaches, []);
        assert.equal(j.streaks[m], streak);
      }),
    );
  });

  test('property: unmeasured samples between out-of-bounds ones do not make a second breach of one episode', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<'bad' | 'unmeasured'>('bad', 'unmeasured'), { minLength: 1, maxLength: 30 }), (samples) => {
        let streaks = NO_STREAKS;
        let count = 0;
        for (const kind of samples) {
          const j = judge(kind === 'bad' ? { errorRate: 5 } : { errorRate: 5, requests: 1 }, undefined, streaks);
          streaks = j.streaks;
          count += j.breaches.length;
        }
        assert.equal(count, samples.includes('bad') ? 1 : 0);
      }),
    );
  });
});

describe('a watch whose process stopped: its verdict from the samples it recorded (decision record 0024)', () => {
  // A one-minute window of 15 s polls: four samples, at +15 s, +30 s, +45 s and +60 s (the window's end).
  const settings = resolveMonitoringSettings({ windowMinutes: 1, pollSeconds: 15 });
  const started = new Date('2026-11-26T14:00:00.000Z');
  const baseline = { p95Latency: 0.1, error: null };
  const at = (k: number) => new Date(started.getTime() + k * 15_000).toISOString();
  const samples = (...values: (Partial<MetricValues> | 'failed')[]): RecordedSample[] =>
    values.map((v, i) => (v === 'failed' ? { seq: i + 1, at: at(i + 1), values: null, error: 'connection refused' } : { seq: i + 1, at: at(i + 1), values: { ...HEALTHY, ...v }, error: null }));
  const recover = (recorded: RecordedSample[]) => recoverWatchVerdict({ settings, baseline, startedAt: started, samples: recorded });

  test('polled to the end of the window: the verdict the watch would have given, clean or alert', () => {
    const clean = recover(samples({}, {}, {}, {}));
    assert.deepEqual([clean.outcome, clean.samples, clean.expectedSamples, clean.breaches, clean.lastAt], ['clean', 4, 4, [], at(4)]);
    const alert = recover(samples({}, { memory: 90 }, {}, {}));
    assert.equal(alert.outcome, 'alert');
    assert.deepEqual(alert.breaches.map((b) => [b.metric, b.value, b.action, b.at]), [['memory', 90, 'alert', at(2)]]);
  });

  test('stopped part-way: interrupted, never "clean", with what the samples did show', () => {
    const quiet = recover(samples({}, {}, {}));
    assert.deepEqual([quiet.outcome, quiet.samples, quiet.expectedSamples, quiet.lastAt], ['interrupted', 3, 4, at(3)]);
    const alerted = recover(samples({}, { memory: 90 }));
    assert.equal(alerted.outcome, 'interrupted', 'an alert does not end a watch: the rest of the window was still owed');
    assert.deepEqual(alerted.breaches.map((b) => b.metric), ['memory']);
    assert.equal(recover([]).outcome, 'interrupted', 'stopped before its first poll');
  });

  test('a rollback-level breach recorded: the watch ends on it, whether or not the window was over', () => {
    const verdict = recover(samples({}, { errorRate: 5 }));
    assert.deepEqual([verdict.outcome, verdict.samples], ['rollback', 2]);
    assert.deepEqual(verdict.breaches.map((b) => [b.metric, b.value, b.threshold, b.action]), [['errorRate', 5, 0.5, 'rollback']]);
    assert.equal(recover(samples({ errorRate: 5 }, {}, {}, {})).outcome, 'rollback', 'later healthy samples do not undo it');
  });

  test('streaks replay as the watch counted them: CPU over 80 % for three samples is not yet a breach, the fourth is', () => {
    assert.equal(recover(samples({}, { cpu: 95 }, { cpu: 95 }, { cpu: 95 })).outcome, 'clean');
    const sustained = recover(samples({ cpu: 95 }, { cpu: 95 }, { cpu: 95 }, { cpu: 95 }));
    assert.deepEqual(sustained.breaches.map((b) => [b.metric, b.at]), [['cpu', at(4)]]);
  });

  test('three failed polls in a row: unavailable; a failure between measured samples is only a gap', () => {
    assert.equal(recover(samples({}, 'failed', 'failed', 'failed')).outcome, 'unavailable');
    const gap = recover(samples({}, 'failed', {}, {}));
    assert.deepEqual([gap.outcome, gap.samples], ['clean', 3]);
    assert.equal(recover(samples('failed', 'failed')).outcome, 'interrupted', 'two failures, then the process stopped');
  });

  test('the notes say what could not be judged, as after a finished window', () => {
    const verdict = recoverWatchVerdict({ settings, baseline: { p95Latency: null, error: null }, startedAt: started, samples: samples({}, {}) });
    assert.ok(verdict.notes.some((n) => /API response time \(p95\): not judged, no baseline/.test(n)), verdict.notes.join('\n'));
  });

  test('property: a verdict needs the whole window, a rollback breach or failed polls; anything else is interrupted', () => {
    const sample = fc.oneof(fc.constant<'failed'>('failed'), fc.record({ errorRate: fc.constantFrom(0, 0.2, 3), memory: fc.constantFrom(40, 90) }));
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 4 }), (values) => {
        const recorded = samples(...values);
        const verdict = recover(recorded);
        const measured = values.filter((v) => v !== 'failed');
        assert.ok(verdict.samples <= measured.length);
        if (verdict.outcome === 'clean' || verdict.outcome === 'alert') assert.equal(recorded.length, 4, 'a plain verdict needs the whole window');
        if (verdict.outcome === 'rollback') assert.ok(measured.some((v) => v.errorRate === 3));
        if (verdict.outcome === 'interrupted') {
          assert.ok(recorded.length < 4, 'the window was not over');
          assert.ok(!measured.some((v) => v.errorRate === 3), 'a rollback breach would have decided');
        }
      }),
    );
  });
});
