/** Wires the pre-deploy checklist: its store, the probes of each system (built once), the service. */
import type { Db } from '../../adapters/db/schema.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { IdentityService } from '../identity/identity-service.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { ProbeName } from './checklist-rules.ts';
import { createChecklistService } from './checklist-service.ts';
import { createChecklistStore } from './checklist-store.ts';
import type { Probe } from './probes/probe.ts';
import { buildProbes, type ProbeDeps } from './probes/probe-set.ts';

export type ChecklistWiring = { db: Db; systems: SystemRegistry; identity: IdentityService; audit: AuditStore; outbox: OutboxStore; clock: Clock } & Omit<ProbeDeps, 'db'>;

export function wireChecklists(deps: ChecklistWiring) {
  const built = new Map<string, Map<ProbeName, Probe>>();
  const probesOf = (system: SystemConfig) => {
    let probes = built.get(system.name);
    if (!probes) {
      probes = system.checklist ? buildProbes(system.checklist, { ...deps }) : new Map();
      built.set(system.name, probes);
    }
    return probes;
  };
  return createChecklistService({ ...deps, store: createChecklistStore(), probesOf });
}
