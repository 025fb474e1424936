/**
 * Stored checklists (their items and verdict) and the on-call acknowledgements asked for, one per
 * system and night.
 */
import type { ChecklistRow, Db, OnCallAckRow, Reader, Tx } from '../../adapters/db/schema.ts';
import type { ChecklistItem, ChecklistVerdict, ProbeName } from './checklist-rules.ts';

export const CHECKLIST_TRIGGERS = ['run', 'manual', 'precheck'] as const;
export type ChecklistTrigger = (typeof CHECKLIST_TRIGGERS)[number];

export type ChecklistView = {
  id: number;
  system: string;
  env: 'uat' | 'prod';
  /** The deploy slot this list guards, and its instant. */
  slot: 't1' | 't2';
  slotAt: string;
  trigger: ChecklistTrigger;
  runId: number | null;
  requestedBy: string;
  status: 'running' | 'done';
  verdict: ChecklistVerdict | null;
  items: ChecklistItem[];
  /** Probes of SEED.md's list that this system does not configure. */
  notChecked: ProbeName[];
  startedAt: string;
  finishedAt: string | null;
  /** The on-call acknowledgement this list asked for, if any. */
  ack: AckView | null;
};

export type AckView = {
  id: number;
  t1At: string;
  person: string;
  username: string;
  channels: string[];
  checklistId: number;
  requestedAt: string;
  deadline: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  note: string | null;
};

function toAckView(r: OnCallAckRow): AckView {
  return {
    id: r.id,
    t1At: r.t1_at,
    person: r.person,
    username: r.username,
    channels: JSON.parse(r.channels) as string[],
    checklistId: r.checklist_id,
    requestedAt: r.requested_at,
    deadline: r.deadline,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    note: r.note,
  };
}

function toView(r: ChecklistRow, ack: OnCallAckRow | undefined): ChecklistView {
  return {
    id: r.id,
    system: r.system,
    env: r.env as 'uat' | 'prod',
    slot: r.slot as 't1' | 't2',
    slotAt: r.slot_at,
    trigger: r.trigger as ChecklistTrigger,
    runId: r.run_id,
    requestedBy: r.requested_by,
    status: r.status as 'running' | 'done',
    verdict: r.verdict as ChecklistVerdict | null,
    items: JSON.parse(r.items) as ChecklistItem[],
    notChecked: JSON.parse(r.not_checked) as ProbeName[],
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    ack: ack ? toAckView(ack) : null,
  };
}

export function createChecklistStore() {
  async function withAcks(db: Reader, rows: ChecklistRow[]): Promise<ChecklistView[]> {
    if (rows.length === 0) return [];
    const acks = await db
      .selectFrom('oncall_acks')
      .selectAll()
      .where(
        'checklist_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const byList = new Map(acks.map((a) => [a.checklist_id, a]));
    return rows.map((r) => toView(r, byList.get(r.id)));
  }

  return {
    async start(
      db: Db | Tx,
      c: { system: string; env: 'uat' | 'prod'; slot: 't1' | 't2'; slotAt: Date; trigger: ChecklistTrigger; runId: number | null; requestedBy: string; at: Date },
    ): Promise<number> {
      const row = await db
        .insertInto('checklists')
        .values({
          system: c.system,
          env: c.env,
          slot: c.slot,
          slot_at: c.slotAt.toISOString(),
          trigger: c.trigger,
          run_id: c.runId,
          requested_by: c.requestedBy,
          status: 'running',
          verdict: null,
          started_at: c.at.toISOString(),
          finished_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async finish(trx: Tx, id: number, r: { verdict: ChecklistVerdict; items: ChecklistItem[]; notChecked: ProbeName[]; at: Date }): Promise<void> {
      await trx
        .updateTable('checklists')
        .set({ status: 'done', verdict: r.verdict, items: JSON.stringify(r.items), not_checked: JSON.stringify(r.notChecked), finished_at: r.at.toISOString() })
        .where('id', '=', id)
        .execute();
    },

    async get(db: Reader, system: string, id: number): Promise<ChecklistView | undefined> {
      const row = await db.selectFrom('checklists').selectAll().where('system', '=', system).where('id', '=', id).executeTakeFirst();
      return row ? (await withAcks(db, [row]))[0] : undefined;
    },

    async list(db: Reader, system: string, query: { runId?: number; beforeId?: number; limit: number }): Promise<ChecklistView[]> {
      let q = db.selectFrom('checklists').selectAll().where('system', '=', system).orderBy('id', 'desc').limit(query.limit);
      if (query.runId !== undefined) q = q.where('run_id', '=', query.runId);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      return withAcks(db, await q.execute());
    },

    /** Did the early check (before T1) already run for this slot? */
    async hasPrecheck(db: Reader, system: string, slotAt: Date): Promise<boolean> {
      const row = await db
        .selectFrom('checklists')
        .select('id')
        .where('system', '=', system)
        .where('trigger', '=', 'precheck')
        .where('slot_at', '=', slotAt.toISOString())
        .executeTakeFirst();
      return row !== undefined;
    },

    /** The night's acknowledgement request, if one was made. */
    async ackForNight(db: Reader, system: string, t1At: Date): Promise<AckView | undefined> {
      const row = await db.selectFrom('oncall_acks').selectAll().where('system', '=', system).where('t1_at', '=', t1At.toISOString()).executeTakeFirst();
      return row ? toAckView(row) : undefined;
    },

    async ackOfChecklist(db: Reader, system: string, checklistId: number): Promise<AckView | undefined> {
      const row = await db.selectFrom('oncall_acks').selectAll().where('system', '=', system).where('checklist_id', '=', checklistId).executeTakeFirst();
      return row ? toAckView(row) : undefined;
    },

    /** Asks once per night: false when the night already has a request (another instance, an earlier list). */
    async requestAck(
      trx: Tx,
      a: { system: string; t1At: Date; person: string; username: string; channels: string[]; checklistId: number; requestedAt: Date; deadline: Date },
    ): Promise<boolean> {
      const inserted = await trx
        .insertInto('oncall_acks')
        .values({
          system: a.system,
          t1_at: a.t1At.toISOString(),
          person: a.person,
          username: a.username,
          channels: JSON.stringify(a.channels),
          checklist_id: a.checklistId,
          requested_at: a.requestedAt.toISOString(),
          deadline: a.deadline.toISOString(),
          acknowledged_at: null,
          acknowledged_by: null,
          note: null,
        })
        .onConflict((oc) => oc.columns(['system', 't1_at']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    /** Records the acknowledgement unless one is there already; true when this call recorded it. */
    async acknowledge(trx: Tx, id: number, a: { by: string; at: Date; note: string | null }): Promise<boolean> {
      const r = await trx
        .updateTable('oncall_acks')
        .set({ acknowledged_at: a.at.toISOString(), acknowledged_by: a.by, note: a.note })
        .where('id', '=', id)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

export type ChecklistStore = ReturnType<typeof createChecklistStore>;
