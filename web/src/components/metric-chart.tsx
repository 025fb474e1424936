/**
 * A deployment's post-deploy monitoring, drawn: one small SVG chart per metric (5xx rate, p95
 * against its baseline, memory, CPU, auth success) with its limit as a dashed line, the baseline
 * dotted, breaches marked, and the verdict of each watch in words. Plain SVG: no chart library.
 */
import type { Watch } from '../api/types.ts';
import { CHART_BOX, chartLines } from './chart-geometry.ts';
import { zoneAbbreviation } from '../../../src/features/schedule/slot-words.ts';
import { formatInstant } from './time.tsx';

/** "22:03:15 HKT": the axis of a watch that lasts minutes. */
function clockLabel(ms: number, timeZone: string): string {
  const at = new Date(ms);
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(at);
  return `${clock} ${zoneAbbreviation(at, timeZone)}`;
}

type Limit = Watch['thresholds'][number];
type Metric = Limit['metric'];

/** A value in the metric's unit for people: p95 in milliseconds, the rest in percent. */
export function metricValue(unit: Limit['unit'], v: number | null): string {
  if (v === null) return '—';
  return unit === 'seconds' ? `${Number((v * 1000).toFixed(1))} ms` : `${Number(v.toFixed(2))} %`;
}

function limitWords(l: Limit): string {
  if (l.limit === null) return 'not judged (no baseline)';
  const side = l.bound === 'min' ? '>' : '<';
  const extra = l.bound === 'overBaseline' ? ` (baseline + ${l.threshold} %)` : '';
  return `healthy ${side} ${metricValue(l.unit, l.limit)}${extra}; breach: ${l.action}${l.sustainedSamples > 1 ? ` after ${l.sustainedSamples} samples` : ''}`;
}

const OUTCOME_WORDS: Record<Watch['outcome'], string> = {
  watching: 'watching',
  clean: 'clean: stood down',
  alert: 'alert: people were told',
  rollback: 'rollback: the deploy was rolled back',
  unavailable: 'unavailable: monitoring could not measure',
  interrupted: 'interrupted: Tonic stopped before the window was over',
};

export function MonitoringWatch({ watch, timeZone, title }: { watch: Watch; timeZone: string; title: string }) {
  const from = Date.parse(watch.startedAt);
  const lastSample = watch.series.length ? Date.parse(watch.series[watch.series.length - 1]!.at) : from;
  const to = Math.max(from + watch.windowMs, lastSample);
  return (
    <section className="panel watch" aria-label={title} data-outcome={watch.outcome}>
      <h3>
        {title}: <span className={`verdict verdict-${watch.outcome}`}>{OUTCOME_WORDS[watch.outcome]}</span>
      </h3>
      <p className="muted small">
        {watch.release} on {watch.env.toUpperCase()}, {watch.samples} samples every {watch.pollMs / 1000} s from {formatInstant(watch.startedAt, timeZone)}
        {watch.finishedAt ? ` to ${formatInstant(watch.finishedAt, timeZone)}` : ' (still watching)'}; {watch.source}.
      </p>
      {watch.reason ? <p className="verdict-reason">{watch.reason}</p> : null}
      {watch.notes.length ? (
        <ul className="muted small">
          {watch.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <div className="charts">
        {watch.thresholds.map((l) => (
          <MetricChart key={l.metric} watch={watch} limit={l} from={from} to={to} timeZone={timeZone} />
        ))}
      </div>
    </section>
  );
}

function MetricChart({ watch, limit: l, from, to, timeZone }: { watch: Watch; limit: Limit; from: number; to: number; timeZone: string }) {
  const metric: Metric = l.metric;
  const points = watch.series.map((s) => ({ at: Date.parse(s.at), value: s[metric] }));
  const baseline = l.bound === 'overBaseline' ? watch.baseline.p95Latency : null;
  const { segments, x, y, lo, hi } = chartLines({ points, from, to, limit: l.limit, baseline, bound: l.bound, percent: l.unit === 'percent' });
  const breaches = watch.breaches.filter((b) => b.metric === metric);
  const measured = points.filter((p) => p.value !== null);
  const last = measured.length ? measured[measured.length - 1]!.value : null;
  const box = CHART_BOX;
  const summary = `${l.label}: ${measured.length} of ${points.length} samples measured, last ${metricValue(l.unit, last)}; ${limitWords(l)}${breaches.length ? `; ${breaches.length} breach${breaches.length > 1 ? 'es' : ''}` : ''}`;
  return (
    <figure className="chart" data-metric={metric} data-breaches={breaches.length}>
      <figcaption>
        <strong>{l.label}</strong> <span className="muted">{limitWords(l)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${box.width} ${box.height}`} role="img" aria-label={summary}>
        <rect x={box.left} y={box.top} width={box.width - box.left - box.right} height={box.height - box.top - box.bottom} className="plot" />
        <text x={box.left - 4} y={box.top + 4} className="axis" textAnchor="end">
          {metricValue(l.unit, hi)}
        </text>
        <text x={box.left - 4} y={box.height - box.bottom} className="axis" textAnchor="end">
          {metricValue(l.unit, lo)}
        </text>
        <text x={box.left} y={box.height - 6} className="axis">
          {clockLabel(from, timeZone)}
        </text>
        <text x={box.width - box.right} y={box.height - 6} className="axis" textAnchor="end">
          {clockLabel(to, timeZone)}
        </text>
        {baseline !== null ? <line x1={box.left} x2={box.width - box.right} y1={y(baseline)} y2={y(baseline)} className="baseline" data-line="baseline" /> : null}
        {l.limit !== null ? <line x1={box.left} x2={box.width - box.right} y1={y(l.limit)} y2={y(l.limit)} className={`limit limit-${l.action}`} data-line="limit" /> : null}
        {segments.map((s, i) => (
          <polyline key={i} points={s} className="series" />
        ))}
        {measured.length === 1 ? <circle cx={x(measured[0]!.at)} cy={y(measured[0]!.value!)} r={2.5} className="point" /> : null}
        {breaches.map((b, i) => (
          <circle key={i} cx={x(Date.parse(b.at))} cy={y(b.value)} r={4} className="breach" data-breach={b.action} />
        ))}
      </svg>
      <p className="chart-legend small">
        <span className="key key-series" /> value{baseline !== null ? (
          <>
            {' '}
            <span className="key key-baseline" /> baseline {metricValue(l.unit, baseline)}
          </>
        ) : null}
        {l.limit !== null ? (
          <>
            {' '}
            <span className="key key-limit" /> limit {metricValue(l.unit, l.limit)}
          </>
        ) : null}
      </p>
    </figure>
  );
}
