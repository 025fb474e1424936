import type { Reader, Tx } from '../../adapters/db/schema.ts';
import type { EnvironmentName } from '../bugs/bug-statuses.ts';

export type EnvironmentRecord = {
  env: EnvironmentName;
  version: string | null;
  commit: string | null;
  deployedAt: string | null;
  recordedBy: string | null;
  releaseId: number | null;
};

export function createEnvironmentStore() {
  return {
    async get(db: Reader, system: string): Promise<Record<EnvironmentName, EnvironmentRecord>> {
      const rows = await db.selectFrom('environments').selectAll().where('system', '=', system).execute();
      const byEnv = new Map(rows.map((r) => [r.env, r]));
      const one = (env: EnvironmentName): EnvironmentRecord => {
        const r = byEnv.get(env);
        return { env, version: r?.version ?? null, commit: r?.commit_sha ?? null, deployedAt: r?.deployed_at ?? null, recordedBy: r?.recorded_by ?? null, releaseId: r?.release_id ?? null };
      };
      return { uat: one('uat'), prod: one('prod') };
    },

    /** What the environment runs now: recorded by hand (no release) or by a deployment. */
    async record(trx: Tx, system: string, env: EnvironmentName, value: { version: string | null; commit: string; releaseId?: number | null; by: string; at: Date }): Promise<void> {
      const at = value.at.toISOString();
      const set = { version: value.version, commit_sha: value.commit, release_id: value.releaseId ?? null, deployed_at: at, recorded_by: value.by, updated_at: at };
      await trx
        .insertInto('environments')
        .values({ system, env, ...set })
        .onConflict((oc) => oc.columns(['system', 'env']).doUpdateSet(set))
        .execute();
    },
  };
}

export type EnvironmentStore = ReturnType<typeof createEnvironmentStore>;
