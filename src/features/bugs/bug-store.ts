/**
 * Plain reads and writes of bugs and their history. Writes take a transaction; an update names
 * the version it read and changes nothing if someone else changed the bug since.
 */
import { sql, type CompiledQuery } from 'kysely';
import { precompiled, precompiledByShape, precompiledInsert } from '../../adapters/db/precompiled.ts';
import type { BugRow, NewBugRow, Reader, Tx } from '../../adapters/db/schema.ts';
import { writeTogether } from '../../adapters/db/write-together.ts';
import type { BugStatus } from './bug-statuses.ts';
import { SUMMARY_COLUMNS, type BugSummaryRow } from './bug-view.ts';

export type BugFilters = {
  status?: string;
  severity?: string;
  fixFlow?: string;
  module?: string;
  /** Words in the title (case-insensitive), or a bug id ("12" or "#12"). */
  search?: string;
  /** Keyset pagination: only bugs with a smaller id (newest first). */
  beforeId?: number;
  limit: number;
};

export type BugChanges = Partial<
  Pick<
    BugRow,
    'status' | 'fix_flow' | 'flow_reason' | 'flow_hold' | 'flow_override_reason' | 'runs_at' | 'fix_attached_by' | 'fix_refs' | 'analysis' | 'ai_fix_diff' | 'conflict' | 'release_id' | 'services'
  >
>;

export type HistoryEntry = { action: string; from: BugStatus | null; to: BugStatus; actor: string; reason: string | null; data: Record<string, unknown> | null; at: string };

/**
 * A bug's columns, named rather than `*`: the table also has `doc` (the list's JSON of the bug),
 * which SQLite would write for every read of a bug and PostgreSQL would send. The reads below
 * return BugRow, so a column missing here does not compile.
 */
export const BUG_COLUMNS = [
  'id', 'system', 'title', 'description', 'severity', 'status', 'found_in_env', 'module', 'services', 'fix_flow', 'flow_reason', 'flow_hold',
  'flow_override_reason', 'reporter', 'fix_attached_by', 'runs_at', 'fix_refs', 'analysis', 'ai_fix_diff', 'conflict', 'release_id', 'version',
  'created_at', 'updated_at',
] as const satisfies readonly (keyof BugRow)[];

// The statements every change to a bug runs, compiled once (src/adapters/db/precompiled.ts).
const getBug = precompiled((db, p: { id: number; system: string }) => db.selectFrom('bugs').select(BUG_COLUMNS).where('id', '=', p.id).where('system', '=', p.system));

/** An update of these columns, besides version and updated_at. */
const updateBug = precompiledByShape(
  (columns: readonly string[]) => columns.join(),
  (columns) =>
    precompiled((db, p: Record<string, unknown>) =>
      db
        .updateTable('bugs')
        .set({ ...Object.fromEntries(columns.map((c) => [c, p[c]])), version: p.$nextVersion as number, updated_at: p.$at as string })
        .where('id', '=', p.$id as number)
        .where('version', '=', p.$version as number),
    ),
);

const HISTORY_COLUMNS = ['bug_id', 'action', 'from_status', 'to_status', 'actor', 'reason', 'data', 'at'] as const;
const insertHistory = precompiledInsert(HISTORY_COLUMNS, (db, rows) => db.insertInto('bug_history').values(rows as never));

/** Which filters a list query has, and whether it reads rows or page items as JSON (each combination compiles once). */
type ListShape = { status: boolean; severity: boolean; fixFlow: boolean; module: boolean; search: 'none' | 'title' | 'title-or-id'; before: boolean; json: boolean };
type ListValues = { system: string; status?: string; severity?: string; fixFlow?: string; module?: string; pattern?: string; id?: number; beforeId?: number; limit: number; me?: string };

/**
 * A list page's bug (the API's hottest read, decision record 0025):
 * - `doc`: the bug's JSON object as the database keeps it (`bugs.doc`, migration 0015), every
 *   stored field of its summary, left open;
 * - `facts`: what the rest depends on, "status fixFlow severity mine runsAt" (`mine` when the
 *   caller attached its fix), so the caller's actions and the local time of runsAt are worked out
 *   once per kind of bug on the page, not once per bug (bug-view.ts `bugPageJson`).
 */
export type BugPageRow = { doc: string; facts: string };

function bugFacts(me: string) {
  const mine = sql`case when fix_attached_by = ${me} then 'mine' else '' end`;
  return sql<string>`status || ' ' || coalesce(fix_flow, '') || ' ' || severity || ' ' || ${mine} || ' ' || coalesce(runs_at, '')`;
}

/** A page of the list (the hottest read): newest first, keyset-paginated by id. */
const listBugs = precompiledByShape(
  (shape: ListShape) => Object.values(shape).join(),
  (shape) =>
    precompiled((db, p: ListValues) => {
      let q = db.selectFrom('bugs').where('system', '=', p.system);
      if (shape.status) q = q.where('status', '=', p.status!);
      if (shape.severity) q = q.where('severity', '=', p.severity!);
      if (shape.fixFlow) q = q.where('fix_flow', '=', p.fixFlow!);
      if (shape.module) q = q.where('module', '=', p.module!);
      if (shape.search !== 'none') {
        q = q.where((eb) => {
          const title = eb(sql`lower(title)`, 'like', sql<string>`${p.pattern} escape '\\'`);
          return shape.search === 'title-or-id' ? eb.or([title, eb('id', '=', p.id!)]) : title;
        });
      }
      if (shape.before) q = q.where('id', '<', p.beforeId!);
      q = q.orderBy('id', 'desc').limit(p.limit);
      return shape.json ? q.select([sql<string>`doc`.as('doc'), bugFacts(p.me!).as('facts')]) : q.select(SUMMARY_COLUMNS);
    }),
);

function listShape(f: BugFilters, json: boolean): { shape: ListShape; values: Omit<ListValues, 'system'> } {
  const search = f.search?.trim();
  const id = search ? /^#?(\d{1,9})$/.exec(search) : null;
  return {
    shape: {
      status: !!f.status,
      severity: !!f.severity,
      fixFlow: !!f.fixFlow,
      module: !!f.module,
      search: !search ? 'none' : id ? 'title-or-id' : 'title',
      before: f.beforeId !== undefined,
      json,
    },
    values: {
      status: f.status,
      severity: f.severity,
      fixFlow: f.fixFlow,
      module: f.module,
      pattern: search ? `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined,
      id: id ? Number(id[1]) : undefined,
      beforeId: f.beforeId,
      limit: f.limit,
    },
  };
}

/** The insert of these history entries, to run with a change's other writes (write-together.ts); null for none. */
function historyWrite(trx: Tx, entries: readonly { bugId: number; entry: HistoryEntry }[]): CompiledQuery | null {
  if (entries.length === 0) return null;
  const rows = entries.map(({ bugId, entry }) => ({
    bug_id: bugId,
    action: entry.action,
    from_status: entry.from,
    to_status: entry.to,
    actor: entry.actor,
    reason: entry.reason,
    data: entry.data ? JSON.stringify(entry.data) : null,
    at: entry.at,
  }));
  return insertHistory(rows.length).bind(trx, rows);
}

export function createBugStore() {
  return {
    async insert(trx: Tx, row: NewBugRow): Promise<BugRow> {
      return trx.insertInto('bugs').values(row).returning(BUG_COLUMNS).executeTakeFirstOrThrow();
    },

    async get(db: Reader, system: string, id: number): Promise<BugRow | undefined> {
      return (await getBug(db, { id, system })).rows[0] as BugRow | undefined;
    },

    /** The bugs in given statuses, oldest first: what a run works through. */
    async inStatuses(db: Reader, system: string, statuses: readonly string[]): Promise<BugRow[]> {
      return db.selectFrom('bugs').select(BUG_COLUMNS).where('system', '=', system).where('status', 'in', [...statuses]).orderBy('id').execute();
    },

    async list(db: Reader, system: string, f: BugFilters): Promise<BugSummaryRow[]> {
      const { shape, values } = listShape(f, false);
      return (await listBugs(shape)(db, { system, ...values })).rows as unknown as BugSummaryRow[];
    },

    /** The same page as `list`, each bug written as JSON by the database, with the facts its actions for `me` depend on. */
    async listPage(db: Reader, system: string, f: BugFilters, me: string): Promise<BugPageRow[]> {
      const { shape, values } = listShape(f, true);
      return (await listBugs(shape)(db, { system, me, ...values })).rows as BugPageRow[];
    },

    /** True when the bug was still at `version` and is now changed; false when it had moved on. */
    async update(trx: Tx, id: number, version: number, changes: BugChanges, at: Date): Promise<boolean> {
      const columns = Object.keys(changes).filter((c) => changes[c as keyof BugChanges] !== undefined);
      const values = { ...changes, $nextVersion: version + 1, $at: at.toISOString(), $id: id, $version: version };
      const result = await updateBug(columns)(trx, values);
      return Number(result.numAffectedRows) === 1;
    },

    async appendHistory(trx: Tx, entries: readonly { bugId: number; entry: HistoryEntry }[]): Promise<void> {
      await writeTogether(trx, [historyWrite(trx, entries)]);
    },

    historyWrite,

    async getMany(db: Reader, system: string, ids: readonly number[]): Promise<BugRow[]> {
      if (ids.length === 0) return [];
      return db.selectFrom('bugs').select(BUG_COLUMNS).where('system', '=', system).where('id', 'in', [...ids]).execute();
    },

    async history(db: Reader, bugId: number): Promise<HistoryEntry[]> {
      const rows = await db.selectFrom('bug_history').selectAll().where('bug_id', '=', bugId).orderBy('id').execute();
      return rows.map((r) => ({
        action: r.action,
        from: r.from_status as BugStatus | null,
        to: r.to_status as BugStatus,
        actor: r.actor,
        reason: r.reason,
        data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null,
        at: r.at,
      }));
    },
  };
}

export type BugStore = ReturnType<typeof createBugStore>;
