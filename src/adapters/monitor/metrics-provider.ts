/**
 * The port every metrics provider implements (DESIGN.md decision 9): measure a baseline before a
 * deploy, then sample the metrics poll after poll during the watch window. A provider that cannot
 * measure rejects with MetricsUnavailable saying why; it never answers "nothing wrong" instead.
 */
import type { SystemConfig } from '../../config/load-config.ts';
import type { MetricValues, MonitoringSettings } from '../../features/monitoring/monitoring-rules.ts';
import { createPrometheusProvider } from './prometheus-provider.ts';
import { createScrapeProvider } from './scrape-provider.ts';

export interface MetricsSampler {
  /** The metrics since the previous sample (or since the watch began). */
  next(): Promise<MetricValues>;
}

export interface MetricsProvider {
  /** Where the metrics come from, for verdicts and messages: "Prometheus at …", "scrape of …". */
  readonly source: string;
  /** The metrics over the window before now. */
  baseline(): Promise<MetricValues>;
  /** Begins a watch; rejects at once when the provider cannot measure at all (bad query, not metrics). */
  start(): Promise<MetricsSampler>;
}

/**
 * `permanent`: asking again will not help (a query Prometheus refuses, a page that is not
 * metrics); the watch gives up at once. Otherwise (down, timing out) it tries again next poll.
 */
export class MetricsUnavailable extends Error {
  override name = 'MetricsUnavailable';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export type MetricsProviders = { for(system: SystemConfig, env: 'uat' | 'prod', settings: MonitoringSettings): MetricsProvider };

/** The Prometheus query API when a system configures one, else a scrape of each environment's /metrics. */
export function createMetricsProviders(): MetricsProviders {
  return {
    for(system, env, settings) {
      const p = settings.provider;
      if (p.kind === 'prometheus') return createPrometheusProvider({ url: p.url, selector: p.selectors[env], rateWindow: p.rateWindow, system: system.name, env, settings });
      const url = p.urls[env] ?? new URL('metrics', system.environments[env].url.replace(/\/*$/, '/')).toString();
      return createScrapeProvider({ url, settings });
    },
  };
}

/** A request's failure in words: "connection refused", "no answer within 5 s", … */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (cause === 'ENOTFOUND') return 'host not found';
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  return error instanceof Error ? error.message : String(error);
}

/** Requests never wait longer than a poll interval (nor less than a second, nor more than 10 s). */
export function requestTimeoutMs(settings: Pick<MonitoringSettings, 'pollMs'>): number {
  return Math.min(10_000, Math.max(1_000, settings.pollMs));
}
