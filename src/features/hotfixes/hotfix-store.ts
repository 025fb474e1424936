/**
 * Plain reads and writes of incidents, their checklist and approvals. Writes take a transaction;
 * an update names the version it read and changes nothing if someone else changed the incident.
 */
import type { HotfixRow, Reader, Tx } from '../../adapters/db/schema.ts';
import type { Severity } from '../bugs/bug-statuses.ts';
import type { Role } from '../identity/roles.ts';
import {
  CHECKLIST,
  type ChecklistItem,
  type HotfixApproval,
  type HotfixNotice,
  type HotfixStatus,
  type Priority,
  type UatFollowUpMode,
  type UatFollowUpStatus,
} from './hotfix-rules.ts';

/** What was deployed to PROD, and how: through the environment's driver, or by hand. */
export type HotfixDeploy = {
  mode: 'driver' | 'manual';
  at: string;
  by: string;
  /** The commit PROD ran before the hotfix. */
  baseCommit: string | null;
  commit: string;
  version: string | null;
  releaseId: number | null;
  deploymentId: number | null;
  /** What the checks after a deploy by the driver found (smoke, the watch window, a rollback). */
  postDeploy?: HotfixPostDeploy;
};

export type HotfixPostDeploy = {
  outcome: 'clean' | 'alerted' | 'rolled_back';
  detail: string;
  smoke: { ok: boolean; passed: number; steps: number } | null;
  monitoring: 'clean' | 'alert' | 'rollback' | 'unavailable' | null;
  rollbackId: number | null;
  at: string;
};

/** The UAT follow-up (SEED.md: cherry-pick if UAT is ahead, else update UAT), tracked until done. */
export type UatFollowUp = {
  mode: UatFollowUpMode;
  reason: string;
  status: UatFollowUpStatus;
  byHand: boolean;
  releaseId: number | null;
  deploymentId: number | null;
  version: string | null;
  commit: string | null;
  error: string | null;
  /** Files of a cherry-pick conflict onto UAT. */
  conflictFiles: string[];
  at: string | null;
  by: string | null;
};

export type ChecklistEntry = {
  item: ChecklistItem;
  text: string;
  done: boolean;
  by: string | null;
  at: string | null;
  /** The system did the item itself (deployed, notified, queued the message); false: a person ticked it. */
  bySystem: boolean;
  note: string | null;
};

export type HotfixSummary = {
  id: number;
  system: string;
  bugId: number;
  title: string;
  severity: Severity;
  priority: Priority;
  status: HotfixStatus;
  openedBy: string;
  openedAt: string;
  slaDueAt: string;
  slaStoppedAt: string | null;
  slaWarned: number;
  branch: string | null;
  reviewDueAt: string | null;
  uatFollowUp: UatFollowUp | null;
  closedAt: string | null;
  version: number;
};

export type HotfixView = HotfixSummary & {
  branchNote: string | null;
  baseCommit: string | null;
  baseVersion: string | null;
  notices: HotfixNotice[];
  deploy: HotfixDeploy | null;
  review: { dueAt: string | null; remindedAt: string | null; heldAt: string | null; heldBy: string | null; summary: string | null };
  note: { rootCause: string; fixSummary: string; by: string; at: string } | null;
  closedBy: string | null;
  checklist: ChecklistEntry[];
  approvals: { approver: string; roles: Role[]; note: string | null; at: string }[];
  createdAt: string;
  updatedAt: string;
};

export type HotfixChanges = Partial<
  Pick<
    HotfixRow,
    | 'status'
    | 'sla_stopped_at'
    | 'sla_warned'
    | 'branch'
    | 'branch_note'
    | 'base_commit'
    | 'base_version'
    | 'notices'
    | 'deploy'
    | 'uat_follow_up'
    | 'review_reminded_at'
    | 'review_held_at'
    | 'review_held_by'
    | 'review_summary'
    | 'root_cause'
    | 'fix_summary'
    | 'note_by'
    | 'note_at'
    | 'closed_at'
    | 'closed_by'
  >
>;

type SummaryRow = HotfixRow & { title: string; severity: string };

function toSummary(r: SummaryRow): HotfixSummary {
  return {
    id: r.id,
    system: r.system,
    bugId: r.bug_id,
    title: r.title,
    severity: r.severity as Severity,
    priority: r.priority as Priority,
    status: r.status as HotfixStatus,
    openedBy: r.opened_by,
    openedAt: r.opened_at,
    slaDueAt: r.sla_due_at,
    slaStoppedAt: r.sla_stopped_at,
    slaWarned: r.sla_warned,
    branch: r.branch,
    reviewDueAt: r.review_due_at,
    uatFollowUp: r.uat_follow_up ? (JSON.parse(r.uat_follow_up) as UatFollowUp) : null,
    closedAt: r.closed_at,
    version: r.version,
  };
}

export function createHotfixStore() {
  const withBug = (db: Reader) =>
    db.selectFrom('hotfixes').innerJoin('bugs', 'bugs.id', 'hotfixes.bug_id').selectAll('hotfixes').select(['bugs.title', 'bugs.severity']);

  return {
    async insert(
      trx: Tx,
      h: { system: string; bugId: number; priority: Priority; openedBy: string; at: Date; slaDueAt: Date; reviewDueAt: Date | null; baseCommit: string | null; baseVersion: string | null },
    ): Promise<HotfixRow> {
      const at = h.at.toISOString();
      return trx
        .insertInto('hotfixes')
        .values({
          system: h.system,
          bug_id: h.bugId,
          priority: h.priority,
          status: 'open',
          opened_by: h.openedBy,
          opened_at: at,
          sla_due_at: h.slaDueAt.toISOString(),
          sla_stopped_at: null,
          branch: null,
          branch_note: null,
          base_commit: h.baseCommit,
          base_version: h.baseVersion,
          deploy: null,
          uat_follow_up: null,
          review_due_at: h.reviewDueAt ? h.reviewDueAt.toISOString() : null,
          review_reminded_at: null,
          review_held_at: null,
          review_held_by: null,
          review_summary: null,
          root_cause: null,
          fix_summary: null,
          note_by: null,
          note_at: null,
          closed_at: null,
          closed_by: null,
          version: 1,
          created_at: at,
          updated_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async get(db: Reader, system: string, id: number): Promise<HotfixRow | undefined> {
      return db.selectFrom('hotfixes').selectAll().where('system', '=', system).where('id', '=', id).executeTakeFirst();
    },

    /** The incident of a bug that is not closed yet, if any: a bug has one emergency at a time. */
    async activeForBug(db: Reader, bugId: number): Promise<HotfixRow | undefined> {
      return db.selectFrom('hotfixes').selectAll().where('bug_id', '=', bugId).where('status', '!=', 'closed').executeTakeFirst();
    },

    async list(db: Reader, system: string, query: { status?: HotfixStatus; beforeId?: number; limit: number }): Promise<HotfixSummary[]> {
      let q = withBug(db).where('hotfixes.system', '=', system).orderBy('hotfixes.id', 'desc').limit(query.limit);
      if (query.status) q = q.where('hotfixes.status', '=', query.status);
      if (query.beforeId !== undefined) q = q.where('hotfixes.id', '<', query.beforeId);
      return (await q.execute()).map(toSummary);
    },

    async view(db: Reader, row: HotfixRow, bug: { title: string; severity: string }): Promise<HotfixView> {
      const [ticks, approvals] = await Promise.all([
        db.selectFrom('hotfix_checklist').selectAll().where('hotfix_id', '=', row.id).execute(),
        db.selectFrom('hotfix_approvals').selectAll().where('hotfix_id', '=', row.id).orderBy('id').execute(),
      ]);
      const byItem = new Map(ticks.map((t) => [t.item, t]));
      return {
        ...toSummary({ ...row, ...bug }),
        branchNote: row.branch_note,
        baseCommit: row.base_commit,
        baseVersion: row.base_version,
        notices: JSON.parse(row.notices) as HotfixNotice[],
        deploy: row.deploy ? (JSON.parse(row.deploy) as HotfixDeploy) : null,
        review: { dueAt: row.review_due_at, remindedAt: row.review_reminded_at, heldAt: row.review_held_at, heldBy: row.review_held_by, summary: row.review_summary },
        note: row.root_cause !== null && row.fix_summary !== null ? { rootCause: row.root_cause, fixSummary: row.fix_summary, by: row.note_by ?? '', at: row.note_at ?? '' } : null,
        closedBy: row.closed_by,
        checklist: CHECKLIST.map((c) => {
          const t = byItem.get(c.item);
          return { item: c.item, text: c.text, done: Boolean(t), by: t?.ticked_by ?? null, at: t?.ticked_at ?? null, bySystem: t ? t.by_system === 1 : false, note: t?.note ?? null };
        }),
        approvals: approvals.map((a) => ({ approver: a.approver, roles: JSON.parse(a.roles) as Role[], note: a.note, at: a.at })),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      };
    },

    /** True when the incident was still at `version` and is now changed; false when it had moved on. */
    async update(trx: Tx, id: number, version: number, changes: HotfixChanges, at: Date): Promise<boolean> {
      const result = await trx
        .updateTable('hotfixes')
        .set({ ...changes, version: version + 1, updated_at: at.toISOString() })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Ticks an item once; false when it was already ticked (the first tick stands). */
    async tick(trx: Tx, hotfixId: number, t: { item: ChecklistItem; by: string; at: Date; bySystem: boolean; note: string | null }): Promise<boolean> {
      const rows = await trx
        .insertInto('hotfix_checklist')
        .values({ hotfix_id: hotfixId, item: t.item, ticked_by: t.by, ticked_at: t.at.toISOString(), by_system: t.bySystem ? 1 : 0, note: t.note })
        .onConflict((oc) => oc.columns(['hotfix_id', 'item']).doNothing())
        .returning('item')
        .execute();
      return rows.length === 1;
    },

    async ticked(db: Reader, hotfixId: number): Promise<ChecklistItem[]> {
      const rows = await db.selectFrom('hotfix_checklist').select('item').where('hotfix_id', '=', hotfixId).execute();
      return rows.map((r) => r.item as ChecklistItem);
    },

    async approvals(db: Reader, hotfixId: number): Promise<HotfixApproval[]> {
      const rows = await db.selectFrom('hotfix_approvals').select(['approver', 'roles']).where('hotfix_id', '=', hotfixId).orderBy('id').execute();
      return rows.map((r) => ({ approver: r.approver, roles: JSON.parse(r.roles) as Role[] }));
    },

    /** False when this person had already approved (the unique key holds under concurrency too). */
    async addApproval(trx: Tx, hotfixId: number, a: HotfixApproval & { note: string | null; at: Date }): Promise<boolean> {
      const rows = await trx
        .insertInto('hotfix_approvals')
        .values({ hotfix_id: hotfixId, approver: a.approver, roles: JSON.stringify(a.roles), note: a.note, at: a.at.toISOString() })
        .onConflict((oc) => oc.columns(['hotfix_id', 'approver']).doNothing())
        .returning('id')
        .execute();
      return rows.length === 1;
    },

    /**
     * What the periodic check may have to act on, all systems: incidents whose SLA clock runs with a
     * warning still to send, and reviews due by `now` with no reminder sent and not held.
     */
    async needingAttention(db: Reader, now: Date): Promise<SummaryRow[]> {
      const iso = now.toISOString();
      return withBug(db)
        .where((eb) =>
          eb.or([
            eb.and([eb('hotfixes.status', '!=', 'closed'), eb('hotfixes.sla_stopped_at', 'is', null), eb('hotfixes.sla_warned', '<', 100)]),
            eb.and([eb('hotfixes.review_due_at', '<=', iso), eb('hotfixes.review_reminded_at', 'is', null), eb('hotfixes.review_held_at', 'is', null)]),
          ]),
        )
        .orderBy('hotfixes.id')
        .limit(500)
        .execute();
    },

    /**
     * Incidents with work under way: a deploy to PROD (`deploying`), or a UAT follow-up running
     * (its JSON says so). Few: an emergency is rare; a recovery asks whose they are.
     */
    async underWay(db: Reader): Promise<HotfixRow[]> {
      return db
        .selectFrom('hotfixes')
        .selectAll()
        .where((eb) => eb.or([eb('status', '=', 'deploying'), eb.and([eb('status', '=', 'deployed'), eb('uat_follow_up', 'like', '%"status":"running"%')])]))
        .orderBy('id')
        .limit(500)
        .execute();
    },

    /** Usernames among `names` that are users. */
    async existingUsers(db: Reader, names: readonly string[]): Promise<string[]> {
      if (names.length === 0) return [];
      const rows = await db.selectFrom('users').select('username').where('username', 'in', [...names]).where('disabled', '=', 0).execute();
      return rows.map((r) => r.username);
    },

    /** Active users whose own role is one of `roles`. */
    async usersWithRoles(db: Reader, roles: readonly Role[]): Promise<string[]> {
      const rows = await db.selectFrom('users').select('username').where('role', 'in', [...roles]).where('disabled', '=', 0).orderBy('username').execute();
      return rows.map((r) => r.username);
    },
  };
}

export type HotfixStore = ReturnType<typeof createHotfixStore>;
