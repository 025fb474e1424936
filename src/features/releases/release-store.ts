import type { Reader, ReleaseRow, Tx } from '../../adapters/db/schema.ts';
import type { ReleaseKind } from './release-rules.ts';

export type ReleaseView = {
  id: number;
  system: string;
  version: string;
  tag: string;
  commit: string;
  baseCommit: string;
  baseVersion: string | null;
  kind: ReleaseKind;
  targetEnv: 'uat' | 'prod';
  notes: string;
  runId: number | null;
  createdAt: string;
  bugs: { id: number; position: number; commits: string[] }[];
  /** The services its bugs touch (multi-service systems: what it deploys, with what changed since the environment's release). */
  services: string[];
};

export function createReleaseStore() {
  async function bugsOf(db: Reader, releaseId: number) {
    const rows = await db.selectFrom('release_bugs').selectAll().where('release_id', '=', releaseId).orderBy('position').execute();
    return rows.map((r) => ({ id: r.bug_id, position: r.position, commits: JSON.parse(r.commits) as string[] }));
  }

  async function view(db: Reader, row: ReleaseRow): Promise<ReleaseView> {
    return {
      id: row.id,
      system: row.system,
      version: row.version,
      tag: row.tag,
      commit: row.commit_sha,
      baseCommit: row.base_commit,
      baseVersion: row.base_version,
      kind: row.kind as ReleaseKind,
      targetEnv: row.target_env as 'uat' | 'prod',
      notes: row.notes,
      runId: row.run_id,
      createdAt: row.created_at,
      bugs: await bugsOf(db, row.id),
      services: JSON.parse(row.services) as string[],
    };
  }

  return {
    async insert(
      trx: Tx,
      r: Omit<ReleaseView, 'id' | 'createdAt' | 'bugs' | 'services'> & { bugs: { id: number; commits: string[] }[]; services?: readonly string[]; at: Date },
    ): Promise<ReleaseView> {
      const row = await trx
        .insertInto('releases')
        .values({
          system: r.system,
          version: r.version,
          tag: r.tag,
          commit_sha: r.commit,
          base_commit: r.baseCommit,
          base_version: r.baseVersion,
          kind: r.kind,
          target_env: r.targetEnv,
          notes: r.notes,
          run_id: r.runId,
          created_at: r.at.toISOString(),
          services: JSON.stringify([...new Set(r.services ?? [])].sort()),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (r.bugs.length > 0) {
        await trx
          .insertInto('release_bugs')
          .values(r.bugs.map((b, position) => ({ release_id: row.id, bug_id: b.id, position, commits: JSON.stringify(b.commits) })))
          .execute();
      }
      return view(trx, row);
    },

    async get(db: Reader, system: string, id: number): Promise<ReleaseView | undefined> {
      const row = await db.selectFrom('releases').selectAll().where('system', '=', system).where('id', '=', id).executeTakeFirst();
      return row ? view(db, row) : undefined;
    },

    async byTag(db: Reader, system: string, tag: string): Promise<ReleaseView | undefined> {
      const row = await db.selectFrom('releases').selectAll().where('system', '=', system).where('tag', '=', tag).executeTakeFirst();
      return row ? view(db, row) : undefined;
    },

    async list(db: Reader, system: string, query: { beforeId?: number; limit: number }): Promise<ReleaseView[]> {
      let q = db.selectFrom('releases').selectAll().where('system', '=', system).orderBy('id', 'desc').limit(query.limit);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      return Promise.all((await q.execute()).map((row) => view(db, row)));
    },

    /** The releases built for `env` whose bugs include one of `statuses`: what a T2 may deploy. */
    async withBugsIn(db: Reader, system: string, kind: ReleaseKind, statuses: readonly string[]): Promise<ReleaseView[]> {
      const rows = await db
        .selectFrom('releases')
        .selectAll('releases')
        .where('releases.system', '=', system)
        .where('releases.kind', '=', kind)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('bugs')
              .select('bugs.id')
              .whereRef('bugs.release_id', '=', 'releases.id')
              .where('bugs.status', 'in', [...statuses]),
          ),
        )
        .orderBy('releases.id')
        .execute();
      return Promise.all(rows.map((row) => view(db, row)));
    },
  };
}

export type ReleaseStore = ReturnType<typeof createReleaseStore>;
