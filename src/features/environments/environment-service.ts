/**
 * What runs on UAT and PROD, and the flow a bug confirmed now would take.
 * Until deployments record versions themselves, an admin (or the deploy tooling) records them.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { EnvironmentName } from '../bugs/bug-statuses.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { EnvironmentStore } from './environment-store.ts';
import { chooseFlow, type FlowChoice, type VersionGraph } from './flow-rules.ts';

type EnvironmentDeps = {
  db: Db;
  environments: EnvironmentStore;
  versions: VersionGraph;
  systems: SystemRegistry;
  identity: IdentityService;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
};

const COMMIT = /^[0-9a-f]{7,64}$/;

export function createEnvironmentService({ db, environments, versions, systems, identity, audit, outbox, clock }: EnvironmentDeps) {
  async function flowChoice(system: string): Promise<FlowChoice> {
    const envs = await environments.get(db, system);
    const relation = await versions.relate(system, envs.uat.commit, envs.prod.commit);
    return chooseFlow(relation, envs.uat, envs.prod);
  }

  return {
    flowChoice,

    async describe(actor: Actor, system: string) {
      const config = systems.get(system);
      assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, 'bugs.read', system);
      const envs = await environments.get(db, system);
      const choice = chooseFlow(await versions.relate(system, envs.uat.commit, envs.prod.commit), envs.uat, envs.prod);
      return {
        system,
        environments: (['uat', 'prod'] as const).map((env) => ({ ...envs[env], url: config.environments[env].url, line: config.environments[env].line })),
        flow: choice,
      };
    },

    async record(actor: Actor, system: string, env: EnvironmentName, input: { version?: string | null; commit: string }) {
      systems.get(system);
      assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, 'environments.record', system);
      if (!COMMIT.test(input.commit)) {
        throw new DomainError('validation_failed', `commit "${input.commit}" is not a git commit id: give 7 to 64 lower-case hex digits`);
      }
      const at = clock.now();
      await db.transaction().execute(async (trx) => {
        const before = (await environments.get(trx, system))[env];
        await environments.record(trx, system, env, { version: input.version ?? null, commit: input.commit, by: actor.username, at });
        const data = { env, version: input.version ?? null, commit: input.commit, previous: { version: before.version, commit: before.commit }, by: actor.username };
        await audit.append(trx, { stream: system, actor: actor.username, action: 'environment.recorded', subject: `environment:${system}/${env}`, data, at });
        await outbox.enqueue(trx, { system, event: 'environment.recorded', payload: data, idempotencyKey: `environment.recorded:${system}:${env}:${at.toISOString()}`, at });
      });
      return (await environments.get(db, system))[env];
    },
  };
}

export type EnvironmentService = ReturnType<typeof createEnvironmentService>;
