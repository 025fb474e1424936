/** The configured systems, looked up by name; an unknown name is a 404 that lists the known ones. */
import type { SystemConfig } from '../../config/load-config.ts';
import { DomainError } from '../../shared/errors.ts';

export function createSystemRegistry(systems: readonly SystemConfig[]) {
  const byName = new Map(systems.map((s) => [s.name, s]));
  return {
    list: (): readonly SystemConfig[] => systems,
    get(name: string): SystemConfig {
      const s = byName.get(name);
      if (!s) {
        throw new DomainError('not_found', `system "${name}" is not configured; known systems: ${[...byName.keys()].join(', ') || 'none'}`);
      }
      return s;
    },
  };
}

export type SystemRegistry = ReturnType<typeof createSystemRegistry>;
