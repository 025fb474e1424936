/**
 * Prometheus text exposition format (version 0.0.4), rendered from plain values. Pure.
 */
export type Labels = Record<string, string>;

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: { labels: Labels; value: number }[] }
  | { name: string; help: string; type: 'histogram'; buckets: readonly number[]; series: { labels: Labels; observations: HistogramState }[] };

/** Cumulative counts per upper bound (same order as the family's buckets), plus count and sum. */
export type HistogramState = { bucketCounts: number[]; count: number; sum: number };

export function emptyHistogram(buckets: readonly number[]): HistogramState {
  return { bucketCounts: buckets.map(() => 0), count: 0, sum: 0 };
}

export function observe(state: HistogramState, buckets: readonly number[], value: number): void {
  for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) state.bucketCounts[i]! += 1;
  state.count += 1;
  state.sum += value;
}

export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type === 'histogram') {
      for (const { labels, observations } of family.series) {
        family.buckets.forEach((bound, i) => lines.push(sample(`${family.name}_bucket`, { ...labels, le: String(bound) }, observations.bucketCounts[i]!)));
        lines.push(sample(`${family.name}_bucket`, { ...labels, le: '+Inf' }, observations.count));
        lines.push(sample(`${family.name}_sum`, labels, observations.sum));
        lines.push(sample(`${family.name}_count`, labels, observations.count));
      }
    } else {
      for (const s of family.samples) lines.push(sample(family.name, s.labels, s.value));
    }
  }
  return `${lines.join('\n')}\n`;
}

function sample(name: string, labels: Labels, value: number): string {
  const entries = Object.entries(labels);
  const rendered = entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
  return `${name}${rendered} ${formatValue(value)}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
