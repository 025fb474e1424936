/**
 * Post-deploy monitoring policy (DESIGN.md decision 9), pure: SEED.md's metrics and thresholds,
 * the action each breach takes, how a system's `monitoring` section overrides them, and how the
 * samples of a watch window become a verdict. No I/O and no clock: instants come in as parameters.
 */

/** The metrics SEED.md's "Post-Deploy Monitoring" table watches, in its order. */
export const MONITOR_METRICS = ['errorRate', 'p95Latency', 'memory', 'cpu', 'authSuccess'] as const;
export type MonitorMetric = (typeof MONITOR_METRICS)[number];

/** What a breach does: roll the deployment back, tell people, or only record the value. */
export const MONITOR_ACTIONS = ['rollback', 'alert', 'ignore'] as const;
export type MonitorAction = (typeof MONITOR_ACTIONS)[number];

export const MONITOR_OUTCOMES = ['clean', 'rollback', 'alert', 'unavailable'] as const;
export type MonitorOutcome = (typeof MONITOR_OUTCOMES)[number];

/**
 * A stored watch: `watching` while its window runs, then its verdict; `interrupted` when the process
 * watching stopped before the window was over (decision record 0024): part of it was never watched.
 */
export const WATCH_OUTCOMES = ['watching', ...MONITOR_OUTCOMES, 'interrupted'] as const;
export type WatchOutcome = (typeof WATCH_OUTCOMES)[number];

/**
 * How a threshold reads: `max` (healthy below it), `min` (healthy above it), or `overBaseline`
 * (healthy below the baseline plus that many percent).
 */
export const MONITOR_BOUNDS = ['max', 'min', 'overBaseline'] as const;
type Bound = (typeof MONITOR_BOUNDS)[number];

type MetricInfo = {
  label: string;
  unit: 'percent' | 'seconds';
  bound: Bound;
  threshold: number;
  action: MonitorAction;
  /** Consecutive breaching samples before it counts ("CPU < 80 % sustained"). */
  sustainedSamples: number;
};

/** SEED.md's table. 5xx and auth success roll back; the others alert (decision 9). */
export const METRIC_DEFAULTS: Record<MonitorMetric, MetricInfo> = {
  errorRate: { label: 'HTTP 5xx error rate', unit: 'percent', bound: 'max', threshold: 0.5, action: 'rollback', sustainedSamples: 1 },
  p95Latency: { label: 'API response time (p95)', unit: 'seconds', bound: 'overBaseline', threshold: 20, action: 'alert', sustainedSamples: 1 },
  memory: { label: 'Memory usage', unit: 'percent', bound: 'max', threshold: 85, action: 'alert', sustainedSamples: 1 },
  cpu: { label: 'CPU usage', unit: 'percent', bound: 'max', threshold: 80, action: 'alert', sustainedSamples: 4 },
  authSuccess: { label: 'Login / auth success rate', unit: 'percent', bound: 'min', threshold: 99, action: 'rollback', sustainedSamples: 1 },
};

export const DEFAULT_WINDOW_MS = 10 * 60_000;
export const DEFAULT_POLL_MS = 15_000;
/** A sample with fewer requests (or login attempts) than this does not judge the rates. */
export const DEFAULT_MIN_REQUESTS = 10;
/** Prometheus range for rates during the watch. */
export const DEFAULT_RATE_WINDOW = '1m';
/** A provider that fails this many polls in a row makes the verdict `unavailable`. */
export const MAX_CONSECUTIVE_FAILURES = 3;

/**
 * One measurement of every metric. Percent metrics are 0 to 100; latency is in seconds; null
 * means "not measured" (no traffic, no such series, or not configured).
 */
export type MetricValues = Record<MonitorMetric, number | null> & {
  /** Requests the rates were computed over, when known. */
  requests: number | null;
  /** Login attempts the auth success rate was computed over, when known. */
  authAttempts: number | null;
};

export const NO_VALUES: MetricValues = { errorRate: null, p95Latency: null, memory: null, cpu: null, authSuccess: null, requests: null, authAttempts: null };

/** What was measured over the window before the deploy; p95 latency is judged against it. */
export type Baseline = MetricValues & {
  system: string;
  env: 'uat' | 'prod';
  measuredAt: string;
  /** Where it came from: "Prometheus at …" or "scrape of …". */
  source: string;
  /** Why nothing could be measured, when that happened. */
  error: string | null;
};

export type Breach = { metric: MonitorMetric; value: number; threshold: number; action: Exclude<MonitorAction, 'ignore'>; at: string };

export type MonitorVerdict = {
  outcome: MonitorOutcome;
  breaches: Breach[];
  samples: number;
  /** Why: the breach that rolled back, the provider failure, or that the window passed. */
  reason: string;
  /** Metrics that could not be judged, and why. */
  notes: string[];
  watchId: number;
};

export type MetricRule = { threshold: number; action: MonitorAction; sustainedSamples: number; query: string | null };

export type MonitoringProvider =
  | { kind: 'scrape'; urls: Record<'uat' | 'prod', string | null> }
  | { kind: 'prometheus'; url: string; selectors: Record<'uat' | 'prod', string>; rateWindow: string };

export type MonitoringSettings = {
  windowMs: number;
  pollMs: number;
  /** Prometheus: the range the baseline is measured over, ending at the deploy. */
  baselineWindowMs: number;
  minRequests: number;
  memoryLimitBytes: number | null;
  cpuCores: number;
  provider: MonitoringProvider;
  metrics: Record<MonitorMetric, MetricRule>;
};

/** The `monitoring` section of a system, as the configuration file spells it (all optional). */
export type MonitoringOverrides = {
  windowMinutes?: number;
  pollSeconds?: number;
  baselineMinutes?: number;
  minRequests?: number;
  memoryLimitMb?: number;
  cpuCores?: number;
  provider?:
    | { kind: 'scrape'; urls?: { uat?: string; prod?: string } }
    | { kind: 'prometheus'; url: string; selectors?: { uat?: string; prod?: string }; rateWindow?: string };
  metrics?: Partial<Record<MonitorMetric, { threshold?: number; action?: MonitorAction; sustainedSamples?: number; query?: string }>>;
};

/** Defaults from SEED.md with a system's overrides applied. */
export function resolveMonitoringSettings(input: MonitoringOverrides = {}): MonitoringSettings {
  const windowMs = Math.round((input.windowMinutes ?? DEFAULT_WINDOW_MS / 60_000) * 60_000);
  const p = input.provider;
  const provider: MonitoringProvider =
    p?.kind === 'prometheus'
      ? {
          kind: 'prometheus',
          url: p.url.replace(/\/+$/, ''),
          selectors: { uat: p.selectors?.uat ?? '', prod: p.selectors?.prod ?? '' },
          rateWindow: p.rateWindow ?? DEFAULT_RATE_WINDOW,
        }
      : { kind: 'scrape', urls: { uat: p?.urls?.uat ?? null, prod: p?.urls?.prod ?? null } };
  const metrics = Object.fromEntries(
    MONITOR_METRICS.map((m) => {
      const d = METRIC_DEFAULTS[m];
      const o = input.metrics?.[m] ?? {};
      return [m, { threshold: o.threshold ?? d.threshold, action: o.action ?? d.action, sustainedSamples: o.sustainedSamples ?? d.sustainedSamples, query: o.query ?? null }];
    }),
  ) as Record<MonitorMetric, MetricRule>;
  return {
    windowMs,
    pollMs: Math.round((input.pollSeconds ?? DEFAULT_POLL_MS / 1000) * 1000),
    baselineWindowMs: input.baselineMinutes !== undefined ? Math.round(input.baselineMinutes * 60_000) : windowMs,
    minRequests: input.minRequests ?? DEFAULT_MIN_REQUESTS,
    memoryLimitBytes: input.memoryLimitMb !== undefined ? Math.round(input.memoryLimitMb * 1024 * 1024) : null,
    cpuCores: input.cpuCores ?? 1,
    provider,
    metrics,
  };
}

/** Problems a schema cannot see in a `monitoring` section, each "key: what is wrong". */
export function monitoringProblems(input: MonitoringOverrides): string[] {
  const problems: string[] = [];
  const s = resolveMonitoringSettings(input);
  if (s.pollMs > s.windowMs) problems.push(`pollSeconds: ${s.pollMs / 1000} s is longer than the watch window (windowMinutes ${s.windowMs / 60_000}); poll at least once in it`);
  for (const m of MONITOR_METRICS) {
    const t = s.metrics[m].threshold;
    if (METRIC_DEFAULTS[m].unit === 'percent' && METRIC_DEFAULTS[m].bound !== 'overBaseline' && t > 100) {
      problems.push(`metrics.${m}.threshold: ${t} is a percentage above 100; ${METRIC_DEFAULTS[m].label} is 0 to 100`);
    }
  }
  if (s.provider.kind === 'prometheus' && !/^\d+[smh]$/.test(s.provider.rateWindow)) {
    problems.push(`provider.rateWindow: "${s.provider.rateWindow}" is not a Prometheus duration such as 30s, 1m or 5m`);
  }
  return problems;
}

/** The limit a value is judged against, or null when it cannot be (p95 with no baseline). */
export function thresholdFor(metric: MonitorMetric, rule: MetricRule, baseline: Pick<MetricValues, 'p95Latency'> | null): number | null {
  if (METRIC_DEFAULTS[metric].bound !== 'overBaseline') return rule.threshold;
  const base = baseline?.p95Latency;
  return base === null || base === undefined ? null : base * (1 + rule.threshold / 100);
}

/** One metric's rule as a chart draws it: the configured threshold and the value it means for one watch. */
export type MetricLimit = {
  metric: MonitorMetric;
  label: string;
  unit: 'percent' | 'seconds';
  bound: Bound;
  /** As configured: a percentage, or for `overBaseline` the percent allowed over the baseline. */
  threshold: number;
  /** The value a sample is judged against (p95: the baseline plus the threshold); null when it cannot be judged. */
  limit: number | null;
  action: MonitorAction;
  sustainedSamples: number;
};

/** Every metric's limit for a watch with this baseline, in SEED.md's order (the dashboard draws them). */
export function metricLimits(settings: Pick<MonitoringSettings, 'metrics'>, baseline: Pick<MetricValues, 'p95Latency'> | null): MetricLimit[] {
  return MONITOR_METRICS.map((metric) => {
    const info = METRIC_DEFAULTS[metric];
    const rule = settings.metrics[metric];
    return {
      metric,
      label: info.label,
      unit: info.unit,
      bound: info.bound,
      threshold: rule.threshold,
      limit: thresholdFor(metric, rule, baseline),
      action: rule.action,
      sustainedSamples: rule.sustainedSamples,
    };
  });
}

/** SEED.md's healthy thresholds are strict ("< 0.5 %", "> 99 %"): reaching the limit is a breach. */
export function isBreach(metric: MonitorMetric, value: number, threshold: number): boolean {
  return METRIC_DEFAULTS[metric].bound === 'min' ? value <= threshold : value >= threshold;
}

/** Rates measured over too few requests say nothing: they are not judged. */
export function judgeableValues(values: MetricValues, minRequests: number): MetricValues {
  const fewRequests = values.requests !== null && values.requests < minRequests;
  const fewLogins = values.authAttempts !== null && values.authAttempts < minRequests;
  return {
    ...values,
    errorRate: fewRequests ? null : values.errorRate,
    p95Latency: fewRequests ? null : values.p95Latency,
    authSuccess: fewLogins ? null : values.authSuccess,
  };
}

/** How many samples in a row each metric has been out of bounds. */
export type Streaks = Record<MonitorMetric, number>;
export const NO_STREAKS: Streaks = { errorRate: 0, p95Latency: 0, memory: 0, cpu: 0, authSuccess: 0 };

/**
 * Judges one sample. A metric breaches when it has been out of bounds for its `sustainedSamples`
 * measured samples in a row; the breach is reported once, on the sample that completes the streak,
 * and again only after the metric came back within bounds. A sample that could not measure the
 * metric neither extends nor ends a streak. `ignore` metrics never breach.
 */
export function judgeSample(input: { settings: MonitoringSettings; baseline: Pick<MetricValues, 'p95Latency'> | null; values: MetricValues; streaks: Streaks; at: Date }): {
  breaches: Breach[];
  streaks: Streaks;
} {
  const { settings, baseline, streaks, at } = input;
  const values = judgeableValues(input.values, settings.minRequests);
  const next = { ...streaks };
  const breaches: Breach[] = [];
  for (const metric of MONITOR_METRICS) {
    const rule = settings.metrics[metric];
    const value = values[metric];
    const threshold = thresholdFor(metric, rule, baseline);
    // Not measured (too little traffic, no baseline): no evidence either way, the streak stands.
    if (value === null || threshold === null) continue;
    if (rule.action === 'ignore' || !isBreach(metric, value, threshold)) {
      next[metric] = 0;
      continue;
    }
    next[metric] = streaks[metric] + 1;
    if (next[metric] === rule.sustainedSamples) breaches.push({ metric, value, threshold, action: rule.action, at: at.toISOString() });
  }
  return { breaches, streaks: next };
}

/** A rollback breach ends the watch at once; the others wait for the window. */
export function demandsRollback(breaches: readonly Breach[]): boolean {
  return breaches.some((b) => b.action === 'rollback');
}

/** The outcome of a window that ran to its end (or was cut short by a rollback breach). */
export function outcomeOf(breaches: readonly Breach[]): 'clean' | 'rollback' | 'alert' {
  if (demandsRollback(breaches)) return 'rollback';
  return breaches.length > 0 ? 'alert' : 'clean';
}

/** "HTTP 5xx error rate 12.5 %: at or above the limit 0.5 %", for reasons and messages. */
export function describeBreach(b: Pick<Breach, 'metric' | 'value' | 'threshold'>, rule?: Pick<MetricRule, 'threshold'>): string {
  const info = METRIC_DEFAULTS[b.metric];
  const fmt = (v: number) => (info.unit === 'seconds' ? `${Number((v * 1000).toFixed(1))} ms` : `${Number(v.toFixed(2))} %`);
  const side = info.bound === 'min' ? 'at or below the floor' : 'at or above the limit';
  const how = info.bound === 'overBaseline' ? ` (baseline + ${rule?.threshold ?? info.threshold} %)` : '';
  return `${info.label} ${fmt(b.value)}: ${side} ${fmt(b.threshold)}${how}`;
}

/**
 * Metrics a window could not judge, said plainly so that a "clean" verdict is never mistaken for
 * one that measured everything.
 */
export function unjudgedNotes(settings: MonitoringSettings, baseline: Pick<Baseline, 'p95Latency' | 'error'> | null, judged: Record<MonitorMetric, number>): string[] {
  const notes: string[] = [];
  for (const metric of MONITOR_METRICS) {
    if (settings.metrics[metric].action === 'ignore' || judged[metric] > 0) continue;
    const label = METRIC_DEFAULTS[metric].label;
    if (metric === 'p95Latency' && (baseline === null || baseline.p95Latency === null)) {
      notes.push(`${label}: not judged, no baseline${baseline?.error ? ` (${baseline.error})` : ' (no requests before the deploy)'}`);
    } else if (metric === 'memory' && settings.memoryLimitBytes === null && settings.metrics.memory.query === null) {
      notes.push(`${label}: not measured; set monitoring.memoryLimitMb (or a memory query) to judge it`);
    } else if (metric === 'errorRate' || metric === 'p95Latency') {
      notes.push(`${label}: not judged, fewer than ${settings.minRequests} requests in every sample`);
    } else if (metric === 'authSuccess') {
      notes.push(`${label}: not judged, fewer than ${settings.minRequests} login attempts in every sample`);
    } else {
      notes.push(`${label}: no value in any sample`);
    }
  }
  return notes;
}

// ---- A watch whose process stopped (decision record 0024) ---------------------------------------

/** A sample as stored: its values, or the error of a poll that could not measure. */
export type RecordedSample = { seq: number; at: string; values: MetricValues | null; error: string | null };

export type RecoveredWatch = {
  /** A verdict the samples decide, or `interrupted` when part of the window was never watched. */
  outcome: MonitorOutcome | 'interrupted';
  breaches: Breach[];
  /** Samples that measured something. */
  samples: number;
  /** How many polls the whole window takes. */
  expectedSamples: number;
  /** When the last poll was taken, measured or not. */
  lastAt: string | null;
  notes: string[];
};

/**
 * The verdict of a watch left `watching` by a process that stopped, from the samples it recorded,
 * judged as the watch itself would have judged them (the same streaks, thresholds and baseline).
 * A verdict stands only when the samples decide it: a rollback-level breach (the watch ends on it),
 * too many failed polls in a row, or polls up to the window's end. Otherwise the window was not
 * watched to its end, and "clean" would claim what nobody saw: `interrupted`, with what the samples
 * did show in `breaches`.
 */
export function recoverWatchVerdict(input: { settings: MonitoringSettings; baseline: Pick<Baseline, 'p95Latency' | 'error'>; startedAt: Date; samples: readonly RecordedSample[] }): RecoveredWatch {
  const { settings, baseline } = input;
  const ordered = [...input.samples].sort((a, b) => a.seq - b.seq);
  const expectedSamples = Math.max(1, Math.ceil(settings.windowMs / settings.pollMs));
  const judged = Object.fromEntries(MONITOR_METRICS.map((m) => [m, 0])) as Record<MonitorMetric, number>;
  const breaches: Breach[] = [];
  let streaks = NO_STREAKS;
  let failures = 0;
  let measured = 0;
  const result = (outcome: RecoveredWatch['outcome']): RecoveredWatch => ({
    outcome,
    breaches,
    samples: measured,
    expectedSamples,
    lastAt: ordered.at(-1)?.at ?? null,
    notes: outcome === 'unavailable' ? [] : unjudgedNotes(settings, baseline, judged),
  });
  for (const sample of ordered) {
    if (sample.values === null) {
      failures += 1;
      if (failures >= MAX_CONSECUTIVE_FAILURES) return result('unavailable');
      continue;
    }
    failures = 0;
    measured += 1;
    const judgement = judgeSample({ settings, baseline, values: sample.values, streaks, at: new Date(sample.at) });
    streaks = judgement.streaks;
    const counted = judgeableValues(sample.values, settings.minRequests);
    for (const m of MONITOR_METRICS) if (counted[m] !== null && (m !== 'p95Latency' || baseline.p95Latency !== null)) judged[m] += 1;
    breaches.push(...judgement.breaches);
    if (demandsRollback(judgement.breaches)) return result('rollback');
  }
  const last = ordered.at(-1);
  const windowEnd = input.startedAt.getTime() + settings.windowMs;
  if (!last || new Date(last.at).getTime() < windowEnd) return result('interrupted');
  return result(measured === 0 ? 'unavailable' : outcomeOf(breaches));
}
