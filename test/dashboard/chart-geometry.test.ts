/** The monitoring charts' geometry (pure): the limit and baseline stay in view; unmeasured samples leave gaps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHART_BOX, chartLines, valueRange } from '../../web/src/components/chart-geometry.ts';

const at = (s: number) => s * 1000;

test('a 5xx chart of clean samples still shows its 0.5 % limit; a breach widens the range', () => {
  assert.deepEqual(valueRange({ points: [{ at: 0, value: 0 }], limit: 0.5, baseline: null, bound: 'max', percent: true }), { lo: 0, hi: 0.625 });
  assert.deepEqual(valueRange({ points: [{ at: 0, value: 50 }], limit: 0.5, baseline: null, bound: 'max', percent: true }), { lo: 0, hi: 62.5 });
  assert.equal(valueRange({ points: [{ at: 0, value: 95 }], limit: 85, baseline: null, bound: 'max', percent: true }).hi, 100, 'percentages stop at 100');
});

test('p95 is drawn with its baseline and limit in view; auth success near the top, floor included', () => {
  assert.deepEqual(valueRange({ points: [{ at: 0, value: 0.03 }], limit: 0.06, baseline: 0.05, bound: 'overBaseline', percent: false }), { lo: 0, hi: 0.075 });
  const auth = valueRange({ points: [{ at: 0, value: 100 }, { at: 1, value: 97 }], limit: 99, baseline: null, bound: 'min', percent: true });
  assert.equal(auth.hi, 100);
  assert.ok(auth.lo < 97 && auth.lo >= 0, `the lowest value is in view: ${auth.lo}`);
});

test('samples map onto the plot left to right, higher values higher up; null samples break the line', () => {
  const { segments, x, y } = chartLines({
    points: [{ at: at(15), value: 0 }, { at: at(30), value: 0.2 }, { at: at(45), value: null }, { at: at(60), value: 0.4 }],
    from: 0,
    to: at(60),
    limit: 0.5,
    baseline: null,
    bound: 'max',
    percent: true,
  });
  assert.equal(segments.length, 2, 'two runs of measured samples');
  assert.equal(segments[1]!.split(' ').length, 1);
  assert.equal(x(0), CHART_BOX.left);
  assert.equal(x(at(60)), CHART_BOX.width - CHART_BOX.right);
  assert.ok(y(0.4) < y(0.2) && y(0.2) < y(0), 'SVG y grows downwards');
  assert.equal(y(0), CHART_BOX.height - CHART_BOX.bottom);
});
