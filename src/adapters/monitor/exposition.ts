/**
 * The Prometheus text exposition format (version 0.0.4, and the OpenMetrics text it resembles),
 * and the arithmetic that turns two scrapes of it into rates and quantiles, the way Prometheus's
 * own `increase()` and `histogram_quantile()` do. Pure functions: the scrape provider feeds them.
 */
import { NO_VALUES, type MetricValues } from '../../features/monitoring/monitoring-rules.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
export type Labels = Record<string, string>;
export type Sample = { name: string; labels: Labels; value: number };
export type Exposition = { types: Map<string, MetricType>; samples: Sample[] };

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseNumber(text: string): number | null {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return Number.NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

function show(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

/** Reads `{a="x",b="y\"z"}` starting at `rest[0] === '{'`; returns the labels and what follows. */
function parseLabels(rest: string, lineNo: number, line: string): { labels: Labels; after: string } {
  const labels: Labels = {};
  let i = 1;
  const fail = (what: string): never => {
    throw new ExpositionError(lineNo, `${what} in the labels of ${show(line)}`);
  };
  for (;;) {
    while (rest[i] === ' ') i++;
    if (rest[i] === '}') return { labels, after: rest.slice(i + 1) };
    const name = LABEL_NAME.exec(rest.slice(i))?.[0] ?? fail('expected a label name');
    i += name.length;
    while (rest[i] === ' ') i++;
    if (rest[i] !== '=') fail(`expected = after the label ${name}`);
    i++;
    while (rest[i] === ' ') i++;
    if (rest[i] !== '"') fail(`expected a quoted value for the label ${name}`);
    i++;
    let value = '';
    for (;;) {
      const c = rest[i];
      if (c === undefined) fail(`the value of the label ${name} is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const e = rest[i + 1];
        value += e === 'n' ? '\n' : e === '"' ? '"' : e === '\\' ? '\\' : fail(`unknown escape \\${e ?? ''}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    if (Object.hasOwn(labels, name)) fail(`the label ${name} appears twice`);
    // defineProperty: a label named __proto__ is a label like any other.
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
    while (rest[i] === ' ') i++;
    if (rest[i] === ',') i++;
    else if (rest[i] !== '}') fail('expected , or }');
  }
}

/**
 * Parses an exposition page. Anything that is not the format (an HTML page, JSON, a login form)
 * fails on its first offending line, with the line number and what was expected there.
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, MetricType>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n]!.replace(/\r$/, '').trim();
    if (line === '' || line === '# EOF') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m) {
        const type = m[2] as MetricType;
        if (!METRIC_NAME.test(m[1]!) || METRIC_NAME.exec(m[1]!)![0] !== m[1]) throw new ExpositionError(lineNo, `# TYPE names ${show(m[1]!)}, which is not a metric name`);
        if (!TYPES.has(type)) throw new ExpositionError(lineNo, `# TYPE ${m[1]} is ${show(m[2]!)}; expected counter, gauge, histogram, summary or untyped`);
        types.set(m[1]!, type);
      }
      continue; // # HELP and other comments
    }
    const name = METRIC_NAME.exec(line)?.[0];
    if (!name) throw new ExpositionError(lineNo, `expected a sample such as http_requests_total{code="200"} 42, got ${show(line)}`);
    let rest = line.slice(name.length);
    let labels: Labels = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest, lineNo, line);
      labels = parsed.labels;
      rest = parsed.after;
    }
    if (!/^\s/.test(rest)) throw new ExpositionError(lineNo, `expected a space and a value after ${name}, got ${show(line)}`);
    const fields = rest.trim().split(/\s+/);
    if (fields.length > 2) throw new ExpositionError(lineNo, `expected a value and at most a timestamp after ${name}, got ${show(line)}`);
    const value = parseNumber(fields[0]!);
    if (value === null) throw new ExpositionError(lineNo, `the value of ${name} is ${show(fields[0]!)}, not a number`);
    if (fields[1] !== undefined && parseNumber(fields[1]) === null) throw new ExpositionError(lineNo, `the timestamp of ${name} is ${show(fields[1])}, not a number`);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

/** A series' identity: its name and labels in a fixed order. */
export function seriesKey(s: Pick<Sample, 'name' | 'labels'>): string {
  return `${s.name}${JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

type LabelFilter = (labels: Labels) => boolean;
const any: LabelFilter = () => true;

/** Sum of a gauge's series (or of a counter's totals), or null when the page has none. */
export function sumOf(e: Exposition, name: string, filter: LabelFilter = any): number | null {
  let total: number | null = null;
  for (const s of e.samples) if (s.name === name && filter(s.labels)) total = (total ?? 0) + s.value;
  return total;
}

/**
 * How much a counter grew from one scrape to the next, like Prometheus's increase(): per series,
 * a value that went down means the process restarted and counts from zero again; a series that
 * appeared since (the first 500 of a new version) counts whole. Null when no series exists.
 */
export function increaseOf(prev: Exposition, curr: Exposition, name: string, filter: LabelFilter = any): number | null {
  const before = new Map<string, number>();
  for (const s of prev.samples) if (s.name === name && filter(s.labels)) before.set(seriesKey(s), s.value);
  let total: number | null = null;
  for (const s of curr.samples) {
    if (s.name !== name || !filter(s.labels)) continue;
    total = (total ?? 0) + counterIncrease(before.get(seriesKey(s)) ?? 0, s.value);
  }
  return total;
}

/** One counter's growth between two readings; a decrease is a reset to zero. */
export function counterIncrease(before: number, after: number): number {
  return after >= before ? after - before : after;
}

export type Bucket = { le: number; count: number };

/** A histogram's cumulative buckets summed over its series, sorted by upper bound. */
export function bucketsOf(e: Exposition, histogram: string, filter: LabelFilter = any): Bucket[] {
  const byLe = new Map<number, number>();
  for (const s of e.samples) {
    if (s.name !== `${histogram}_bucket` || !filter(s.labels) || s.labels.le === undefined) continue;
    const le = parseNumber(s.labels.le);
    if (le === null || Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** Bucket counts gained between two scrapes, per series (resets handled as in increaseOf). */
export function bucketIncrease(prev: Exposition, curr: Exposition, histogram: string, filter: LabelFilter = any): Bucket[] {
  const name = `${histogram}_bucket`;
  const before = new Map<string, number>();
  for (const s of prev.samples) if (s.name === name && filter(s.labels)) before.set(seriesKey(s), s.value);
  const byLe = new Map<number, number>();
  for (const s of curr.samples) {
    if (s.name !== name || !filter(s.labels) || s.labels.le === undefined) continue;
    const le = parseNumber(s.labels.le);
    if (le === null || Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + counterIncrease(before.get(seriesKey(s)) ?? 0, s.value));
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of cumulative buckets, as Prometheus's histogram_quantile() computes it: find
 * the bucket holding rank q × total and interpolate linearly inside it (the first bucket starts
 * at 0). A rank in the +Inf bucket answers the highest finite bound. Null with no observations
 * or no +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  if (buckets.length < 2 || buckets[buckets.length - 1]!.le !== Infinity) return null;
  // Counts must not decrease with the bound; scrapes racing observations can break that.
  const fixed: Bucket[] = [];
  for (const b of buckets) fixed.push({ le: b.le, count: Math.max(b.count, fixed.at(-1)?.count ?? 0) });
  const total = fixed[fixed.length - 1]!.count;
  if (!(total > 0)) return null;
  if (q <= 0) return fixed[0]!.le > 0 ? 0 : fixed[0]!.le;
  if (q >= 1) return fixed[fixed.length - 2]!.le;
  const rank = q * total;
  const i = fixed.findIndex((b) => b.count >= rank);
  if (i === fixed.length - 1) return fixed[fixed.length - 2]!.le;
  const upper = fixed[i]!;
  if (i === 0 && upper.le <= 0) return upper.le;
  const lowerLe = i === 0 ? 0 : fixed[i - 1]!.le;
  const lowerCount = i === 0 ? 0 : fixed[i - 1]!.count;
  const inBucket = upper.count - lowerCount;
  return inBucket === 0 ? upper.le : lowerLe + (upper.le - lowerLe) * ((rank - lowerCount) / inBucket);
}

const statusOf = (labels: Labels) => labels.code ?? labels.status ?? labels.status_code ?? '';
const is5xx: LabelFilter = (labels) => /^5\d\d$/.test(statusOf(labels));
const isSuccess: LabelFilter = (labels) => labels.result === 'success';

/** The metric names the scrape provider reads (the common ones, as Prometheus client libraries name them). */
export const SCRAPED_METRICS = {
  requests: 'http_requests_total',
  latency: 'http_request_duration_seconds',
  memory: 'process_resident_memory_bytes',
  cpu: 'process_cpu_seconds_total',
  auth: 'auth_attempts_total',
} as const;

type Limits = { memoryLimitBytes: number | null; cpuCores: number };

const percent = (part: number | null, whole: number | null) => (part === null || whole === null || whole <= 0 ? null : (100 * part) / whole);

function memoryPercent(e: Exposition, limits: Limits): number | null {
  const rss = sumOf(e, SCRAPED_METRICS.memory);
  return limits.memoryLimitBytes === null ? null : percent(rss, limits.memoryLimitBytes);
}

/**
 * The metrics between two scrapes `elapsedSeconds` apart: rates from counter increases, p95 from
 * the histogram's bucket increases, memory from the later gauge, CPU from CPU seconds per second.
 */
export function measureBetween(prev: Exposition, curr: Exposition, elapsedSeconds: number, limits: Limits): MetricValues {
  const requests = increaseOf(prev, curr, SCRAPED_METRICS.requests);
  const errors = requests === null ? null : (increaseOf(prev, curr, SCRAPED_METRICS.requests, is5xx) ?? 0);
  const logins = increaseOf(prev, curr, SCRAPED_METRICS.auth);
  const loginsOk = logins === null ? null : (increaseOf(prev, curr, SCRAPED_METRICS.auth, isSuccess) ?? 0);
  const cpuSeconds = increaseOf(prev, curr, SCRAPED_METRICS.cpu);
  return {
    ...NO_VALUES,
    requests,
    errorRate: percent(errors, requests),
    p95Latency: histogramQuantile(0.95, bucketIncrease(prev, curr, SCRAPED_METRICS.latency)),
    memory: memoryPercent(curr, limits),
    cpu: cpuSeconds === null || elapsedSeconds <= 0 ? null : (100 * cpuSeconds) / elapsedSeconds / limits.cpuCores,
    authAttempts: logins,
    authSuccess: percent(loginsOk, logins),
  };
}

/**
 * The metrics of one scrape on its own: everything the running process has served since it
 * started (the baseline of a service scraped directly, which keeps no history). CPU needs two
 * readings, so it is not measured here.
 */
export function measureCumulative(e: Exposition, limits: Limits): MetricValues {
  const requests = sumOf(e, SCRAPED_METRICS.requests);
  const logins = sumOf(e, SCRAPED_METRICS.auth);
  return {
    ...NO_VALUES,
    requests,
    errorRate: percent(requests === null ? null : (sumOf(e, SCRAPED_METRICS.requests, is5xx) ?? 0), requests),
    p95Latency: histogramQuantile(0.95, bucketsOf(e, SCRAPED_METRICS.latency)),
    memory: memoryPercent(e, limits),
    authAttempts: logins,
    authSuccess: percent(logins === null ? null : (sumOf(e, SCRAPED_METRICS.auth, isSuccess) ?? 0), logins),
  };
}
