/**
 * Deploying a release to a multi-service system (DESIGN.md decision 11; SEED.md "Multi-Service
 * Deploy"): the plan (which services, in which order) computed before anything starts, then one
 * service at a time: its deploy driver, its health check, its own smoke steps; only then the next.
 * The first failure stops the deploy, and the services already started go back to the release the
 * environment ran before, in exact reverse order, each validated the same way (the migration
 * service runs its down migration first). Every move of a service is saved on the deployment record
 * with an audit event in the same transaction, so the dashboard follows it live.
 *
 * The caller (the deployment service) holds the system's deploy lock and owns the deployment record.
 */
import { createCommandDriver } from '../../adapters/deploy/command-driver.ts';
import { DeployFailure, fillPlaceholders, type DeployLog } from '../../adapters/deploy/deploy-driver.ts';
import type { DeployDrivers } from '../../adapters/deploy/deploy-drivers.ts';
import { checkHealth } from '../../adapters/deploy/health-check.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { ServiceConfig, SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { DeploymentStore } from '../deployments/deployment-store.ts';
import type { Repositories } from '../runs/run-service.ts';
import type { SmokeRunner } from '../smoke/smoke-runner.ts';
import { pendingSteps, planDeploy, servicesTouched, type DeployDirection, type DeploymentServices, type ServicePlan, type ServiceStatus, type ServiceStep } from './service-rules.ts';

type ServiceDeployerDeps = {
  db: Db;
  deployments: DeploymentStore;
  drivers: DeployDrivers;
  smoke: SmokeRunner;
  audit: AuditStore;
  clock: Clock;
  repositories: Repositories;
  /** The system's repository folder: the default working directory of deploy commands. */
  workdirOf(system: string): string;
};

/** What goes on a service: a release (or the one the environment ran before). */
export type ServiceTarget = { version: string; tag: string; commit: string };

export type ServicesOutcome = {
  ok: boolean;
  error: string | null;
  /** The service whose deploy, health check or smoke steps failed. */
  failed: string | null;
  /** What a failure undid, in the order it was undone, and whether each came back healthy. */
  rolledBack: { service: string; ok: boolean; detail: string }[];
  services: DeploymentServices;
};

const HEALTH_POLL_MS = 500;

/** A service's health check or smoke steps said no: what they saw goes on its progress record. */
class ServiceCheckFailure extends DeployFailure {
  constructor(
    message: string,
    readonly health: string | null,
    readonly smoke: ServiceStep['smoke'],
  ) {
    super(message);
  }
}

export function createServiceDeployer(deps: ServiceDeployerDeps) {
  const { db, deployments, drivers, audit, clock } = deps;

  /** The services whose files differ between two commits; null when git cannot tell (no repository, unknown commit). */
  async function touchedBetween(config: SystemConfig, from: string | null, to: string): Promise<string[] | null> {
    if (!from || !deps.repositories.has(config.name)) return null;
    if (from === to) return [];
    try {
      const repo = await deps.repositories.open(config.name);
      return servicesTouched(await repo.changedFiles(from, to), config.services!).services;
    } catch {
      return null;
    }
  }

  return {
    /**
     * The plan of a deploy, before it starts. Forward: the services the release's bugs touch, and any
     * whose files differ between what the environment runs and the release (so no service is left
     * between two releases). Back (a rollback): the services the undone deployment put there, and any
     * that differ between the two releases; in the exact reverse order.
     */
    async plan(
      config: SystemConfig,
      input: { env: 'uat' | 'prod'; direction: DeployDirection; release: { commit: string; services: readonly string[] }; current: { commit: string | null; version: string | null }; undo?: DeploymentServices | null },
    ): Promise<ServicePlan> {
      const services = config.services!;
      const names = new Set(services.map((s) => s.name));
      const named =
        input.direction === 'deploy'
          ? input.release.services.filter((s) => names.has(s))
          : (input.undo?.steps ?? []).filter((s) => s.startedAt !== null && s.status !== 'rolled_back').map((s) => s.service);
      const differ = (await touchedBetween(config, input.current.commit, input.release.commit)) ?? [];
      const extra = differ.filter((s) => !named.includes(s));
      const plan = planDeploy(services, [...named, ...extra], input.direction);
      const runs = input.current.version ?? input.current.commit?.slice(0, 10) ?? 'nothing recorded';
      if (named.length + extra.length === 0) return plan;
      const whyNamed = named.length === 0 ? null : input.direction === 'deploy' ? `its fixes touch ${named.join(', ')}` : `the deployment undone changed ${named.join(', ')}`;
      const whyExtra = extra.length === 0 ? null : `${extra.join(', ')} ${extra.length === 1 ? 'differs' : 'differ'} from what ${input.env} runs (${runs})`;
      return { ...plan, why: [whyNamed, whyExtra].filter(Boolean).join('; ') };
    },

    /** A fresh progress record of a plan: every service pending. */
    progressOf(config: SystemConfig, plan: ServicePlan): DeploymentServices {
      return pendingSteps(plan, new Set(config.services!.filter((s) => s.migrations).map((s) => s.name)));
    },

    /**
     * Puts `release` on each service of the plan in order. A failure undoes (forward deploys only)
     * the services already started, in reverse order, back to `previous`.
     */
    async execute(input: {
      config: SystemConfig;
      env: 'uat' | 'prod';
      deploymentId: number;
      release: ServiceTarget;
      /** What the environment ran before: where a failure takes the services back; the down migration's {to}. */
      previous: ServiceTarget | null;
      progress: DeploymentServices;
      log: DeployLog;
      actor: string;
    }): Promise<ServicesOutcome> {
      const { config, env, deploymentId, release, previous, log, actor } = input;
      const progress: DeploymentServices = structuredClone(input.progress);
      const serviceOf = (name: string) => config.services!.find((s) => s.name === name)!;
      const stepOf = (name: string) => progress.steps.find((s) => s.service === name)!;

      /** Saves the progress with an audit event, in one transaction: the dashboard's live update. */
      async function move(name: string, status: ServiceStatus, change: Partial<ServiceStep> = {}, data: Record<string, unknown> = {}) {
        Object.assign(stepOf(name), { status, ...change });
        const at = clock.now();
        await db.transaction().execute(async (trx) => {
          await deployments.saveServices(trx, deploymentId, progress);
          await audit.append(trx, {
            stream: config.name,
            actor,
            action: `deployment.service_${status}`,
            subject: `deployment:${deploymentId}`,
            data: { env, service: name, release: release.version, ...data },
            at,
          });
        });
      }

      /**
       * One service onto `target`: (its down migration, going back), the driver, the health check,
       * its smoke steps. Resolves with the health line and smoke report, or throws a DeployFailure.
       */
      async function putOn(svc: ServiceConfig, target: ServiceTarget, back: { from: ServiceTarget } | null) {
        const say: DeployLog = (stream, line) => log(stream, `[${svc.name}] ${line}`);
        if (back && svc.migrations && svc.downMigration) {
          const command = svc.downMigration.command.map((part) => fillPlaceholders(part, { from: back.from.version, to: target.version }));
          say('tonic', `down migration ${back.from.version} → ${target.version}`);
          const driver = createCommandDriver({ command, workdir: svc.downMigration.workdir ?? undefined, timeoutMs: svc.downMigration.timeoutMs });
          try {
            await driver.deploy({ system: config.name, env, service: svc.name, version: back.from.version, tag: back.from.tag, commit: back.from.commit, workdir: deps.workdirOf(config.name) }, say);
          } catch (error) {
            throw new DeployFailure(`the down migration failed (${(error as Error).message})`);
          }
        }
        const driver = drivers.forService(config, svc, env);
        if (!driver) throw new DeployFailure(`no deploy driver is configured: set services[].environments.${env}.deploy or environments.${env}.deploy`);
        say('tonic', `deploying ${target.version} (${target.commit.slice(0, 10)}) to ${env} with the ${driver.kind} driver`);
        await driver.deploy({ system: config.name, env, service: svc.name, version: target.version, tag: target.tag, commit: target.commit, workdir: deps.workdirOf(config.name) }, say);
        const health = svc.environments[env].health;
        let healthLine = 'no health check configured';
        if (health) {
          const result = await checkHealth({ ...health, intervalMs: HEALTH_POLL_MS }, target.version);
          healthLine = `${result.detail} (${result.attempts} attempt(s))`;
          say('tonic', `health check: ${healthLine}`);
          if (!result.ok) throw new ServiceCheckFailure(`health check failed within ${Math.round(health.timeoutMs / 1000)} s: ${result.detail}`, healthLine, null);
        }
        const plan = svc.smoke?.[env];
        let smoke = null;
        if (plan && plan.steps.length > 0) {
          smoke = await deps.smoke.run(plan, { env, version: target.version, commit: target.commit, url: svc.environments[env].url, workdir: deps.workdirOf(config.name) });
          const failed = smoke.steps.find((s) => s.result === 'fail');
          say('tonic', failed ? `smoke step "${failed.name}" failed: expected ${failed.expected}, got ${failed.actual}` : `smoke passed ${smoke.steps.length}/${smoke.steps.length}`);
          if (failed) throw new ServiceCheckFailure(`smoke step "${failed.name}" failed: expected ${failed.expected}, got ${failed.actual}`, healthLine, smoke);
        }
        say('tonic', `${svc.name} runs ${target.version} on ${env}`);
        return { health: healthLine, smoke };
      }

      const why = (error: unknown) => (error instanceof DeployFailure ? error.message : `unexpected error: ${(error as Error).message}`);
      const checks = (error: unknown) => (error instanceof ServiceCheckFailure ? { health: error.health, smoke: error.smoke } : {});
      const back = progress.direction === 'rollback' && previous ? { from: previous } : null;

      for (const name of progress.order) {
        const svc = serviceOf(name);
        await move(name, 'deploying', { startedAt: clock.now().toISOString() });
        try {
          const done = await putOn(svc, release, back);
          await move(name, 'healthy', { finishedAt: clock.now().toISOString(), health: done.health, smoke: done.smoke });
        } catch (error) {
          const problem = why(error);
          log('tonic', `[${name}] failed: ${problem}`);
          await move(name, 'failed', { finishedAt: clock.now().toISOString(), error: problem, ...checks(error) }, { error: problem });
          const error_ = `service ${name}: ${problem}`;
          if (progress.direction === 'rollback') {
            const left = progress.order.slice(progress.order.indexOf(name) + 1);
            const rest = left.length > 0 ? `; not rolled back: ${left.join(', ')}` : '';
            return { ok: false, error: `${error_}${rest}`, failed: name, rolledBack: [], services: progress };
          }
          const rolledBack = await undo(progress.order.slice(0, progress.order.indexOf(name) + 1).reverse());
          return { ok: false, error: `${error_}; ${summary(rolledBack)}`, failed: name, rolledBack, services: progress };
        }
      }
      return { ok: true, error: null, failed: null, rolledBack: [], services: progress };

      /** The services started, in reverse order, back to `previous`; the first that cannot stops the rest. */
      async function undo(names: string[]): Promise<ServicesOutcome['rolledBack']> {
        const out: ServicesOutcome['rolledBack'] = [];
        if (names.length === 0) return out;
        if (!previous) {
          for (const name of names) out.push({ service: name, ok: false, detail: `nothing is recorded as running on ${env} before: no release to go back to` });
          return out;
        }
        log('tonic', `rolling back ${names.join(' → ')} to ${previous.version}, in reverse order`);
        for (const name of names) {
          const startedAt = clock.now().toISOString();
          const failedHere = stepOf(name).status === 'failed';
          Object.assign(stepOf(name), { rollback: { startedAt, finishedAt: null, ok: null, detail: `going back to ${previous.version}` } });
          try {
            const done = await putOn(serviceOf(name), previous, { from: release });
            const detail = `back on ${previous.version}: ${done.health}${done.smoke ? `; smoke passed ${done.smoke.steps.length}/${done.smoke.steps.length}` : ''}`;
            await move(name, 'rolled_back', { rollback: { startedAt, finishedAt: clock.now().toISOString(), ok: true, detail } }, { to: previous.version });
            out.push({ service: name, ok: true, detail });
          } catch (error) {
            const detail = `going back to ${previous.version} failed: ${why(error)}`;
            log('tonic', `[${name}] ${detail}`);
            await move(name, 'failed', { rollback: { startedAt, finishedAt: clock.now().toISOString(), ok: false, detail }, ...(failedHere ? {} : { error: detail }) }, { to: previous.version, error: detail });
            out.push({ service: name, ok: false, detail });
            const left = names.slice(names.indexOf(name) + 1);
            for (const l of left) out.push({ service: l, ok: false, detail: `not rolled back: ${name} could not go back first (reverse order)` });
            break;
          }
        }
        return out;
      }

      function summary(rolledBack: ServicesOutcome['rolledBack']): string {
        const ok = rolledBack.filter((r) => r.ok).map((r) => r.service);
        const notOk = rolledBack.filter((r) => !r.ok);
        if (notOk.length === 0) return `rolled back ${ok.join(' → ')} to ${previous!.version}`;
        return `${ok.length > 0 ? `rolled back ${ok.join(' → ')} to ${previous?.version}; ` : ''}NOT rolled back: ${notOk.map((r) => `${r.service} (${r.detail})`).join(', ')}: check ${env} now`;
      }
    },
  };
}

export type ServiceDeployer = ReturnType<typeof createServiceDeployer>;
