import type { DeploymentRow, Reader, Tx } from '../../adapters/db/schema.ts';
import type { DeploymentServices } from '../services/service-rules.ts';
import type { SmokeReport } from '../smoke/smoke-rules.ts';

export const DEPLOYMENT_STATUSES = ['running', 'succeeded', 'failed', 'unknown'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export type DeploymentView = {
  id: number;
  system: string;
  env: 'uat' | 'prod';
  runId: number | null;
  releaseId: number;
  previousReleaseId: number | null;
  /** What the environment ran before (also when it was recorded by hand, without a release). */
  previousVersion: string | null;
  previousCommit: string | null;
  status: DeploymentStatus;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** The smoke steps run right after the deploy, when the system has any. */
  smoke: SmokeReport | null;
  /** Multi-service systems: the plan (order, reverse order) shown before the deploy and each service's progress; null for one service. */
  services: DeploymentServices | null;
};

export type LogLine = { at: string; stream: string; line: string };

export function createDeploymentStore() {
  const toView = (r: DeploymentRow): DeploymentView => ({
    id: r.id,
    system: r.system,
    env: r.env as 'uat' | 'prod',
    runId: r.run_id,
    releaseId: r.release_id,
    previousReleaseId: r.previous_release_id,
    previousVersion: r.previous_version,
    previousCommit: r.previous_commit,
    status: r.status as DeploymentStatus,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    smoke: r.smoke ? (JSON.parse(r.smoke) as SmokeReport) : null,
    services: r.services ? (JSON.parse(r.services) as DeploymentServices) : null,
  });

  return {
    async start(
      trx: Tx,
      d: {
        system: string;
        env: string;
        runId: number | null;
        releaseId: number;
        previousReleaseId: number | null;
        previousVersion?: string | null;
        previousCommit?: string | null;
        services?: DeploymentServices | null;
        at: Date;
      },
    ): Promise<DeploymentView> {
      const row = await trx
        .insertInto('deployments')
        .values({
          system: d.system,
          env: d.env,
          run_id: d.runId,
          release_id: d.releaseId,
          previous_release_id: d.previousReleaseId,
          previous_version: d.previousVersion ?? null,
          previous_commit: d.previousCommit ?? null,
          status: 'running',
          started_at: d.at.toISOString(),
          finished_at: null,
          error: null,
          services: d.services ? JSON.stringify(d.services) : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toView(row);
    },

    async finish(trx: Tx, id: number, status: DeploymentStatus, at: Date, error: string | null): Promise<void> {
      await trx.updateTable('deployments').set({ status, finished_at: at.toISOString(), error }).where('id', '=', id).execute();
    },

    /** The services' progress, saved as each service moves (in the transaction that audits the move). */
    async saveServices(trx: Tx, id: number, services: DeploymentServices): Promise<void> {
      await trx.updateTable('deployments').set({ services: JSON.stringify(services) }).where('id', '=', id).execute();
    },

    /** The deployment running on a system now (under its deploy lock there is at most one). */
    async running(db: Reader, system: string): Promise<DeploymentView | undefined> {
      const row = await db.selectFrom('deployments').selectAll().where('system', '=', system).where('status', '=', 'running').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row ? toView(row) : undefined;
    },

    async saveSmoke(trx: Tx, id: number, report: SmokeReport): Promise<void> {
      await trx.updateTable('deployments').set({ smoke: JSON.stringify(report) }).where('id', '=', id).execute();
    },

    /** The newest deployment that succeeded on an environment: what a rollback undoes. */
    async lastSucceeded(db: Reader, system: string, env: string): Promise<DeploymentView | undefined> {
      const row = await db
        .selectFrom('deployments')
        .selectAll()
        .where('system', '=', system)
        .where('env', '=', env)
        .where('status', '=', 'succeeded')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toView(row) : undefined;
    },

    async appendLogs(db: Reader, deploymentId: number, lines: readonly LogLine[]): Promise<void> {
      if (lines.length === 0) return;
      await db
        .insertInto('deployment_logs')
        .values(lines.map((l) => ({ deployment_id: deploymentId, at: l.at, stream: l.stream, line: l.line.slice(0, 4000) })))
        .execute();
    },

    /**
     * Deployments outside any run (rollbacks, hotfixes) still running on a system whose deploy lock
     * lapsed since `since`: they become "unknown".
     */
    async markUnknownWithoutRun(trx: Tx, system: string, since: string, at: Date, why: string): Promise<number[]> {
      const rows = await trx
        .updateTable('deployments')
        .set({ status: 'unknown', finished_at: at.toISOString(), error: why })
        .where('system', '=', system)
        .where('run_id', 'is', null)
        .where('status', '=', 'running')
        .where('started_at', '>=', since)
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },

    /** Deployments outside any run on a system, started since `since`, left "unknown" (their process stopped). */
    async unknownWithoutRunSince(db: Reader, system: string, since: string): Promise<number[]> {
      const rows = await db
        .selectFrom('deployments')
        .select('id')
        .where('system', '=', system)
        .where('run_id', 'is', null)
        .where('status', '=', 'unknown')
        .where('started_at', '>=', since)
        .orderBy('id')
        .limit(100)
        .execute();
      return rows.map((r) => r.id);
    },

    /** Deployments still running for runs whose lease lapsed: they become "unknown". */
    async markUnknown(trx: Tx, runId: number, at: Date, why: string): Promise<number[]> {
      const rows = await trx
        .updateTable('deployments')
        .set({ status: 'unknown', finished_at: at.toISOString(), error: why })
        .where('run_id', '=', runId)
        .where('status', '=', 'running')
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },

    async get(db: Reader, system: string, id: number): Promise<(DeploymentView & { log: LogLine[] }) | undefined> {
      const row = await db.selectFrom('deployments').selectAll().where('system', '=', system).where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const log = await db.selectFrom('deployment_logs').select(['at', 'stream', 'line']).where('deployment_id', '=', id).orderBy('id').limit(10_000).execute();
      return { ...toView(row), log };
    },

    async list(db: Reader, system: string, query: { runId?: number; beforeId?: number; limit: number }): Promise<DeploymentView[]> {
      let q = db.selectFrom('deployments').selectAll().where('system', '=', system).orderBy('id', 'desc').limit(query.limit);
      if (query.runId !== undefined) q = q.where('run_id', '=', query.runId);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      return (await q.execute()).map(toView);
    },
  };
}

export type DeploymentStore = ReturnType<typeof createDeploymentStore>;
