import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { emptyHistogram, observe, renderExposition } from '../../features/observability/prometheus-text.ts';
import {
  ExpositionError,
  bucketIncrease,
  bucketsOf,
  counterIncrease,
  histogramQuantile,
  increaseOf,
  measureBetween,
  measureCumulative,
  parseExposition,
  type Bucket,
} from './exposition.ts';

const LIMITS = { memoryLimitBytes: 1000, cpuCores: 1 };

/** What a Node service using prom-client writes, trimmed. */
const PAGE = `# HELP http_requests_total Requests by status code.
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200"} 180
http_requests_total{method="POST",code="200"} 10
http_requests_total{method="GET",code="503"} 10
# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1"} 100
http_request_duration_seconds_bucket{le="0.5"} 190
http_request_duration_seconds_bucket{le="+Inf"} 200
http_request_duration_seconds_sum 31.5
http_request_duration_seconds_count 200
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 500
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# TYPE auth_attempts_total counter
auth_attempts_total{result="success"} 99
auth_attempts_total{result="failure"} 1
`;

describe('parseExposition: the Prometheus text format', () => {
  test('reads types, labels, values, timestamps, special values and escapes', () => {
    const page = parseExposition(
      [
        '# TYPE a counter',
        'a 1',
        'b{x="1",y="two words"} 2.5e3 1700000000000',
        'c{path="C:\\\\dir",q="say \\"hi\\"",nl="a\\nb",} +Inf',
        'd -Inf',
        'e NaN',
        '# EOF',
      ].join('\n'),
    );
    assert.equal(page.types.get('a'), 'counter');
    assert.deepEqual(page.samples[0], { name: 'a', labels: {}, value: 1 });
    assert.deepEqual(page.samples[1], { name: 'b', labels: { x: '1', y: 'two words' }, value: 2500 });
    assert.deepEqual(page.samples[2]!.labels, { path: 'C:\\dir', q: 'say "hi"', nl: 'a\nb' });
    assert.equal(page.samples[2]!.value, Infinity);
    assert.equal(page.samples[3]!.value, -Infinity);
    assert.ok(Number.isNaN(page.samples[4]!.value));
  });

  test('a page that is not metrics text fails on its first offending line, saying what was expected', () => {
    const cases: [string, RegExp][] = [
      ['<!DOCTYPE html>\n<html><body>Login</body></html>', /^line 1: expected a sample such as http_requests_total\{code="200"\} 42, got "<!DOCTYPE html>"/],
      ['{"status":"ok"}', /^line 1: expected a sample/],
      ['# TYPE up gauge\nup 1\nup{job="x"} one', /^line 3: the value of up is "one", not a number/],
      ['up{job="x} 1', /^line 1: the value of the label job is not closed/],
      ['up{job=x} 1', /^line 1: expected a quoted value for the label job/],
      ['up{job="x",job="y"} 1', /the label job appears twice/],
      ['Hello world', /^line 1: the value of Hello is "world", not a number/],
      ['ok', /^line 1: expected a space and a value after ok/],
      ['# TYPE up flavour', /# TYPE up is "flavour"/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(() => parseExposition(text), (e: unknown) => e instanceof ExpositionError && expected.test(e.message), text);
    }
  });

  const labelValue = fc.string({ maxLength: 12 });
  const series = fc.record({
    name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/),
    labels: fc.dictionary(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/), labelValue, { maxKeys: 4 }),
    value: fc.double({ noNaN: true }),
  });
  const labelsOf = (dict: Record<string, string>) => {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(dict)) Object.defineProperty(labels, k, { value: v, enumerable: true, writable: true, configurable: true });
    return labels;
  };
  const escape = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
  const render = (s: { name: string; labels: Record<string, string>; value: number }) => {
    const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escape(v)}"`);
    const value = s.value === Infinity ? '+Inf' : s.value === -Infinity ? '-Inf' : Object.is(s.value, -0) ? '-0' : String(s.value);
    return `${s.name}${labels.length ? `{${labels.join(',')}}` : ''} ${value}`;
  };

  test('property: whatever a client library writes reads back the same (names, labels with any characters, values)', () => {
    fc.assert(
      fc.property(fc.array(series, { maxLength: 20 }), (all) => {
        const page = parseExposition(all.map(render).join('\n'));
        assert.deepEqual(
          page.samples,
          all.map((s) => ({ ...s, labels: labelsOf(s.labels) })),
        );
      }),
    );
  });
});

test("Tonic's own /metrics text (the observability renderer) reads back, histogram and all", () => {
  const buckets = [0.1, 0.5] as const;
  const latency = emptyHistogram(buckets);
  for (const seconds of [0.05, 0.2, 0.3, 0.7]) observe(latency, buckets, seconds);
  const text = renderExposition([
    { name: 'http_requests_total', help: 'Requests "by" code\\path', type: 'counter', samples: [{ labels: { code: '200', route: 'a "quoted" \\ path' }, value: 3 }] },
    { name: 'http_request_duration_seconds', help: 'Latency.', type: 'histogram', buckets, series: [{ labels: {}, observations: latency }] },
  ]);
  const page = parseExposition(text);
  assert.equal(page.types.get('http_request_duration_seconds'), 'histogram');
  assert.deepEqual(page.samples[0], { name: 'http_requests_total', labels: { code: '200', route: 'a "quoted" \\ path' }, value: 3 });
  assert.deepEqual(bucketsOf(page, 'http_request_duration_seconds'), [
    { le: 0.1, count: 1 },
    { le: 0.5, count: 3 },
    { le: Infinity, count: 4 },
  ]);
});

describe('counter increases between two scrapes', () => {
  test('per series; a series that appeared since counts whole; a restart counts from zero', () => {
    const before = parseExposition('r{code="200"} 100\nr{code="500"} 0');
    const after = parseExposition('r{code="200"} 130\nr{code="500"} 5\nr{code="502"} 2');
    assert.equal(increaseOf(before, after, 'r'), 37);
    assert.equal(increaseOf(before, after, 'r', (l) => l.code!.startsWith('5')), 7);
    const restarted = parseExposition('r{code="200"} 4');
    assert.equal(increaseOf(after, restarted, 'r'), 4);
    assert.equal(increaseOf(before, after, 'missing'), null);
  });

  test('property: summing the increases of a counter read at random times, with restarts, gives every event counted', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ events: fc.nat(1000), restart: fc.boolean() }), { minLength: 1, maxLength: 30 }), (steps) => {
        let value = 0;
        let previous = 0;
        let counted = 0;
        for (const step of steps) {
          if (step.restart) value = 0;
          value += step.events;
          // A restart followed by fewer events than before is seen as a reset; one followed by more
          // is indistinguishable from growth (as in Prometheus), so only assert the first case.
          counted += counterIncrease(previous, value);
          previous = value;
        }
        const total = steps.reduce((sum, s) => sum + s.events, 0);
        assert.ok(counted <= total);
        if (!steps.some((s) => s.restart)) assert.equal(counted, total);
      }),
    );
  });
});

describe('histogramQuantile, as Prometheus computes it', () => {
  const b = (pairs: [number, number][]): Bucket[] => pairs.map(([le, count]) => ({ le, count }));

  test('interpolates linearly inside the bucket holding the rank; the first bucket starts at 0', () => {
    // 100 in [0, 0.1], 90 in (0.1, 0.5], 10 above: rank 190 is the top of the 0.5 bucket.
    assert.equal(histogramQuantile(0.95, b([[0.1, 100], [0.5, 190], [Infinity, 200]])), 0.5);
    assert.equal(histogramQuantile(0.5, b([[0.1, 100], [0.5, 190], [Infinity, 200]])), 0.1);
    assert.ok(Math.abs(histogramQuantile(0.25, b([[0.1, 100], [0.5, 190], [Infinity, 200]]))! - 0.05) < 1e-12);
    // A rank in the +Inf bucket answers the highest finite bound.
    assert.equal(histogramQuantile(0.99, b([[0.1, 100], [0.5, 190], [Infinity, 200]])), 0.5);
  });

  test('no observations, or no +Inf bucket: no answer rather than a made-up 0', () => {
    assert.equal(histogramQuantile(0.95, b([[0.1, 0], [Infinity, 0]])), null);
    assert.equal(histogramQuantile(0.95, b([[0.1, 3], [0.5, 4]])), null);
    assert.equal(histogramQuantile(0.95, []), null);
  });

  const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const toBuckets = (observations: number[]): Bucket[] => [...BOUNDS, Infinity].map((le) => ({ le, count: observations.filter((o) => o <= le).length }));

  test('property: the answer lies in the bucket that holds the true quantile, and grows with q', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 12, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (observations, q) => {
        const buckets = toBuckets(observations);
        const answer = histogramQuantile(q, buckets)!;
        const sorted = [...observations].sort((x, y) => x - y);
        const truth = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
        const upper = BOUNDS.find((le) => truth <= le) ?? BOUNDS[BOUNDS.length - 1]!;
        const lower = truth > BOUNDS[BOUNDS.length - 1]! ? upper : ([0, ...BOUNDS].filter((le) => le < truth).pop() ?? 0);
        assert.ok(answer >= lower - 1e-9 && answer <= upper + 1e-9, `q=${q}: ${answer} outside [${lower}, ${upper}] (true ${truth})`);
        assert.ok(histogramQuantile(Math.min(0.99, q + 0.005), buckets)! >= answer - 1e-12);
      }),
    );
  });

  test('property: the buckets gained between two scrapes are the buckets of the observations made in between', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 12, noNaN: true })), fc.array(fc.double({ min: 0, max: 12, noNaN: true })), (earlier, later) => {
        const page = (obs: number[]) =>
          parseExposition(toBuckets(obs).map((x) => `lat_bucket{le="${x.le === Infinity ? '+Inf' : x.le}",path="/a"} ${x.count}`).join('\n'));
        assert.deepEqual(bucketIncrease(page(earlier), page([...earlier, ...later]), 'lat'), toBuckets(later));
        assert.deepEqual(bucketsOf(page(earlier), 'lat'), toBuckets(earlier));
      }),
    );
  });
});

describe('measuring a service from its scrapes', () => {
  test('one scrape: everything the running process served (the baseline)', () => {
    const m = measureCumulative(parseExposition(PAGE), LIMITS);
    assert.equal(m.requests, 200);
    assert.equal(m.errorRate, 5);
    assert.equal(m.p95Latency, 0.5);
    assert.equal(m.memory, 50);
    assert.equal(m.cpu, null, 'CPU needs two readings');
    assert.equal(m.authAttempts, 100);
    assert.equal(m.authSuccess, 99);
  });

  test('two scrapes: rates from the increases, p95 from the bucket increases, CPU per second', () => {
    const later = PAGE.replace('code="200"} 180', 'code="200"} 260')
      .replace('code="503"} 10', 'code="503"} 30')
      .replace('le="0.1"} 100', 'le="0.1"} 110')
      .replace('le="0.5"} 190', 'le="0.5"} 200')
      .replace('le="+Inf"} 200', 'le="+Inf"} 300')
      .replace('process_cpu_seconds_total 12.5', 'process_cpu_seconds_total 13.5')
      .replace('process_resident_memory_bytes 500', 'process_resident_memory_bytes 900');
    const m = measureBetween(parseExposition(PAGE), parseExposition(later), 2, LIMITS);
    assert.equal(m.requests, 100);
    assert.equal(m.errorRate, 20);
    // 10 of 100 new requests at or under 0.1 s, 10 more under 0.5 s, 80 slower than 0.5 s.
    assert.equal(m.p95Latency, 0.5);
    assert.equal(m.memory, 90);
    assert.equal(m.cpu, 50);
    assert.equal(m.authAttempts, 0);
    assert.equal(m.authSuccess, null, 'no login in between: not a 0 % success rate');
  });

  test('no memory limit configured: memory is not measured; no such metrics: null, not zero', () => {
    const page = parseExposition('up 1');
    const m = measureBetween(page, page, 1, { memoryLimitBytes: null, cpuCores: 1 });
    assert.deepEqual([m.errorRate, m.p95Latency, m.memory, m.cpu, m.authSuccess, m.requests], [null, null, null, null, null, null]);
  });

  test('status codes under the label code, status or status_code all count', () => {
    for (const label of ['code', 'status', 'status_code']) {
      const m = measureCumulative(parseExposition(`http_requests_total{${label}="200"} 3\nhttp_requests_total{${label}="500"} 1`), LIMITS);
      assert.equal(m.errorRate, 25, label);
    }
  });

  test('property: the error rate is the share of 5xx among the requests in between, whatever the codes', () => {
    const codes = fc.constantFrom('200', '201', '302', '404', '500', '502', '503');
    fc.assert(
      fc.property(fc.dictionary(codes, fc.tuple(fc.nat(1000), fc.nat(1000))), (byCode) => {
        const page = (i: 0 | 1) => parseExposition(Object.entries(byCode).map(([code, v]) => `http_requests_total{code="${code}"} ${v[0] + (i ? v[1] : 0)}`).join('\n'));
        const m = measureBetween(page(0), page(1), 1, LIMITS);
        const total = Object.values(byCode).reduce((s, v) => s + v[1], 0);
        const errors = Object.entries(byCode).reduce((s, [code, v]) => s + (code.startsWith('5') ? v[1] : 0), 0);
        if (Object.keys(byCode).length === 0) assert.equal(m.requests, null);
        else assert.equal(m.requests, total);
        assert.equal(m.errorRate, total > 0 ? (100 * errors) / total : null);
      }),
    );
  });
});
