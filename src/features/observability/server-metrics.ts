/**
 * The server's own metrics for `GET /metrics`: what the pipeline is doing (runs by outcome,
 * deploy durations, approvals waiting, notifications queued and failed, scheduler lag), read from
 * the database at scrape time so every instance reports the same truth, and this instance's HTTP
 * latency, observed in process.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { emptyHistogram, observe, renderExposition, type HistogramState, type MetricFamily } from './prometheus-text.ts';

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
const DEPLOY_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;
/** Bugs waiting for a person: Flow 1 on UAT for Approve PROD Deploy, Flow 2 on PROD for Approve Merge UAT. */
const WAITING = { deployed_uat: 'approve_prod', deployed_prod: 'approve_uat_merge' } as const;

type Deps = { db: Db; clock: Clock; systems: readonly string[] };

export function createServerMetrics({ db, clock, systems }: Deps) {
  const http = new Map<string, { labels: Record<string, string>; observations: HistogramState }>();

  return {
    /** Called once per answered request; `route` is the route's pattern, never the raw URL. */
    observeHttp(method: string, route: string, status: number, seconds: number): void {
      const labels = { method, route, status: `${Math.floor(status / 100)}xx` };
      const key = `${labels.method} ${labels.route} ${labels.status}`;
      let series = http.get(key);
      if (!series) http.set(key, (series = { labels, observations: emptyHistogram(HTTP_BUCKETS) }));
      observe(series.observations, HTTP_BUCKETS, seconds);
    },

    async render(): Promise<string> {
      const [runs, deployments, waiting, unrouted, deliveries, watermarks] = await Promise.all([
        db.selectFrom('runs').select(['system', 'slot', 'status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['system', 'slot', 'status']).execute(),
        db.selectFrom('deployments').select(['system', 'env', 'status', 'started_at', 'finished_at']).where('finished_at', 'is not', null).execute(),
        db
          .selectFrom('bugs')
          .select(['system', 'status', (eb) => eb.fn.countAll<number>().as('n')])
          .where('status', 'in', Object.keys(WAITING))
          .groupBy(['system', 'status'])
          .execute(),
        // Not delivered: messages the worker has not routed to their channels yet, and deliveries
        // (one per message and channel) that are waiting, being sent, or failed.
        db
          .selectFrom('outbox')
          .select(['system', (eb) => eb.fn.countAll<number>().as('n')])
          .where('status', 'in', ['pending', 'routing'])
          .groupBy(['system'])
          .execute(),
        db
          .selectFrom('notification_deliveries')
          .select(['system', 'status', (eb) => eb.fn.countAll<number>().as('n')])
          .where('status', 'in', ['pending', 'sending', 'failed'])
          .groupBy(['system', 'status'])
          .execute(),
        db.selectFrom('scheduler_watermarks').select(['system', 'since']).execute(),
      ]);

      const durations = new Map<string, { labels: Record<string, string>; observations: HistogramState }>();
      for (const d of deployments) {
        const key = `${d.system} ${d.env} ${d.status}`;
        let series = durations.get(key);
        if (!series) durations.set(key, (series = { labels: { system: d.system, env: d.env, outcome: d.status }, observations: emptyHistogram(DEPLOY_BUCKETS) }));
        observe(series.observations, DEPLOY_BUCKETS, Math.max(0, (Date.parse(d.finished_at!) - Date.parse(d.started_at)) / 1000));
      }
      const now = clock.now().getTime();
      const families: MetricFamily[] = [
        {
          name: 'tonic_runs',
          help: 'T1 and T2 runs by system, slot and outcome (running, succeeded, failed, interrupted, missed, ...).',
          type: 'gauge',
          samples: runs.map((r) => ({ labels: { system: r.system, slot: r.slot, outcome: r.status }, value: Number(r.n) })),
        },
        { name: 'tonic_deploy_duration_seconds', help: 'How long deployments took, by system, environment and outcome.', type: 'histogram', buckets: DEPLOY_BUCKETS, series: [...durations.values()] },
        {
          name: 'tonic_approvals_waiting',
          help: 'Bugs waiting for a person to approve: approve_prod (Flow 1, on UAT) or approve_uat_merge (Flow 2, on PROD).',
          type: 'gauge',
          samples: systems.flatMap((system) =>
            Object.entries(WAITING).map(([status, kind]) => ({
              labels: { system, kind },
              value: Number(waiting.find((w) => w.system === system && w.status === status)?.n ?? 0),
            })),
          ),
        },
        {
          name: 'tonic_notifications_queued',
          help: 'Notifications not delivered yet, by system and state (pending: will be tried; failed: gave up, see GET /api/v1/notifications?status=failed).',
          type: 'gauge',
          samples: (() => {
            const queued = new Map<string, { labels: { system: string; state: string }; value: number }>();
            const add = (system: string | null, state: string, n: number) => {
              const key = `${system ?? '_global'} ${state}`;
              const sample = queued.get(key) ?? { labels: { system: system ?? '_global', state }, value: 0 };
              sample.value += Number(n);
              queued.set(key, sample);
            };
            for (const o of unrouted) add(o.system, 'pending', o.n);
            for (const d of deliveries) add(d.system, d.status === 'failed' ? 'failed' : 'pending', d.n);
            return [...queued.values()];
          })(),
        },
        {
          name: 'tonic_scheduler_lag_seconds',
          help: 'How far behind now the scheduler has looked for due slots, per system: grows when no instance is ticking.',
          type: 'gauge',
          samples: watermarks.map((w) => ({ labels: { system: w.system }, value: Math.max(0, (now - Date.parse(w.since)) / 1000) })),
        },
        { name: 'tonic_http_request_duration_seconds', help: 'HTTP requests answered by this instance, by method, route and status class.', type: 'histogram', buckets: HTTP_BUCKETS, series: [...http.values()] },
      ];
      return renderExposition(families);
    },
  };
}

export type ServerMetrics = ReturnType<typeof createServerMetrics>;
