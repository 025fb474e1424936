/** Reading releases: what was built, from what, with which bugs and notes. */
import type { Db } from '../../adapters/db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { ReleaseStore } from './release-store.ts';

export function createReleaseService({ db, releases, systems, identity }: { db: Db; releases: ReleaseStore; systems: SystemRegistry; identity: IdentityService }) {
  const authorize = (actor: Actor, system: string) => {
    systems.get(system);
    assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, 'bugs.read', system);
  };
  return {
    async list(actor: Actor, system: string, query: { beforeId?: number; limit: number }) {
      authorize(actor, system);
      return releases.list(db, system, query);
    },
    async get(actor: Actor, system: string, id: number) {
      authorize(actor, system);
      const release = await releases.get(db, system, id);
      if (!release) throw new DomainError('not_found', `release ${id} does not exist on system ${system}`);
      return release;
    },
  };
}

export type ReleaseService = ReturnType<typeof createReleaseService>;
