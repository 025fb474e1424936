/**
 * Runs: one row per (system, slot, scheduled instant), claimed by a single insert under a unique
 * key (DESIGN.md decision 6). The claimer holds a lease it renews while it works.
 */
import type { Reader, RunRow, Tx } from '../../adapters/db/schema.ts';
import type { ChecklistItem, ChecklistVerdict } from '../checklists/checklist-rules.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { FreezeWindow } from '../freezes/freeze-rules.ts';
import type { ServicePlan } from '../services/service-rules.ts';

export const RUN_SLOTS = ['t1', 't2'] as const;
export type RunSlot = (typeof RUN_SLOTS)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'partial', 'failed', 'skipped', 'interrupted', 'missed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type RunReport = {
  /** What happened, in order, for people. */
  steps: { at: string; message: string }[];
  /** Per bug: what the run did with it, or why it left it. */
  bugs: { id: number; outcome: string; reason?: string }[];
  /** Per release and environment; `services`: the deploy plan of a multi-service system, recorded before it started. */
  releases: { id: number; version: string; env: string; deployed: boolean | null; services?: ServicePlan }[];
  dryRun?: boolean;
  /** The freezes in force at the slot instant: a full one skipped the run, a module one left bugs out. */
  freeze?: RunFreeze;
  /** The pre-deploy checklist the run ran before deploying (DESIGN.md decision 8). */
  checklist?: { id: number; env: 'uat' | 'prod'; verdict: ChecklistVerdict; items: ChecklistItem[] };
  /** Why a `skipped` run did nothing. */
  skipped?: { reason: 'freeze' | 'checklist'; detail: string };
  /** A run cut short (its server stopped): what it had done, and what it had not. */
  interrupted?: { reason: string; done: string[]; notDone: string[] };
};

/** What a run left in the database: releases built, deployments and their status. */
export type RunProgress = {
  releases: { id: number; version: string; kind: string; targetEnv: string }[];
  deployments: { id: number; env: string; status: string; version: string }[];
};

export type RunFreeze = { full: boolean; modules: string[]; lunarNewYear: boolean; detail: string; sources: FreezeWindow[] };

export type RunView = {
  id: number;
  system: string;
  slot: RunSlot;
  scheduledFor: string;
  trigger: 'schedule' | 'manual' | 'startup';
  status: RunStatus;
  claimedBy: string;
  leaseUntil: string;
  startedAt: string;
  finishedAt: string | null;
  report: RunReport;
  error: string | null;
};

export function toRunView(r: RunRow): RunView {
  return {
    id: r.id,
    system: r.system,
    slot: r.slot as RunSlot,
    scheduledFor: r.scheduled_for,
    trigger: r.trigger as RunView['trigger'],
    status: r.status as RunStatus,
    claimedBy: r.claimed_by,
    leaseUntil: r.lease_until,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    report: JSON.parse(r.report) as RunReport,
    error: r.error,
  };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? '');
}

export function createRunStore() {
  return {
    /** Inserts the run; null when another instance already holds that (system, slot, instant). */
    async claim(
      db: Db,
      c: { system: string; slot: RunSlot; scheduledFor: Date; trigger: RunView['trigger']; instance: string; leaseUntil: Date; at: Date; status?: RunStatus },
    ): Promise<RunView | null> {
      try {
        const row = await db
          .insertInto('runs')
          .values({
            system: c.system,
            slot: c.slot,
            scheduled_for: c.scheduledFor.toISOString(),
            trigger: c.trigger,
            status: c.status ?? 'running',
            claimed_by: c.instance,
            lease_until: c.leaseUntil.toISOString(),
            started_at: c.at.toISOString(),
            finished_at: c.status && c.status !== 'running' ? c.at.toISOString() : null,
            report: JSON.stringify({ steps: [], bugs: [], releases: [] } satisfies RunReport),
            error: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRunView(row);
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },

    async exists(db: Reader, system: string, slot: RunSlot, scheduledFor: Date): Promise<boolean> {
      const row = await db
        .selectFrom('runs')
        .select('id')
        .where('system', '=', system)
        .where('slot', '=', slot)
        .where('scheduled_for', '=', scheduledFor.toISOString())
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Extends the lease, only while this instance still holds a running claim. */
    async renew(db: Db, id: number, instance: string, leaseUntil: Date): Promise<boolean> {
      const r = await db
        .updateTable('runs')
        .set({ lease_until: leaseUntil.toISOString() })
        .where('id', '=', id)
        .where('claimed_by', '=', instance)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async saveReport(db: Db | Tx, id: number, report: RunReport): Promise<void> {
      await db.updateTable('runs').set({ report: JSON.stringify(report) }).where('id', '=', id).execute();
    },

    async finish(db: Db | Tx, id: number, instance: string, status: RunStatus, report: RunReport, error: string | null, at: Date): Promise<boolean> {
      const r = await db
        .updateTable('runs')
        .set({ status, report: JSON.stringify(report), error, finished_at: at.toISOString() })
        .where('id', '=', id)
        .where('claimed_by', '=', instance)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Running claims whose lease ended before `now`. */
    async expired(db: Reader, now: Date): Promise<RunView[]> {
      const rows = await db.selectFrom('runs').selectAll().where('status', '=', 'running').where('lease_until', '<', now.toISOString()).execute();
      return rows.map(toRunView);
    },

    async markInterrupted(trx: Tx, id: number, at: Date, why: string): Promise<boolean> {
      const r = await trx
        .updateTable('runs')
        .set({ status: 'interrupted', error: why, finished_at: at.toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /**
     * What the database shows a run did: the releases it built and its deployments with their
     * status (for a run whose process stopped before it saved its own report).
     */
    async progress(db: Reader, runId: number): Promise<RunProgress> {
      const releases = await db.selectFrom('releases').select(['id', 'version', 'kind', 'target_env']).where('run_id', '=', runId).orderBy('id').limit(50).execute();
      const deployments = await db
        .selectFrom('deployments')
        .innerJoin('releases', 'releases.id', 'deployments.release_id')
        .select(['deployments.id', 'deployments.env', 'deployments.status', 'releases.version'])
        .where('deployments.run_id', '=', runId)
        .orderBy('deployments.id')
        .limit(50)
        .execute();
      return {
        releases: releases.map((r) => ({ id: r.id, version: r.version, kind: r.kind, targetEnv: r.target_env })),
        deployments: deployments.map((d) => ({ id: d.id, env: d.env, status: d.status, version: d.version })),
      };
    },

    async get(db: Reader, system: string, id: number): Promise<RunView | undefined> {
      const row = await db.selectFrom('runs').selectAll().where('system', '=', system).where('id', '=', id).executeTakeFirst();
      return row ? toRunView(row) : undefined;
    },

    async list(db: Reader, system: string, query: { slot?: RunSlot; beforeId?: number; limit: number }): Promise<RunView[]> {
      let q = db.selectFrom('runs').selectAll().where('system', '=', system).orderBy('id', 'desc').limit(query.limit);
      if (query.slot) q = q.where('slot', '=', query.slot);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      return (await q.execute()).map(toRunView);
    },

    async watermark(db: Db, system: string, now: Date): Promise<Date> {
      await db
        .insertInto('scheduler_watermarks')
        .values({ system, since: now.toISOString() })
        .onConflict((oc) => oc.column('system').doNothing())
        .execute();
      const row = await db.selectFrom('scheduler_watermarks').select('since').where('system', '=', system).executeTakeFirstOrThrow();
      return new Date(row.since);
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;
