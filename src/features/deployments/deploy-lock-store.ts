/**
 * The deploy lock's rows: one per system while a deploy holds it. Taken by one insert under the
 * primary key (the same exactly-once idea as run claims), renewed by its token, released by it.
 */
import type { Db, DeployLockRow, Reader, Tx } from '../../adapters/db/schema.ts';

export type DeployLockView = {
  system: string;
  holder: string;
  purpose: string;
  runId: number | null;
  instance: string;
  acquiredAt: string;
  leaseUntil: string;
};

const toView = (r: DeployLockRow): DeployLockView => ({
  system: r.system,
  holder: r.holder,
  purpose: r.purpose,
  runId: r.run_id,
  instance: r.instance,
  acquiredAt: r.acquired_at,
  leaseUntil: r.lease_until,
});

export function createDeployLockStore() {
  return {
    /** Inserts the lock row; false when the system is already held. */
    async acquire(db: Db, l: { system: string; holder: string; purpose: string; runId: number | null; token: string; instance: string; at: Date; leaseUntil: Date }): Promise<boolean> {
      const inserted = await db
        .insertInto('deploy_locks')
        .values({
          system: l.system,
          holder: l.holder,
          purpose: l.purpose,
          run_id: l.runId,
          token: l.token,
          instance: l.instance,
          acquired_at: l.at.toISOString(),
          lease_until: l.leaseUntil.toISOString(),
        })
        .onConflict((oc) => oc.column('system').doNothing())
        .returning('system')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    async renew(db: Db, system: string, token: string, leaseUntil: Date): Promise<boolean> {
      const r = await db.updateTable('deploy_locks').set({ lease_until: leaseUntil.toISOString() }).where('system', '=', system).where('token', '=', token).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async describe(db: Db, system: string, token: string, purpose: string): Promise<void> {
      await db.updateTable('deploy_locks').set({ purpose }).where('system', '=', system).where('token', '=', token).execute();
    },

    async release(db: Db, system: string, token: string): Promise<void> {
      await db.deleteFrom('deploy_locks').where('system', '=', system).where('token', '=', token).execute();
    },

    async get(db: Reader, system: string): Promise<DeployLockView | undefined> {
      const row = await db.selectFrom('deploy_locks').selectAll().where('system', '=', system).executeTakeFirst();
      return row ? toView(row) : undefined;
    },

    /** Locks whose lease ended before `now`: their holder stopped renewing (process died). */
    async expired(db: Reader, now: Date): Promise<DeployLockView[]> {
      const rows = await db.selectFrom('deploy_locks').selectAll().where('lease_until', '<', now.toISOString()).execute();
      return rows.map(toView);
    },

    /** Deletes a lapsed lock, only if it is still the same one and still lapsed. */
    async releaseExpired(trx: Tx, lock: DeployLockView, now: Date): Promise<boolean> {
      const r = await trx
        .deleteFrom('deploy_locks')
        .where('system', '=', lock.system)
        .where('acquired_at', '=', lock.acquiredAt)
        .where('holder', '=', lock.holder)
        .where('lease_until', '<', now.toISOString())
        .executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
  };
}

export type DeployLockStore = ReturnType<typeof createDeployLockStore>;
