import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyHistogram, observe, renderExposition } from './prometheus-text.ts';

test('counters and gauges render one line per sample, with label values escaped', () => {
  const text = renderExposition([
    { name: 'tonic_runs', help: 'Runs.\nBy outcome.', type: 'gauge', samples: [{ labels: { system: 'shop "main"', slot: 't1' }, value: 3 }, { labels: {}, value: NaN }] },
  ]);
  assert.equal(text, '# HELP tonic_runs Runs.\\nBy outcome.\n# TYPE tonic_runs gauge\ntonic_runs{system="shop \\"main\\"",slot="t1"} 3\ntonic_runs NaN\n');
});

test('histograms are cumulative per bucket and end with +Inf, sum and count', () => {
  const buckets = [0.1, 1] as const;
  const h = emptyHistogram(buckets);
  for (const v of [0.05, 0.5, 0.5, 7]) observe(h, buckets, v);
  const text = renderExposition([{ name: 'd', help: 'h', type: 'histogram', buckets, series: [{ labels: { env: 'uat' }, observations: h }] }]);
  assert.deepEqual(text.trim().split('\n').slice(2), ['d_bucket{env="uat",le="0.1"} 1', 'd_bucket{env="uat",le="1"} 3', 'd_bucket{env="uat",le="+Inf"} 4', 'd_sum{env="uat"} 8.05', 'd_count{env="uat"} 4']);
});
