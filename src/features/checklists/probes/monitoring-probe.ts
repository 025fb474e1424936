/**
 * 2. Monitoring alerts active: Prometheus answers and has healthy alerting rules loaded (its rules
 * API), or a configured URL answers 2xx.
 */
import type { MonitoringProbeConfig } from '../checklist-config.ts';
import { judgeAlertRules, outcome } from '../checklist-rules.ts';
import { describeFetchError, fetchWithin, type Probe } from './probe.ts';

export function createMonitoringProbe(config: MonitoringProbeConfig): Probe {
  return {
    name: 'monitoring',
    budgetMs: config.timeoutMs,
    async run(ctx) {
      const url = config.kind === 'prometheus' ? `${config.url.replace(/\/+$/, '')}/api/v1/rules?type=alert` : config.url;
      let res: Response;
      try {
        res = await fetchWithin(url, config.timeoutMs, ctx.signal);
      } catch (error) {
        return outcome({ result: 'fail', measured: { reachable: false }, detail: describeFetchError(config.kind === 'prometheus' ? `Prometheus at ${config.url}` : url, error, config.timeoutMs) }, ctx.at);
      }
      const text = await res.text().catch(() => '');
      if (config.kind === 'url') {
        const ok = res.status >= 200 && res.status < 300;
        return outcome({ result: ok ? 'pass' : 'fail', measured: { reachable: true, status: res.status }, detail: `${url} answered HTTP ${res.status}${ok ? '' : ', not 2xx'}` }, ctx.at);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return outcome({ result: 'fail', measured: { reachable: true, status: res.status }, detail: `${url} answered HTTP ${res.status} that is not JSON: is ${config.url} Prometheus?` }, ctx.at);
      }
      return outcome(judgeAlertRules(body, config.requireGroups, `Prometheus at ${config.url}`), ctx.at);
    },
  };
}
