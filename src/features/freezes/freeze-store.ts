/**
 * Declared freezes: one row per freeze people declared (API, CLI). Lifting writes who, when and
 * why on the row; nothing is deleted, so the history of freezes stays readable.
 */
import type { FreezeRow, Reader, Tx } from '../../adapters/db/schema.ts';
import type { DeclaredFreeze } from './freeze-rules.ts';

export type FreezeRecord = DeclaredFreeze & {
  system: string;
  declaredAt: string;
  liftedBy: string | null;
  liftReason: string | null;
};

function toRecord(r: FreezeRow): FreezeRecord {
  return {
    id: r.id,
    system: r.system,
    start: r.starts_at,
    end: r.ends_at,
    modules: JSON.parse(r.modules) as string[],
    reason: r.reason,
    by: r.declared_by,
    declaredAt: r.declared_at,
    liftedAt: r.lifted_at,
    liftedBy: r.lifted_by,
    liftReason: r.lift_reason,
  };
}

export function createFreezeStore() {
  return {
    async insert(trx: Tx, f: { system: string; start: Date; end: Date; modules: readonly string[]; reason: string; by: string; at: Date }): Promise<FreezeRecord> {
      const row = await trx
        .insertInto('freezes')
        .values({
          system: f.system,
          starts_at: f.start.toISOString(),
          ends_at: f.end.toISOString(),
          modules: JSON.stringify(f.modules),
          reason: f.reason,
          declared_by: f.by,
          declared_at: f.at.toISOString(),
          lifted_at: null,
          lifted_by: null,
          lift_reason: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async get(db: Reader, system: string, id: number): Promise<FreezeRecord | undefined> {
      const row = await db.selectFrom('freezes').selectAll().where('system', '=', system).where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** Marks the freeze lifted; false when it already was (someone else lifted it meanwhile). */
    async lift(trx: Tx, system: string, id: number, l: { by: string; at: Date; reason: string | null }): Promise<boolean> {
      const r = await trx
        .updateTable('freezes')
        .set({ lifted_at: l.at.toISOString(), lifted_by: l.by, lift_reason: l.reason })
        .where('system', '=', system)
        .where('id', '=', id)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** The freezes whose window (up to its lifting) touches [from, to): what an evaluation needs. */
    async touching(db: Reader, system: string, from: Date, to: Date): Promise<FreezeRecord[]> {
      const rows = await db
        .selectFrom('freezes')
        .selectAll()
        .where('system', '=', system)
        .where('ends_at', '>', from.toISOString())
        .where('starts_at', '<', to.toISOString())
        .where((eb) => eb.or([eb('lifted_at', 'is', null), eb('lifted_at', '>', from.toISOString())]))
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },

    /** Newest first. Without `all`, only those not lifted and not ended at `now`. */
    async list(db: Reader, system: string, query: { all: boolean; now: Date; beforeId?: number; limit: number }): Promise<FreezeRecord[]> {
      let q = db.selectFrom('freezes').selectAll().where('system', '=', system).orderBy('id', 'desc').limit(query.limit);
      if (!query.all) q = q.where('lifted_at', 'is', null).where('ends_at', '>', query.now.toISOString());
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      return (await q.execute()).map(toRecord);
    },
  };
}

export type FreezeStore = ReturnType<typeof createFreezeStore>;
