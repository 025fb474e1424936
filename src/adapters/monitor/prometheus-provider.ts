/**
 * Metrics from a Prometheus server's query API (`GET /api/v1/query`): one PromQL expression per
 * metric, evaluated at each poll. Defaults use the metric names Prometheus client libraries
 * export; a system overrides any of them in monitoring.metrics.<metric>.query.
 */
import { METRIC_DEFAULTS, NO_VALUES, type MetricValues, type MonitorMetric, type MonitoringSettings } from '../../features/monitoring/monitoring-rules.ts';
import { MetricsUnavailable, describeFetchError, requestTimeoutMs, type MetricsProvider } from './metrics-provider.ts';

export type Measured = MonitorMetric | 'requests' | 'authAttempts';

/**
 * PromQL for each metric, in the unit the rules judge it in (percent 0-100, or seconds).
 * `$window` is the rate range; `$selector` the environment's label matchers; `$env`, `$system`
 * the names. A ratio's numerator falls back to 0 when no series matches (no 5xx at all yet).
 */
export function defaultQueries(settings: Pick<MonitoringSettings, 'memoryLimitBytes' | 'cpuCores'>, selector: string): Record<Measured, string | null> {
  const sel = (extra = '') => {
    const matchers = [extra, selector].filter(Boolean).join(',');
    return matchers ? `{${matchers}}` : '';
  };
  return {
    errorRate: `100 * (sum(rate(http_requests_total${sel('code=~"5.."')}[$window])) or vector(0)) / sum(rate(http_requests_total${sel()}[$window]))`,
    p95Latency: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${sel()}[$window])))`,
    memory: settings.memoryLimitBytes === null ? null : `100 * sum(process_resident_memory_bytes${sel()}) / ${settings.memoryLimitBytes}`,
    cpu: `100 * sum(rate(process_cpu_seconds_total${sel()}[$window])) / ${settings.cpuCores}`,
    authSuccess: `100 * (sum(rate(auth_attempts_total${sel('result="success"')}[$window])) or vector(0)) / sum(rate(auth_attempts_total${sel()}[$window]))`,
    requests: `sum(increase(http_requests_total${sel()}[$window]))`,
    authAttempts: `sum(increase(auth_attempts_total${sel()}[$window]))`,
  };
}

/** Each query the watch of one environment evaluates: a system's own, else the default; null ones left out. */
export function monitoringQueries(settings: MonitoringSettings, selector: string): { metric: Measured; query: string; custom: boolean }[] {
  const defaults = defaultQueries(settings, selector);
  return (Object.keys(defaults) as Measured[]).flatMap((m) => {
    const own = m in settings.metrics ? settings.metrics[m as MonitorMetric].query : null;
    const query = own ?? defaults[m];
    return query === null ? [] : [{ metric: m, query, custom: own !== null }];
  });
}

/** A query as sent: `$window`, `$selector`, `$env` and `$system` filled in. */
export function fillQuery(query: string, values: { window: string; selector: string; env: string; system: string }): string {
  return query.replaceAll('$window', values.window).replaceAll('$selector', values.selector).replaceAll('$env', values.env).replaceAll('$system', values.system);
}

/** "1m", "30s": a range Prometheus accepts, from milliseconds. */
export function promDuration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.max(1, Math.round(ms / 1000))}s`;
}

type PromAnswer = {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
};

export function createPrometheusProvider(options: { url: string; selector: string; rateWindow: string; system: string; env: string; settings: MonitoringSettings }): MetricsProvider {
  const { url, selector, settings } = options;
  const timeoutMs = requestTimeoutMs(settings);
  const queries = Object.fromEntries(monitoringQueries(settings, selector).map((q) => [q.metric, q.query])) as Partial<Record<Measured, string>>;
  const fill = (q: string, window: string) => fillQuery(q, { window, selector, env: options.env, system: options.system });
  const where = (m: Measured) => (m in settings.metrics && settings.metrics[m as MonitorMetric].query !== null ? `monitoring.metrics.${m}.query` : `the default ${m} query`);

  async function query(metric: Measured, expr: string): Promise<number | null> {
    const target = `${url}/api/v1/query?${new URLSearchParams({ query: expr })}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (error) {
      throw new MetricsUnavailable(`Prometheus at ${url} did not answer: ${describeFetchError(error, timeoutMs)}`, false);
    }
    let answer: PromAnswer | null;
    try {
      answer = JSON.parse(text) as PromAnswer | null;
    } catch {
      if (res.status >= 500) throw new MetricsUnavailable(`Prometheus at ${url} answered HTTP ${res.status}`, false);
      throw new MetricsUnavailable(`${url} is not a Prometheus query API: /api/v1/query answered HTTP ${res.status} ${res.headers.get('content-type') ?? ''}, not JSON; check monitoring.provider.url`, true);
    }
    if (answer?.status !== 'success' && answer?.status !== 'error') {
      if (res.status >= 500) throw new MetricsUnavailable(`Prometheus at ${url} answered HTTP ${res.status}`, false);
      throw new MetricsUnavailable(`${url} is not a Prometheus query API: /api/v1/query answered HTTP ${res.status} with JSON that is not a Prometheus answer; check monitoring.provider.url`, true);
    }
    if (answer.status === 'error') {
      const why = `${answer.errorType ?? 'error'}: ${answer.error ?? 'no detail'}`;
      // bad_data: the expression does not parse or cannot be evaluated. Asking again will not help.
      if (res.status === 400 || res.status === 422 || answer.errorType === 'bad_data') {
        throw new MetricsUnavailable(`Prometheus at ${url} refused ${where(metric)} (${why}); the query was: ${expr}`, true);
      }
      throw new MetricsUnavailable(`Prometheus at ${url} failed ${where(metric)} (HTTP ${res.status}, ${why})`, res.status < 500);
    }
    if (res.status !== 200 || answer.status !== 'success') throw new MetricsUnavailable(`Prometheus at ${url} answered HTTP ${res.status} to ${where(metric)}`, res.status < 500);
    return valueOf(metric, expr, answer.data);
  }

  function valueOf(metric: Measured, expr: string, data: PromAnswer['data']): number | null {
    const numbers: number[] = [];
    if (data?.resultType === 'scalar' && Array.isArray(data.result)) numbers.push(Number(data.result[1]));
    else if (data?.resultType === 'vector' && Array.isArray(data.result)) {
      for (const s of data.result as { value?: [number, string] }[]) numbers.push(Number(s.value?.[1]));
    } else {
      throw new MetricsUnavailable(`${where(metric)} answers a ${data?.resultType ?? 'missing'} result; it must be an instant vector or a scalar (the query was: ${expr})`, true);
    }
    const finite = numbers.filter(Number.isFinite);
    if (finite.length === 0) return null; // no series, or 0/0 (no traffic)
    if (metric === 'requests' || metric === 'authAttempts') return finite.reduce((a, b) => a + b, 0);
    // Several series (instances): judge the worst one.
    return METRIC_DEFAULTS[metric].bound === 'min' ? Math.min(...finite) : Math.max(...finite);
  }

  async function measure(window: string): Promise<MetricValues> {
    const measured = (Object.keys(queries) as Measured[]).filter((m) => queries[m] !== null);
    const results = await Promise.allSettled(measured.map((m) => query(m, fill(queries[m]!, window))));
    // A refused query outranks Prometheus being slow: it is the one to fix.
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const failure = failures.find((f) => f instanceof MetricsUnavailable && f.permanent) ?? failures[0];
    if (failure) throw failure;
    const values: MetricValues = { ...NO_VALUES };
    measured.forEach((m, i) => (values[m] = (results[i] as PromiseFulfilledResult<number | null>).value));
    return values;
  }

  return {
    source: `Prometheus at ${url}${selector ? ` (${selector})` : ''}`,
    baseline: () => measure(promDuration(settings.baselineWindowMs)),
    async start() {
      // Evaluates every query once, so a refused one ends the watch before the first poll.
      await measure(options.rateWindow);
      return { next: () => measure(options.rateWindow) };
    },
  };
}
