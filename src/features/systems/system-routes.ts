import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { PROBLEM_RESPONSES, StringEnum } from '../../http/schema-helpers.ts';
import { SEVERITIES } from '../bugs/bug-statuses.ts';
import type { SystemRegistry } from './system-registry.ts';

export const SystemSchema = Type.Object({
  name: Type.String(),
  title: Type.String(),
  timeZone: Type.String(),
  schedule: Type.Object({ t1: Type.String(), t2: Type.String() }),
  environments: Type.Object({ uat: Type.Object({ url: Type.String(), line: Type.String() }), prod: Type.Object({ url: Type.String(), line: Type.String() }) }),
  modules: Type.Array(Type.String()),
  pipelineSeverities: Type.Array(StringEnum(SEVERITIES)),
});

export const SystemListSchema = Type.Object({ items: Type.Array(SystemSchema) });

export function registerSystemRoutes(app: FastifyInstance, systems: SystemRegistry): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get('/systems', {
    schema: { tags: ['systems'], summary: 'Configured systems', response: { 200: SystemListSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => {
      actorOf(req);
      return {
        items: systems.list().map((s) => ({
          name: s.name,
          title: s.title,
          timeZone: s.timeZone,
          schedule: { t1: s.t1, t2: s.t2 },
          environments: s.environments,
          modules: s.modules,
          pipelineSeverities: s.pipelineSeverities,
        })),
      };
    },
  });
}
