/**
 * The composition root: builds every store and service from configuration. The server, the CLI
 * and the tests all wire Tonic here; tests pass a fake clock and their own database.
 */
import type { DatabaseHandle } from './adapters/db/database.ts';
import { createGitVersionGraph } from './adapters/git/git-version-graph.ts';
import type { TonicConfig } from './config/load-config.ts';
import { createAuditStore } from './features/audit/audit-store.ts';
import { createBugService } from './features/bugs/bug-service.ts';
import { createBugStore } from './features/bugs/bug-store.ts';
import { createEnvironmentService } from './features/environments/environment-service.ts';
import { createEnvironmentStore } from './features/environments/environment-store.ts';
import type { VersionGraph } from './features/environments/flow-rules.ts';
import { createIdentityService } from './features/identity/identity-service.ts';
import { createIdentityStore } from './features/identity/identity-store.ts';
import { createOutboxStore } from './features/outbox/outbox-store.ts';
import { createSystemRegistry } from './features/systems/system-registry.ts';
import type { Clock } from './shared/clock.ts';

export type ComposeOptions = {
  database: DatabaseHandle;
  config: TonicConfig;
  clock: Clock;
  /** Defaults to git ancestry in each system's configured repository. */
  versions?: VersionGraph;
};

export function composeTonic({ database, config, clock, versions }: ComposeOptions) {
  const { db, dialect } = database;
  const systems = createSystemRegistry(config.systems);
  const audit = createAuditStore({ dialect });
  const outbox = createOutboxStore();
  const identity = createIdentityService({ db, store: createIdentityStore(), audit, clock, systems: config.systems });
  const versionGraph =
    versions ?? createGitVersionGraph(new Map(config.systems.flatMap((s) => (s.repositoryPath ? [[s.name, s.repositoryPath] as const] : []))));
  const environments = createEnvironmentService({ db, environments: createEnvironmentStore(), versions: versionGraph, systems, identity, audit, outbox, clock });
  const bugs = createBugService({ db, bugs: createBugStore(), environments, systems, identity, audit, outbox, clock });
  return { db, dialect, config, clock, systems, audit, outbox, identity, environments, bugs, close: () => database.close() };
}

export type Tonic = ReturnType<typeof composeTonic>;
