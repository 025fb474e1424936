/**
 * Fires T1 and T2 of every system at their local times (DESIGN.md decision 6). Each tick:
 * runs whose lease lapsed become `interrupted` (their deployment `unknown`, people alerted, nothing
 * re-deployed); every slot due since the last one is claimed by a single insert, so across any
 * number of instances each (system, slot, instant) runs once; a slot found later than the grace
 * period is recorded as missed and announced instead of run.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { DeployLock } from '../deployments/deploy-lock.ts';
import type { DeploymentStore } from '../deployments/deployment-store.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import { slotsBetween } from '../schedule/schedule-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { RunService } from './run-service.ts';
import { interruptedRunProgress } from './run-rules.ts';
import { RUN_SLOTS, type RunStore, type RunView } from './run-store.ts';
import type { AuditStore } from '../audit/audit-store.ts';

type SchedulerDeps = {
  db: Db;
  runs: RunStore;
  runService: RunService;
  deployments: DeploymentStore;
  /** Its lease sweep also releases deploy locks whose holder died. */
  lock: DeployLock;
  systems: SystemRegistry;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  instance: string;
  leaseMs: number;
  /**
   * Periodic checks that ride on each tick, on the same clock (the emergency hotfix SLA warnings
   * and review reminders): each runs before the slots, and a failing one does not stop the runs.
   */
  sweepers?: readonly { name: string; sweep(now: Date): Promise<unknown> }[];
  /**
   * Work other than runs a stopped process left under way (rollbacks, watches, hotfix deploys),
   * closed first on each tick, while the lapsed deploy lock still says whose it was.
   */
  recoverOrphans?: (now: Date) => Promise<unknown>;
  /** Work due ahead of the slots on each tick: the pre-deploy checklist's early check before T1. */
  beforeSlots?: (now: Date) => Promise<unknown>;
  logger?: Logger;
};

export function createScheduler(deps: SchedulerDeps) {
  const { db, runs, runService, deployments, systems, audit, outbox, clock } = deps;
  const logger = deps.logger ?? silentLogger();
  let ticking: Promise<RunView[]> | null = null;
  /** Set at shutdown: no more slots are claimed. */
  let stopped = false;

  async function sweepInterrupted(now: Date): Promise<void> {
    await deps.recoverOrphans?.(now).catch((e: unknown) => logger.error({ err: e }, 'scheduler: the recovery of work left under way failed'));
    await deps.lock.sweepExpired(now);
    for (const run of await runs.expired(db, now)) {
      await db.transaction().execute(async (trx) => {
        const why = `the instance ${run.claimedBy} stopped renewing its lease at ${run.leaseUntil} (process stopped or killed)`;
        if (!(await runs.markInterrupted(trx, run.id, now, why))) return;
        const unknown = await deployments.markUnknown(trx, run.id, now, `${why}: whether the deploy finished is unknown; check the environment`);
        // The stopped process kept the run's steps; what it did is read back from the database.
        const { done, notDone } = interruptedRunProgress(await runs.progress(trx, run.id));
        await runs.saveReport(trx, run.id, {
          ...run.report,
          steps: [...run.report.steps, { at: now.toISOString(), message: `interrupted: ${why}` }],
          interrupted: { reason: why, done, notDone },
        });
        const data = { runId: run.id, slot: run.slot, scheduledFor: run.scheduledFor, deployments: unknown, reason: why, done, notDone };
        await audit.append(trx, { stream: run.system, actor: 'tonic', action: 'run.interrupted', subject: `run:${run.id}`, data, at: now });
        await outbox.enqueue(trx, { system: run.system, event: 'run.interrupted', payload: data, idempotencyKey: `run.interrupted:${run.id}`, at: now });
      });
    }
  }

  async function tickOnce(): Promise<RunView[]> {
    const now = clock.now();
    await sweepInterrupted(now);
    for (const sweeper of deps.sweepers ?? []) {
      try {
        await sweeper.sweep(now);
      } catch (error) {
        logger.error({ err: error }, `scheduler: the ${sweeper.name} check failed`);
      }
    }
    await deps.beforeSlots?.(now).catch((e: unknown) => logger.error({ err: e }, 'pre-deploy work before the slots failed'));
    const done: RunView[] = [];
    for (const system of systems.list()) {
      const since = await runs.watermark(db, system.name, now);
      for (const slot of RUN_SLOTS) {
        const time = slot === 't1' ? system.t1 : system.t2;
        for (const at of slotsBetween(new Date(since.getTime() - 1), now, system.timeZone, time)) {
          if (stopped) return done;
          if (await runs.exists(db, system.name, slot, at)) continue;
          const late = now.getTime() - at.getTime();
          const leaseUntil = new Date(now.getTime() + deps.leaseMs);
          if (late > system.graceMinutes * 60_000) {
            const missed = await runs.claim(db, { system: system.name, slot, scheduledFor: at, trigger: 'schedule', instance: deps.instance, leaseUntil, at: now, status: 'missed' });
            if (missed) {
              const payload = { runId: missed.id, slot, scheduledFor: at.toISOString(), lateMinutes: Math.round(late / 60_000), graceMinutes: system.graceMinutes };
              await db.transaction().execute((trx) => outbox.enqueue(trx, { system: system.name, event: 'run.missed', payload, idempotencyKey: `run.missed:${missed.id}`, at: now }));
              done.push(missed);
            }
            continue;
          }
          const trigger = late > 60_000 ? 'startup' : 'schedule';
          const run = await runs.claim(db, { system: system.name, slot, scheduledFor: at, trigger, instance: deps.instance, leaseUntil, at: now });
          if (run) done.push(await runService.execute(run));
        }
      }
    }
    return done;
  }

  return {
    /** One pass; concurrent calls share it. Returns the runs this instance claimed. */
    tick(): Promise<RunView[]> {
      ticking ??= tickOnce().finally(() => {
        ticking = null;
      });
      return ticking;
    },

    /** Ticks on a real timer (the server); tests call tick() with a fake clock instead. */
    start(intervalMs = 15_000): () => Promise<void> {
      stopped = false;
      const timer = setInterval(() => void this.tick().catch((e: unknown) => logger.error({ err: e }, 'scheduler tick failed')), intervalMs);
      void this.tick().catch((e: unknown) => logger.error({ err: e }, 'scheduler tick failed'));
      return async () => {
        this.stopClaiming();
        clearInterval(timer);
        await ticking?.catch(() => undefined);
      };
    },

    /** Shutdown: from now on no slot is claimed; a run already claimed goes on. */
    stopClaiming(): void {
      stopped = true;
    },

    /**
     * Shutdown, after the grace period: each run this process is still carrying out is recorded
     * as interrupted, with what it did and what it did not, its unfinished deployments as
     * unknown, an audit event and a run.interrupted message. Returns the runs recorded.
     */
    async interruptRunning(reason: string): Promise<{ runId: number; system: string; deployments: number[] }[]> {
      const now = clock.now();
      const recorded: { runId: number; system: string; deployments: number[] }[] = [];
      for (const { run, report } of runService.active()) {
        await db.transaction().execute(async (trx) => {
          if (!(await runs.markInterrupted(trx, run.id, now, reason))) return;
          const unknown = await deployments.markUnknown(trx, run.id, now, `${reason}: whether the deploy finished is unknown; check the environment`);
          const done = report.steps.map((s) => s.message);
          const inFlight = report.releases.filter((r) => r.deployed === null);
          const notDone = [
            ...inFlight.map((r) => `the deploy of ${r.version} to ${r.env} did not finish (deployment ${unknown.join(', ') || 'not started'}: unknown)`),
            inFlight.length > 0
              ? 'the steps after it did not run: bugs not yet moved stay where they were, nothing more was announced, smoke and monitoring did not run'
              : 'the run stopped after the last step above: what it had not reached did not run (a watch or rollback it had under way is recorded and announced on its own)',
          ];
          await runs.saveReport(trx, run.id, {
            ...report,
            steps: [...report.steps, { at: now.toISOString(), message: `interrupted: ${reason}` }],
            interrupted: { reason, done, notDone },
          });
          const data = { runId: run.id, slot: run.slot, scheduledFor: run.scheduledFor, deployments: unknown, reason, done, notDone };
          await audit.append(trx, { stream: run.system, actor: 'tonic', action: 'run.interrupted', subject: `run:${run.id}`, data, at: now });
          await outbox.enqueue(trx, { system: run.system, event: 'run.interrupted', payload: data, idempotencyKey: `run.interrupted:${run.id}`, at: now });
          recorded.push({ runId: run.id, system: run.system, deployments: unknown });
        });
      }
      return recorded;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
