/**
 * Smoke tests right after every deploy and every rollback (DESIGN.md decision 9): runs the
 * system's steps against the environment, stores the results with the deployment, and announces
 * a failure (`smoke.failed`) in the same transaction. What a failure leads to (rollback or alert)
 * is the post-deploy orchestration's decision.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { DeploymentStore } from '../deployments/deployment-store.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { SmokeFailureAction, SmokeReport } from './smoke-rules.ts';
import type { SmokeRunner } from './smoke-runner.ts';

type SmokeDeps = {
  db: Db;
  deployments: DeploymentStore;
  systems: SystemRegistry;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  runner: SmokeRunner;
  workdirOf(system: string): string;
};

export type SmokeInput = { system: string; env: 'uat' | 'prod'; deploymentId: number; version: string; commit: string; actor: string; rollbackId?: number };

export function createSmokeService(deps: SmokeDeps) {
  const { db, deployments, systems, audit, outbox, clock, runner } = deps;
  return {
    /** What a failed step leads to on this system; null when it has no smoke steps. */
    onFailure(system: string): SmokeFailureAction | null {
      return systems.get(system).smoke?.onFailure ?? null;
    },

    /** Runs the steps; null when the system declares none for this environment. */
    async afterDeploy(input: SmokeInput): Promise<SmokeReport | null> {
      const config = systems.get(input.system);
      const plan = config.smoke?.environments[input.env];
      if (!plan || plan.steps.length === 0) return null;
      const report = await runner.run(plan, {
        env: input.env,
        version: input.version,
        commit: input.commit,
        url: config.environments[input.env].url,
        workdir: deps.workdirOf(input.system),
      });
      const at = clock.now();
      await db.transaction().execute(async (trx) => {
        await deployments.saveSmoke(trx, input.deploymentId, report);
        const failed = report.steps.find((s) => s.result === 'fail');
        const data = {
          deploymentId: input.deploymentId,
          env: input.env,
          release: input.version,
          passed: report.steps.filter((s) => s.result === 'pass').length,
          steps: report.steps.length,
          ...(input.rollbackId !== undefined ? { rollbackId: input.rollbackId } : {}),
          ...(failed ? { step: failed.name, expected: failed.expected, actual: failed.actual } : {}),
        };
        await audit.append(trx, { stream: input.system, actor: input.actor, action: failed ? 'smoke.failed' : 'smoke.passed', subject: `deployment:${input.deploymentId}`, data, at });
        if (failed) {
          await outbox.enqueue(trx, { system: input.system, event: 'smoke.failed', payload: data, idempotencyKey: `smoke.failed:${input.deploymentId}`, at });
        }
      });
      return report;
    },
  };
}

export type SmokeService = ReturnType<typeof createSmokeService>;
