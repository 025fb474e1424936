/**
 * Puts one release on one environment: the deploy driver, then the health check, then (only on
 * success) the environment's recorded version moves. Every step lands in the deployment's log.
 * A system with services goes service by service (src/features/services): the plan is computed and
 * stored on the deployment before anything starts, and a failure undoes the services already done.
 */
import type { DeployDrivers } from '../../adapters/deploy/deploy-drivers.ts';
import { DeployFailure, type DeployLog } from '../../adapters/deploy/deploy-driver.ts';
import { checkHealth } from '../../adapters/deploy/health-check.ts';
import type { Db, Tx } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { EnvironmentStore } from '../environments/environment-store.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import type { ReleaseView } from '../releases/release-store.ts';
import type { ServiceDeployer, ServicesOutcome } from '../services/service-deployer.ts';
import { describePlan, type DeployDirection, type DeploymentServices, type ServicePlan } from '../services/service-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { DeploymentStore, DeploymentView, LogLine } from './deployment-store.ts';

type DeploymentDeps = {
  db: Db;
  deployments: DeploymentStore;
  environments: EnvironmentStore;
  systems: SystemRegistry;
  drivers: DeployDrivers;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  /** The system's repository folder: the default working directory of deploy commands. */
  workdirOf(system: string): string;
  identity: IdentityService;
  /** Multi-service systems: the plan and the service-by-service deploy. */
  services?: ServiceDeployer;
  /** Each deployment logs through a child carrying its id (its output at debug level). */
  logger?: Logger;
};

export type DeployOutcome = {
  ok: boolean;
  deploymentId: number;
  error: string | null;
  /** Multi-service systems: the plan and where each service ended; null for one service. */
  services?: DeploymentServices | null;
  /** The service that failed, when one did. */
  failedService?: string | null;
  /** What the failure undid, in order. */
  rolledBack?: ServicesOutcome['rolledBack'];
};

export type DeployInput = {
  system: string;
  env: 'uat' | 'prod';
  release: ReleaseView;
  runId: number | null;
  actor: string;
  /** `rollback`: `release` is what the environment goes back to; the services go in reverse order. */
  direction?: DeployDirection;
  /** A rollback: the deployment it undoes (its services go back). */
  undo?: DeploymentView | null;
};

export function createDeploymentService(deps: DeploymentDeps) {
  const { db, deployments, environments, systems, drivers, audit, outbox, clock } = deps;

  const authorize = (actor: Actor, system: string) => {
    systems.get(system);
    assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'bugs.read', system);
  };

  /**
   * What a deploy of `release` to `env` would do service by service, computed before it starts
   * (shown in `GET …/plan`, stored on the run and the deployment); null for a system of one service.
   */
  async function planFor(input: Pick<DeployInput, 'system' | 'env' | 'direction' | 'undo'> & { release: Pick<ReleaseView, 'commit' | 'services'> }): Promise<ServicePlan | null> {
    const config = systems.get(input.system);
    if (!config.services || !deps.services) return null;
    const current = (await environments.get(db, input.system))[input.env];
    return deps.services.plan(config, {
      env: input.env,
      direction: input.direction ?? 'deploy',
      release: input.release,
      current: { commit: current.commit, version: current.version },
      undo: input.undo?.services ?? null,
    });
  }

  return {
    /**
     * The deploys outside any run (a rollback's, a hotfix's) that a stopped process left in flight on
     * a system since `since`: those still running become unknown, with why; returns every one left
     * unknown since then (the lock sweep may have marked them first). Decision record 0024.
     */
    async markLeftInFlight(trx: Tx, system: string, since: string, at: Date, why: string): Promise<number[]> {
      const marked = await deployments.markUnknownWithoutRun(trx, system, since, at, why);
      const unknown = await deployments.unknownWithoutRunSince(trx, system, since);
      return [...new Set([...marked, ...unknown])].sort((a, b) => a - b);
    },

    async list(actor: Actor, system: string, query: { runId?: number; beforeId?: number; limit: number }) {
      authorize(actor, system);
      return deployments.list(db, system, query);
    },

    /** One deployment with its log. */
    async get(actor: Actor, system: string, id: number) {
      authorize(actor, system);
      const found = await deployments.get(db, system, id);
      if (!found) throw new DomainError('not_found', `deployment ${id} does not exist on system ${system}`);
      return found;
    },

    planFor,

    async deploy(input: DeployInput): Promise<DeployOutcome> {
      const config = systems.get(input.system);
      const { release, env } = input;
      const plan = await planFor(input);
      const progress = plan && deps.services ? deps.services.progressOf(config, plan) : null;
      const started = await db.transaction().execute(async (trx) => {
        const current = (await environments.get(trx, input.system))[env];
        return deployments.start(trx, {
          system: input.system,
          env,
          runId: input.runId,
          releaseId: release.id,
          previousReleaseId: current.releaseId,
          previousVersion: current.version,
          previousCommit: current.commit,
          services: progress,
          at: clock.now(),
        });
      });

      const logger = (deps.logger ?? silentLogger()).child({ deploymentId: started.id, system: input.system, env });
      logger.info({ release: release.version, commit: release.commit }, `deploying ${release.version} to ${env}`);
      // Log lines are written in batches while the deploy runs, so a watcher sees progress.
      let pending: LogLine[] = [];
      let flushing = Promise.resolve();
      const flush = () => {
        const lines = pending;
        pending = [];
        flushing = flushing.then(() => deployments.appendLogs(db, started.id, lines));
        return flushing;
      };
      const log: DeployLog = (stream, line) => {
        logger.debug({ stream }, line);
        pending.push({ at: clock.now().toISOString(), stream, line });
        if (pending.length >= 50) void flush();
      };
      const timer = setInterval(() => void flush(), 1000);

      let error: string | null = null;
      let outcome: ServicesOutcome | null = null;
      try {
        if (progress && deps.services) {
          log('tonic', `deploying ${release.version} (${release.commit.slice(0, 10)}) to ${env}: ${describePlan(progress)}; ${progress.why}`);
          const previous = started.previousCommit ? { version: started.previousVersion ?? started.previousCommit.slice(0, 10), tag: started.previousVersion ?? started.previousCommit, commit: started.previousCommit } : null;
          outcome = await deps.services.execute({ config, env, deploymentId: started.id, release, previous, progress, log, actor: input.actor });
          if (!outcome.ok) throw new DeployFailure(outcome.error ?? 'a service failed');
        } else {
          const driver = drivers.for(config, env);
          if (!driver) throw new DeployFailure(`no deploy driver is configured for ${input.system}: set systems[].environments.${env}.deploy`);
          log('tonic', `deploying ${release.version} (${release.commit.slice(0, 10)}) to ${env} with the ${driver.kind} driver`);
          await driver.deploy(
            { system: input.system, env, service: input.system, version: release.version, tag: release.tag, commit: release.commit, workdir: deps.workdirOf(input.system) },
            log,
          );
          const health = config.environments[env].health;
          if (health) {
            const result = await checkHealth({ ...health, intervalMs: 500 }, release.version);
            log('tonic', `health check: ${result.detail} (${result.attempts} attempt(s))`);
            if (!result.ok) throw new DeployFailure(`health check failed: ${result.detail}`);
          }
        }
        log('tonic', `${env} runs ${release.version}`);
      } catch (e) {
        error = e instanceof DeployFailure ? e.message : `unexpected error: ${(e as Error).message}`;
        log('tonic', `deploy failed: ${error}`);
      } finally {
        clearInterval(timer);
        await flush();
      }

      if (error) logger.warn({ error }, `deploy of ${release.version} to ${env} failed`);
      else logger.info(`${env} runs ${release.version}`);
      const at = clock.now();
      await db.transaction().execute(async (trx) => {
        await deployments.finish(trx, started.id, error ? 'failed' : 'succeeded', at, error);
        const multi = outcome
          ? {
              services: outcome.services.order,
              ...(outcome.failed ? { service: outcome.failed, rolledBack: outcome.rolledBack, previousVersion: started.previousVersion } : {}),
            }
          : {};
        const data = { env, deploymentId: started.id, release: release.version, commit: release.commit, runId: input.runId, ...(error ? { error } : {}), ...multi };
        if (error) {
          await audit.append(trx, { stream: input.system, actor: input.actor, action: 'deployment.failed', subject: `deployment:${started.id}`, data, at });
          await outbox.enqueue(trx, { system: input.system, event: 'deploy.failed', payload: data, idempotencyKey: `deploy.failed:${started.id}`, at });
        } else {
          await environments.record(trx, input.system, env, { version: release.version, commit: release.commit, releaseId: release.id, by: input.actor, at });
          await audit.append(trx, { stream: input.system, actor: input.actor, action: 'deployment.succeeded', subject: `deployment:${started.id}`, data, at });
        }
      });
      return { ok: error === null, deploymentId: started.id, error, services: outcome?.services ?? null, failedService: outcome?.failed ?? null, rolledBack: outcome?.rolledBack ?? [] };
    },
  };
}

export type DeploymentService = ReturnType<typeof createDeploymentService>;
