/**
 * Metrics straight from a service's Prometheus `/metrics` page, for systems without a Prometheus
 * server: each poll scrapes the page, and rates and the p95 come from how the counters and the
 * latency histogram grew since the previous scrape.
 */
import type { MonitoringSettings } from '../../features/monitoring/monitoring-rules.ts';
import { ExpositionError, measureBetween, measureCumulative, parseExposition, type Exposition } from './exposition.ts';
import { MetricsUnavailable, describeFetchError, requestTimeoutMs, type MetricsProvider } from './metrics-provider.ts';

export function createScrapeProvider(options: { url: string; settings: MonitoringSettings }): MetricsProvider {
  const { url, settings } = options;
  const limits = { memoryLimitBytes: settings.memoryLimitBytes, cpuCores: settings.cpuCores };
  const timeoutMs = requestTimeoutMs(settings);

  async function scrape(): Promise<{ page: Exposition; at: number }> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { headers: { accept: 'text/plain;version=0.0.4' }, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (error) {
      throw new MetricsUnavailable(`the scrape of ${url} failed: ${describeFetchError(error, timeoutMs)}`, false);
    }
    // Measured on the monotonic clock of this process: CPU seconds are divided by the real time
    // between two scrapes of the real service, whatever the injected clock says.
    const at = performance.now();
    if (res.status >= 500) throw new MetricsUnavailable(`the scrape of ${url} answered HTTP ${res.status}`, false);
    if (res.status !== 200) {
      throw new MetricsUnavailable(`the scrape of ${url} answered HTTP ${res.status}: check monitoring.provider.urls, or that the service serves /metrics`, true);
    }
    let page: Exposition;
    try {
      page = parseExposition(text);
    } catch (error) {
      if (!(error instanceof ExpositionError)) throw error;
      throw new MetricsUnavailable(
        `${url} does not answer Prometheus metrics text (${error.message}); it answered ${res.headers.get('content-type') ?? 'no content type'}: point monitoring.provider.urls at the service's metrics page`,
        true,
      );
    }
    if (page.samples.length === 0) throw new MetricsUnavailable(`${url} answered a page with no metrics in it`, true);
    return { page, at };
  }

  return {
    source: `scrape of ${url}`,
    async baseline() {
      const { page } = await scrape();
      return measureCumulative(page, limits);
    },
    async start() {
      let previous = await scrape();
      return {
        async next() {
          const current = await scrape();
          const values = measureBetween(previous.page, current.page, (current.at - previous.at) / 1000, limits);
          previous = current;
          return values;
        },
      };
    },
  };
}
