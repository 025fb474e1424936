/** A deployment's post-deploy monitoring over HTTP: its watches, verdicts and samples (for charts). */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, StringEnum } from '../../http/schema-helpers.ts';
import { MONITOR_ACTIONS, MONITOR_BOUNDS, MONITOR_METRICS, WATCH_OUTCOMES } from './monitoring-rules.ts';
import type { MonitoringService } from './monitoring-service.ts';

const Value = Nullable(Type.Number());
const measured = {
  errorRate: { ...Value, description: 'HTTP 5xx error rate, percent' },
  p95Latency: { ...Value, description: 'p95 response time, seconds' },
  memory: { ...Value, description: 'memory usage, percent of monitoring.memoryLimitMb' },
  cpu: { ...Value, description: 'CPU usage, percent of monitoring.cpuCores' },
  authSuccess: { ...Value, description: 'login success rate, percent' },
  requests: { ...Value, description: 'requests the rates were measured over' },
  authAttempts: { ...Value, description: 'login attempts the auth rate was measured over' },
};

const SampleSchema = Type.Object({ seq: Type.Integer(), at: Type.String({ format: 'date-time' }), ...measured, error: Nullable(Type.String({ description: 'why this poll measured nothing' })) });

const BreachSchema = Type.Object({
  metric: StringEnum(MONITOR_METRICS),
  value: Type.Number(),
  threshold: Type.Number(),
  action: StringEnum(MONITOR_ACTIONS.filter((a) => a !== 'ignore')),
  at: Type.String({ format: 'date-time' }),
});

const LimitSchema = Type.Object({
  metric: StringEnum(MONITOR_METRICS),
  label: Type.String(),
  unit: StringEnum(['percent', 'seconds'] as const),
  bound: StringEnum(MONITOR_BOUNDS, { description: 'max: healthy below the limit; min: healthy above it; overBaseline: healthy below the baseline plus threshold percent.' }),
  threshold: Type.Number({ description: 'As configured (for overBaseline: the percent allowed over the baseline).' }),
  limit: Nullable(Type.Number({ description: 'The value samples of this watch are judged against; null: not judged (p95 without a baseline).' })),
  action: StringEnum(MONITOR_ACTIONS),
  sustainedSamples: Type.Integer(),
});

export const WatchSchema = Type.Object({
  id: Type.Integer(),
  deploymentId: Type.Integer(),
  system: Type.String(),
  env: StringEnum(['uat', 'prod'] as const),
  release: Type.String(),
  source: Type.String({ description: 'Where the metrics came from' }),
  outcome: StringEnum(WATCH_OUTCOMES, { description: 'watching while the window runs; then clean, alert, rollback or unavailable; interrupted when the process watching stopped before the window was over' }),
  reason: Nullable(Type.String()),
  baseline: Type.Object({ ...measured, measuredAt: Type.String({ format: 'date-time' }), source: Type.String(), error: Nullable(Type.String()) }),
  breaches: Type.Array(BreachSchema),
  notes: Type.Array(Type.String(), { description: 'metrics that could not be judged, and why' }),
  samples: Type.Integer({ description: 'samples measured' }),
  windowMs: Type.Integer(),
  pollMs: Type.Integer(),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  series: Type.Array(SampleSchema),
  thresholds: Type.Array(LimitSchema, { description: "Each metric's rule as the system configures it now, with the limit it means for this watch (for charts)." }),
});

export const DeploymentMetricsSchema = Type.Object({ deploymentId: Type.Integer(), watches: Type.Array(WatchSchema) });

export function registerMonitoringRoutes(app: FastifyInstance, monitoring: MonitoringService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/systems/:system/deployments/:id/metrics', {
    schema: {
      tags: ['deployments'],
      summary: "A deployment's post-deploy monitoring: each watch window with its baseline, samples and verdict",
      params: Type.Object({ system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false }),
      response: { 200: DeploymentMetricsSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => monitoring.metrics(actorOf(req), req.params.system, req.params.id),
  });
}
