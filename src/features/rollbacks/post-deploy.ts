/**
 * After every deploy (DESIGN.md decision 9): smoke steps at once; then, when monitoring is wired,
 * the watch window against the baseline taken before the deploy. A failed smoke step rolls the
 * deployment back (or only alerts, per system: smoke.onFailure), and so does a monitoring verdict
 * of "rollback". The caller holds the system's deploy lock throughout; the rollback runs inside it.
 */
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { SmokeReport } from '../smoke/smoke-rules.ts';
import type { SmokeService } from '../smoke/smoke-service.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { MonitorVerdict } from './rollback-rules.ts';
import type { RollbackService, RollbackView } from './rollback-service.ts';

/**
 * The monitoring feature's port (src/features/monitoring/monitoring-service.ts): a baseline taken
 * before the deploy, then a watch window that returns as soon as a rollback-level breach is seen.
 */
export type Monitor<Baseline = unknown> = {
  /** False for a system that configures no monitoring: its deploys are checked by smoke alone. */
  enabledFor?(system: string): boolean;
  baseline(input: { system: string; env: 'uat' | 'prod' }): Promise<Baseline>;
  watch(input: { system: string; env: 'uat' | 'prod'; deploymentId: number; release: string; baseline: Baseline; windowMs?: number; pollMs?: number }): Promise<MonitorVerdict>;
};

export type PostDeployOutcome = {
  /** clean: smoke passed (or none) and the window passed; alerted: a failure that only alerts; rolled_back: the deployment was undone. */
  outcome: 'clean' | 'alerted' | 'rolled_back';
  smoke: SmokeReport | null;
  monitoring: MonitorVerdict | null;
  rollback: RollbackView | null;
  /** One line for the run report. */
  detail: string;
};

type PostDeployDeps = { smoke: SmokeService; rollbacks: RollbackService; systems: SystemRegistry; clock: Clock; monitor?: Monitor };

export function createPostDeploy(deps: PostDeployDeps) {
  const { smoke, rollbacks } = deps;
  const monitorFor = (system: string): Monitor | null => (deps.monitor && (deps.monitor.enabledFor?.(system) ?? true) ? deps.monitor : null);

  async function rollBack(input: { system: string; env: 'uat' | 'prod'; deploymentId: number; reason: string; trigger: 'smoke' | 'monitoring' }) {
    const r = await rollbacks.automatic(input);
    const what =
      r.status === 'failed'
        ? `rollback ${r.id} FAILED: ${r.detail}`
        : `rolled back to ${r.target.version} (rollback ${r.id}, ${r.status}${r.validation ? `: ${r.validation.detail}` : ''})`;
    return { r, what };
  }

  return {
    /** Before the deploy: the monitoring baseline (null when monitoring is not wired or cannot answer). */
    async prepare(input: { system: string; env: 'uat' | 'prod' }): Promise<unknown> {
      const monitor = monitorFor(input.system);
      if (!monitor) return null;
      try {
        return await monitor.baseline(input);
      } catch {
        return null;
      }
    },

    /** After a successful deploy: smoke, then the watch window; rolls back when either says so. */
    async verify(input: { system: string; env: 'uat' | 'prod'; deploymentId: number; version: string; commit: string; baseline: unknown; actor: string }): Promise<PostDeployOutcome> {
      const report = await smoke.afterDeploy({ system: input.system, env: input.env, deploymentId: input.deploymentId, version: input.version, commit: input.commit, actor: input.actor });
      let alerted: string | null = null;
      if (report && !report.ok) {
        const failed = report.steps.find((s) => s.result === 'fail')!;
        const reason = `smoke step "${failed.name}" failed after ${input.version} went to ${input.env}: expected ${failed.expected}, got ${failed.actual}`;
        if (smoke.onFailure(input.system) === 'rollback') {
          try {
            const { r, what } = await rollBack({ system: input.system, env: input.env, deploymentId: input.deploymentId, reason, trigger: 'smoke' });
            return { outcome: 'rolled_back', smoke: report, monitoring: null, rollback: r, detail: `${reason}; ${what}` };
          } catch (error) {
            // Refused before anything changed (no previous release on record, say): people decide.
            if (!(error instanceof DomainError)) throw error;
            alerted = `${reason}; the automatic rollback was refused: ${error.message}`;
          }
        } else alerted = `${reason} (smoke.onFailure is alert: not rolled back)`;
      }
      const monitor = monitorFor(input.system);
      const smokeLine = report ? (report.ok ? `smoke passed ${report.steps.length}/${report.steps.length}` : alerted!) : 'no smoke steps configured';
      if (!monitor) return { outcome: alerted ? 'alerted' : 'clean', smoke: report, monitoring: null, rollback: null, detail: smokeLine };

      let verdict: MonitorVerdict;
      try {
        verdict = await monitor.watch({ system: input.system, env: input.env, deploymentId: input.deploymentId, release: input.version, baseline: input.baseline });
      } catch (error) {
        verdict = { outcome: 'unavailable', breaches: [], samples: 0 };
        alerted ??= `monitoring unavailable: ${(error as Error).message}`;
      }
      if (verdict.outcome === 'rollback') {
        const breach = verdict.breaches.find((b) => b.action === 'rollback') ?? verdict.breaches[0];
        const reason = `monitoring after ${input.version} went to ${input.env}: ${breach ? `${breach.metric} at ${breach.value} breached ${breach.threshold}` : 'a rollback-level breach'}`;
        try {
          const { r, what } = await rollBack({ system: input.system, env: input.env, deploymentId: input.deploymentId, reason, trigger: 'monitoring' });
          return { outcome: 'rolled_back', smoke: report, monitoring: verdict, rollback: r, detail: `${smokeLine}; ${reason}; ${what}` };
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          return { outcome: 'alerted', smoke: report, monitoring: verdict, rollback: null, detail: `${smokeLine}; ${reason}; the automatic rollback was refused: ${error.message}` };
        }
      }
      const watched = `monitoring ${verdict.outcome} over ${verdict.samples} samples`;
      return { outcome: alerted || verdict.outcome === 'alert' ? 'alerted' : 'clean', smoke: report, monitoring: verdict, rollback: null, detail: `${smokeLine}; ${watched}` };
    },
  };
}

export type PostDeploy = ReturnType<typeof createPostDeploy>;
