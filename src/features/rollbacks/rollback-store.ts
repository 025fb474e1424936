/**
 * Rollbacks and their HISTORY entries. A rollback row is written before anything is changed, so a
 * rollback that stops halfway is still on record, with how far it got.
 */
import type { Reader, RollbackRow, Tx } from '../../adapters/db/schema.ts';
import type { SmokeReport } from '../smoke/smoke-rules.ts';
import type { MigrationRecord, RollbackBug, RollbackImpact, RollbackRecord, RollbackStatus, RollbackTrigger, Validation } from './rollback-rules.ts';

const json = <T>(text: string | null, fallback: T): T => (text ? (JSON.parse(text) as T) : fallback);

export function toRollbackRecord(r: RollbackRow): RollbackRecord {
  return {
    id: r.id,
    system: r.system,
    env: r.env as 'uat' | 'prod',
    status: r.status as RollbackStatus,
    impact: r.impact as RollbackImpact,
    trigger: r.trigger as RollbackTrigger,
    reason: r.reason,
    by: r.requested_by,
    deployed: { deploymentId: r.deployment_id, releaseId: r.from_release_id, version: r.from_version, commit: r.from_commit, at: r.from_deployed_at },
    target: { releaseId: r.to_release_id, version: r.to_version, commit: r.to_commit },
    rollbackDeploymentId: r.rollback_deployment_id,
    scope: json<string[]>(r.scope, []),
    migration: json<MigrationRecord | null>(r.migration, null),
    bugs: json<RollbackBug[]>(r.bugs, []),
    smoke: json<SmokeReport | null>(r.smoke, null),
    validation: json<Validation | null>(r.validation, null),
    detail: r.detail,
    rootCause: r.root_cause,
    fixPlan: r.fix_plan,
    notified: r.notified === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

export type NewRollback = Pick<RollbackRecord, 'system' | 'env' | 'status' | 'impact' | 'trigger' | 'reason' | 'by' | 'deployed' | 'target' | 'scope'> & { at: Date };

export type RollbackChanges = Partial<
  Pick<RollbackRecord, 'status' | 'target' | 'rollbackDeploymentId' | 'scope' | 'migration' | 'bugs' | 'smoke' | 'validation' | 'detail' | 'rootCause' | 'fixPlan' | 'notified'>
> & { finished?: boolean };

/** The statuses of a rollback its process is still carrying out. */
const UNDER_WAY: RollbackStatus[] = ['running', 'validating'];

export function createRollbackStore() {
  return {
    async insert(trx: Tx, r: NewRollback): Promise<RollbackRecord> {
      const at = r.at.toISOString();
      const row = await trx
        .insertInto('rollbacks')
        .values({
          system: r.system,
          env: r.env,
          status: r.status,
          impact: r.impact,
          trigger: r.trigger,
          reason: r.reason,
          requested_by: r.by,
          deployment_id: r.deployed.deploymentId,
          from_release_id: r.deployed.releaseId,
          from_version: r.deployed.version,
          from_commit: r.deployed.commit,
          from_deployed_at: r.deployed.at,
          to_release_id: r.target.releaseId,
          to_version: r.target.version,
          to_commit: r.target.commit,
          rollback_deployment_id: null,
          scope: JSON.stringify(r.scope),
          migration: null,
          bugs: '[]',
          smoke: null,
          validation: null,
          detail: null,
          root_cause: null,
          fix_plan: null,
          notified: 0,
          created_at: at,
          updated_at: at,
          finished_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRollbackRecord(row);
    },

    /**
     * Changes a rollback. `underWay`: only while it is still running or validating (its own
     * execution), so a rollback recovered as interrupted keeps that record (decision record 0024).
     */
    async update(trx: Tx, id: number, c: RollbackChanges, at: Date, options: { underWay?: boolean } = {}): Promise<boolean> {
      const iso = at.toISOString();
      let q = trx
        .updateTable('rollbacks')
        .set({
          ...(c.status !== undefined ? { status: c.status } : {}),
          ...(c.target !== undefined ? { to_release_id: c.target.releaseId, to_version: c.target.version, to_commit: c.target.commit } : {}),
          ...(c.rollbackDeploymentId !== undefined ? { rollback_deployment_id: c.rollbackDeploymentId } : {}),
          ...(c.scope !== undefined ? { scope: JSON.stringify(c.scope) } : {}),
          ...(c.migration !== undefined ? { migration: JSON.stringify(c.migration) } : {}),
          ...(c.bugs !== undefined ? { bugs: JSON.stringify(c.bugs) } : {}),
          ...(c.smoke !== undefined ? { smoke: c.smoke === null ? null : JSON.stringify(c.smoke) } : {}),
          ...(c.validation !== undefined ? { validation: c.validation === null ? null : JSON.stringify(c.validation) } : {}),
          ...(c.detail !== undefined ? { detail: c.detail } : {}),
          ...(c.rootCause !== undefined ? { root_cause: c.rootCause } : {}),
          ...(c.fixPlan !== undefined ? { fix_plan: c.fixPlan } : {}),
          ...(c.notified !== undefined ? { notified: c.notified ? 1 : 0 } : {}),
          ...(c.finished ? { finished_at: iso } : {}),
          updated_at: iso,
        })
        .where('id', '=', id);
      if (options.underWay) q = q.where('status', 'in', UNDER_WAY);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Rollbacks still running or validating, oldest first: what a stopped process may have left. */
    async unfinished(db: Reader): Promise<RollbackRecord[]> {
      const rows = await db.selectFrom('rollbacks').selectAll().where('status', 'in', UNDER_WAY).orderBy('id').limit(1000).execute();
      return rows.map(toRollbackRecord);
    },

    async get(db: Reader, system: string, id: number): Promise<RollbackRecord | undefined> {
      const row = await db.selectFrom('rollbacks').selectAll().where('system', '=', system).where('id', '=', id).executeTakeFirst();
      return row ? toRollbackRecord(row) : undefined;
    },

    async list(db: Reader, system: string, query: { beforeId?: number; limit: number }): Promise<RollbackRecord[]> {
      let q = db.selectFrom('rollbacks').selectAll().where('system', '=', system).orderBy('id', 'desc').limit(query.limit);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      return (await q.execute()).map(toRollbackRecord);
    },
  };
}

export type RollbackStore = ReturnType<typeof createRollbackStore>;
