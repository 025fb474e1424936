/** The API's shapes of a deploy plan and a deployment's per-service progress (OpenAPI and response serialization). */
import { Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../http/schema-helpers.ts';
import { SERVICE_STATUSES } from './service-rules.ts';

export const ServicePlanSchema = Type.Object(
  {
    direction: StringEnum(['deploy', 'rollback'] as const, { description: 'deploy: a release going out; rollback: back to the previous release.' }),
    order: Type.Array(Type.String(), { description: 'The services in the order they go, one at a time: migrations first, then dependency order, ties by name.' }),
    rollbackOrder: Type.Array(Type.String(), { description: 'What a failure part-way undoes: the exact reverse (empty for a rollback, which stops and escalates).' }),
    why: Type.String({ description: 'Why these services: what the fixes touch, what differs from what the environment runs.' }),
  },
  { description: 'The deploy plan of a multi-service system, computed before the deploy starts.' },
);

export const ServiceStepSchema = Type.Object({
  service: Type.String(),
  status: StringEnum(SERVICE_STATUSES),
  migrations: Type.Boolean({ description: 'The service that holds the database migrations.' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  health: Nullable(Type.String({ description: "The health check's answer, or why it failed." })),
  smoke: Nullable(Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description: "The service's own smoke steps: ok, failedStep, steps." })),
  error: Nullable(Type.String({ description: 'Why this service failed.' })),
  rollback: Nullable(
    Type.Object(
      { startedAt: Type.String({ format: 'date-time' }), finishedAt: Nullable(Type.String({ format: 'date-time' })), ok: Nullable(Type.Boolean()), detail: Type.String() },
      { description: 'Undone after a failure: back on the previous release and validated (ok), or not.' },
    ),
  ),
});

export const DeploymentServicesSchema = Type.Composite([ServicePlanSchema, Type.Object({ steps: Type.Array(ServiceStepSchema, { description: 'Each service in plan order: pending, deploying, healthy, failed, rolled_back.' }) })], {
  description: 'Multi-service systems: the plan shown before the deploy and where each service stands; null for a system of one service.',
});
