/**
 * The composition root: builds every store and service from configuration. The server, the CLI
 * and the tests all wire Tonic here; tests pass a fake clock and their own database.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Analyzer } from './adapters/analyze/diff-analyzer.ts';
import type { DatabaseHandle } from './adapters/db/database.ts';
import { createDeployDrivers, type DeployDrivers } from './adapters/deploy/deploy-drivers.ts';
import { createRepositories } from './adapters/git/repositories.ts';
import { createGitVersionGraph } from './adapters/git/git-version-graph.ts';
import { createMetricsProviders } from './adapters/monitor/metrics-provider.ts';
import type { TonicConfig } from './config/load-config.ts';
import { createAnalysisService } from './features/analysis/analysis-service.ts';
import { createAnalysisStore } from './features/analysis/analysis-store.ts';
import { createAuditStore } from './features/audit/audit-store.ts';
import { createBugService } from './features/bugs/bug-service.ts';
import { createBugStore } from './features/bugs/bug-store.ts';
import { createDeployLock } from './features/deployments/deploy-lock.ts';
import { createDeployLockStore } from './features/deployments/deploy-lock-store.ts';
import { wireChecklists } from './features/checklists/wire-checklists.ts';
import { createDeploymentService } from './features/deployments/deployment-service.ts';
import { createDeploymentStore } from './features/deployments/deployment-store.ts';
import { createEnvironmentService } from './features/environments/environment-service.ts';
import { createEnvironmentStore } from './features/environments/environment-store.ts';
import type { FreezeFlags } from './features/freezes/freeze-rules.ts';
import { createFreezeService } from './features/freezes/freeze-service.ts';
import { createFreezeStore } from './features/freezes/freeze-store.ts';
import { createHotfixService } from './features/hotfixes/hotfix-service.ts';
import { createHotfixStore } from './features/hotfixes/hotfix-store.ts';
import type { VersionGraph } from './features/environments/flow-rules.ts';
import { createIdentityService } from './features/identity/identity-service.ts';
import { createIdentityStore } from './features/identity/identity-store.ts';
import { createMonitoringService } from './features/monitoring/monitoring-service.ts';
import { createMonitoringStore } from './features/monitoring/monitoring-store.ts';
import { createLiveEvents } from './features/live-events/live-events.ts';
import { wireNotifications } from './features/notifications/wire-notifications.ts';
import { createServerMetrics } from './features/observability/server-metrics.ts';
import { createOutboxStore } from './features/outbox/outbox-store.ts';
import { createReleaseService } from './features/releases/release-service.ts';
import { createReleaseStore } from './features/releases/release-store.ts';
import { createPostDeploy, type Monitor } from './features/rollbacks/post-deploy.ts';
import { createRollbackService } from './features/rollbacks/rollback-service.ts';
import { createRollbackStore } from './features/rollbacks/rollback-store.ts';
import { createRehearsalService, type ScratchTonic } from './features/rehearsal/rehearsal-service.ts';
import { wireRecovery } from './features/recovery/wire-recovery.ts';
import { migrateToLatest, openDatabase } from './adapters/db/database.ts';
import { createRunService } from './features/runs/run-service.ts';
import { createRunStore } from './features/runs/run-store.ts';
import { createScheduler } from './features/runs/scheduler.ts';
import { createSmokeRunner } from './features/smoke/smoke-runner.ts';
import { createSmokeService } from './features/smoke/smoke-service.ts';
import { createServiceDeployer } from './features/services/service-deployer.ts';
import { createSessionService } from './features/sessions/session-service.ts';
import { createSessionStore } from './features/sessions/session-store.ts';
import { createSystemRegistry } from './features/systems/system-registry.ts';
import type { Clock } from './shared/clock.ts';
import { createLogger, type Logger } from './shared/logger.ts';

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
  /** How long a run's claim (and a deploy lock) lasts without renewal (decision 6). */
  leaseMs?: number;
  /** DEPLOY_FREEZE* of the environment (settings.ts): a freeze of every system. */
  freezeEnvironment?: FreezeFlags | null;
  /** Post-deploy monitoring; default: the monitoring service (Prometheus or the service's /metrics). */
  monitor?: Monitor;
  /** How monitoring waits between polls (default: real time). */
  sleep?: (ms: number) => Promise<void>;
  /** The server's one logger (JSON lines); default: warnings and errors to standard error. */
  logger?: Logger;
  /** How releases are put on environments; default: each environment's configured driver (a rehearsal records instead). */
  drivers?: DeployDrivers;
};

export function composeTonic({
  database,
  config,
  clock,
  home,
  versions,
  analyzer,
  instance,
  leaseMs = 60_000,
  freezeEnvironment = null,
  monitor,
  sleep = waitRealTime,
  logger = createLogger({ level: 'warn', destination: process.stderr }),
  drivers = createDeployDrivers(),
}: ComposeOptions) {
  const { db, dialect } = database;
  const instanceId = instance ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const systems = createSystemRegistry(config.systems);
  const live = createLiveEvents(database);
  const audit = createAuditStore({ afterAppend: live.afterAppend });
  const outbox = createOutboxStore();
  const identityStore = createIdentityStore();
  const identity = createIdentityService({ db, store: identityStore, audit, clock, systems: config.systems });
  const sessions = createSessionService({ db, store: createSessionStore(), users: identityStore, identity, audit, clock, systems });
  const repositories = createRepositories(config.systems, home);
  const versionGraph = versions ?? createGitVersionGraph(repositories);
  const environmentStore = createEnvironmentStore();
  const environments = createEnvironmentService({ db, environments: environmentStore, versions: versionGraph, systems, identity, audit, outbox, clock });
  const bugStore = createBugStore();
  const bugs = createBugService({ db, bugs: bugStore, environments, systems, identity, audit, outbox, clock, fixes: repositories });
  const releases = createReleaseStore();
  const deploymentStore = createDeploymentStore();
  const workdirOf = (system: string) => systems.get(system).repositoryPath ?? home;
  const smokeRunner = createSmokeRunner({ clock });
  const deployments = createDeploymentService({
    db,
    deployments: deploymentStore,
    environments: environmentStore,
    systems,
    drivers,
    audit,
    outbox,
    clock,
    workdirOf,
    identity,
    services: createServiceDeployer({ db, deployments: deploymentStore, drivers, smoke: smokeRunner, audit, clock, repositories, workdirOf }),
    logger,
  });
  const freezes = createFreezeService({ db, store: createFreezeStore(), systems, identity, audit, outbox, clock, environment: freezeEnvironment });
  const monitoring = createMonitoringService({ db, store: createMonitoringStore(), systems, providers: createMetricsProviders(), audit, outbox, clock, identity, sleep });
  const monitorInUse: Monitor = monitor ?? monitoring;
  const lockStore = createDeployLockStore();
  const lock = createDeployLock({ db, locks: lockStore, deployments: deploymentStore, systems, audit, outbox, clock, instance: instanceId, leaseMs });
  const smoke = createSmokeService({ db, deployments: deploymentStore, systems, audit, outbox, clock, runner: smokeRunner, workdirOf });
  const rollbacks = createRollbackService({
    db,
    rollbacks: createRollbackStore(),
    bugs,
    bugStore,
    releases,
    deployments,
    deploymentStore,
    environments: environmentStore,
    repositories,
    smoke,
    lock,
    monitor: monitorInUse,
    systems,
    identity,
    audit,
    outbox,
    clock,
    workdirOf,
  });
  const postDeploy = createPostDeploy({ smoke, rollbacks, systems, clock, monitor: monitorInUse });
  const checklists = wireChecklists({
    db,
    systems,
    identity,
    audit,
    outbox,
    clock,
    environments: environmentStore,
    releases,
    repositories,
    freezes: {
      source: 'the freeze rules (environment, configuration, declared freezes, calendars)',
      at: (system, at) => freezes.at(system, at),
    },
  });
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
  const analyzerInUse = analyzer ?? analysis.analyzer;
  const hotfixes = createHotfixService({
    db,
    hotfixes: createHotfixStore(),
    bugs,
    bugStore,
    releases,
    deployments,
    environments: environmentStore,
    versions: versionGraph,
    repositories,
    fixes: repositories,
    analyzer: analyzerInUse,
    systems,
    identity,
    audit,
    outbox,
    clock,
    freezes,
    deployLock: lock,
    postDeploy,
  });
  // Work a stopped process left under way (rollbacks, watches, hotfix deploys): closed once its owner is gone.
  const recovery = wireRecovery({ db, systems, locks: lockStore, lock, monitoring, rollbacks, hotfixes, clock, logger });
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
    analyzer: analyzerInUse,
    systems,
    identity,
    outbox,
    clock,
    freezes,
    lock,
    postDeploy,
    instance: instanceId,
    leaseMs,
    checklist: checklists,
    logger,
  });
  const scheduler = createScheduler({
    db,
    runs: runStore,
    runService: runs,
    deployments: deploymentStore,
    systems,
    audit,
    outbox,
    clock,
    instance: instanceId,
    leaseMs,
    beforeSlots: (now) => checklists.beforeSlots(now),
    lock,
    recoverOrphans: (now) => recovery.sweep(now),
    sweepers: [{ name: 'emergency hotfix SLA and review', sweep: (now) => hotfixes.sweep(now) }],
    logger,
  });
  const rehearsals = createRehearsalService({
    db,
    systems,
    environments: environmentStore,
    deployments: deploymentStore,
    freezes,
    identity,
    clock,
    home,
    workdirOf,
    // The scratch Tonic of a rehearsal is wired here too, like any other.
    compose: (options): ScratchTonic => composeTonic(options),
    async openScratchDatabase() {
      const scratch = await openDatabase({ url: ':memory:' });
      await migrateToLatest(scratch);
      return scratch;
    },
  });
  const notifications = wireNotifications({ db, dialect, config, systems, identity, audit, bugs, runs, runStore, environments, clock, instance: instanceId, logger });
  return {
    db,
    dialect,
    config,
    clock,
    instance: instanceId,
    logger,
    systems,
    audit,
    outbox,
    identity,
    sessions,
    live,
    environments,
    bugs,
    analysis,
    releases: createReleaseService({ db, releases, systems, identity }),
    deploymentStore,
    deployments,
    freezes,
    lock,
    smoke,
    rollbacks,
    postDeploy,
    monitoring,
    runs,
    runStore,
    checklists,
    scheduler,
    hotfixes,
    recovery,
    notifications,
    rehearsals,
    metrics: createServerMetrics({ db, clock, systems: config.systems.map((s) => s.name) }),
    close: async () => {
      await live.close();
      await database.close();
    },
  };
}

export type Tonic = ReturnType<typeof composeTonic>;

function waitRealTime(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
