/**
 * The composition root: builds every store and service from configuration. The server, the CLI
 * and the tests all wire Tonic here; tests pass a fake clock and their own database.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Analyzer } from './adapters/analyze/diff-analyzer.ts';
import type { DatabaseHandle } from './adapters/db/database.ts';
import { createDeployDrivers } from './adapters/deploy/deploy-drivers.ts';
import { createRepositories } from './adapters/git/repositories.ts';
import { createGitVersionGraph } from './adapters/git/git-version-graph.ts';
import { createMetricsProviders } from './adapters/monitor/metrics-provider.ts';
import type { TonicConfig } from './config/load-config.ts';
import { createAnalysisService } from './features/analysis/analysis-service.ts';
import { createAnalysisStore } from './features/analysis/analysis-store.ts';
import { createAuditStore } from './features/audit/audit-store.ts';
import { createBugService } from './features/bugs/bug-service.ts';
import { createBugStore } from './features/bugs/bug-store.ts';
import { createDeploymentService } from './features/deployments/deployment-service.ts';
import { createDeploymentStore } from './features/deployments/deployment-store.ts';
import { createEnvironmentService } from './features/environments/environment-service.ts';
import { createEnvironmentStore } from './features/environments/environment-store.ts';
import type { VersionGraph } from './features/environments/flow-rules.ts';
import { createIdentityService } from './features/identity/identity-service.ts';
import { createIdentityStore } from './features/identity/identity-store.ts';
import { createMonitoringService } from './features/monitoring/monitoring-service.ts';
import { createMonitoringStore } from './features/monitoring/monitoring-store.ts';
import { createServerMetrics } from './features/observability/server-metrics.ts';
import { createOutboxStore } from './features/outbox/outbox-store.ts';
import { createReleaseService } from './features/releases/release-service.ts';
import { createReleaseStore } from './features/releases/release-store.ts';
import { createRunService } from './features/runs/run-service.ts';
import { createRunStore } from './features/runs/run-store.ts';
import { createScheduler } from './features/runs/scheduler.ts';
import { createSystemRegistry } from './features/systems/system-registry.ts';
import type { Clock } from './shared/clock.ts';

export type ComposeOptions = {
  database: DatabaseHandle;
  config: TonicConfig;
  clock: Clock;
  /** TONIC_HOME: where remote repositories are cloned. */
  home: string;
  /** Defaults to git ancestry in each system's repository. */
  versions?: VersionGraph;
  /** Defaults to each system's configured analyzer (built-in, or a language model with it as fallback). */
  analyzer?: Analyzer;
  /** Names this process in run claims; unique per instance. */
  instance?: string;
  /** How long a run's claim lasts without renewal (decision 6). */
  leaseMs?: number;
  /** How monitoring waits between polls (default: real time). */
  sleep?: (ms: number) => Promise<void>;
};

export function composeTonic({ database, config, clock, home, versions, analyzer, instance, leaseMs = 60_000, sleep = waitRealTime }: ComposeOptions) {
  const { db, dialect } = database;
  const instanceId = instance ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const systems = createSystemRegistry(config.systems);
  const audit = createAuditStore();
  const outbox = createOutboxStore();
  const identity = createIdentityService({ db, store: createIdentityStore(), audit, clock, systems: config.systems });
  const repositories = createRepositories(config.systems, home);
  const versionGraph = versions ?? createGitVersionGraph(repositories);
  const environmentStore = createEnvironmentStore();
  const environments = createEnvironmentService({ db, environments: environmentStore, versions: versionGraph, systems, identity, audit, outbox, clock });
  const bugStore = createBugStore();
  const bugs = createBugService({ db, bugs: bugStore, environments, systems, identity, audit, outbox, clock, fixes: repositories });
  const releases = createReleaseStore();
  const deploymentStore = createDeploymentStore();
  const deployments = createDeploymentService({
    db,
    deployments: deploymentStore,
    environments: environmentStore,
    systems,
    drivers: createDeployDrivers(),
    audit,
    outbox,
    clock,
    workdirOf: (system) => systems.get(system).repositoryPath ?? home,
    identity,
  });
  const monitoring = createMonitoringService({ db, store: createMonitoringStore(), systems, providers: createMetricsProviders(), audit, outbox, clock, identity, sleep });
  const analysis = createAnalysisService({
    db,
    store: createAnalysisStore(),
    audit,
    systems,
    identity,
    bugStore,
    bugs,
    environments: environmentStore,
    repositories,
    clock,
  });
  const runStore = createRunStore();
  const runs = createRunService({
    db,
    runs: runStore,
    bugs,
    bugStore,
    releases,
    deployments,
    environments: environmentStore,
    versions: versionGraph,
    repositories,
    analyzer: analyzer ?? analysis.analyzer,
    systems,
    identity,
    outbox,
    clock,
    instance: instanceId,
    leaseMs,
  });
  const scheduler = createScheduler({ db, runs: runStore, runService: runs, deployments: deploymentStore, systems, audit, outbox, clock, instance: instanceId, leaseMs });
  return {
    db,
    dialect,
    config,
    clock,
    instance: instanceId,
    systems,
    audit,
    outbox,
    identity,
    environments,
    bugs,
    analysis,
    releases: createReleaseService({ db, releases, systems, identity }),
    deploymentStore,
    deployments,
    monitoring,
    runs,
    runStore,
    scheduler,
    metrics: createServerMetrics({ db, clock, systems: config.systems.map((s) => s.name) }),
    close: () => database.close(),
  };
}

export type Tonic = ReturnType<typeof composeTonic>;

function waitRealTime(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
