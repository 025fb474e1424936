/**
 * The outbox (DESIGN.md decision 12): a notification is written in the same transaction as the
 * change it announces, so it exists exactly when the change does. Delivery drains it later.
 */
import type { CompiledQuery } from 'kysely';
import { precompiledInsert } from '../../adapters/db/precompiled.ts';
import { writeTogether } from '../../adapters/db/write-together.ts';
import type { Reader, Tx } from '../../adapters/db/schema.ts';

/** Every event the pipeline core announces. Channels and templates pick from these. */
export const OUTBOX_EVENTS = [
  'bug.reported',
  'bug.confirmed',
  'bug.rejected',
  'bug.approved_prod',
  'bug.approved_uat_merge',
  'bug.closed',
  'bug.fix_attached',
  'bug.dropped_from_release',
  'bug.rerouted',
  'bug.conflict',
  'bug.fix_missing',
  'environment.recorded',
  // The SEED.md templates, one per node of a run.
  't1.flow1.deployed_uat',
  't1.flow2.queued_prod',
  't2.flow1.deployed_prod',
  't2.flow2.deployed_prod',
  't2.flow2.uat_merged',
  'release.held',
  'deploy.failed',
  'run.failed',
  'run.interrupted',
  'run.missed',
  // Change freezes (DESIGN.md decision 7).
  'run.skipped',
  'run.modules_frozen',
  'freeze.declared',
  'freeze.lifted',
  // The safety net after a deploy: smoke tests, rollback, the deploy lock.
  'smoke.failed',
  'rollback.executed',
  'rollback.escalated',
  'rollback.followup',
  'deploy.lock_expired',
  // Emergency hotfixes (payloads: BRIEF-COMMON.md; hotfix.deployed is SEED.md's "Emergency Hotfix" template).
  'hotfix.opened',
  'hotfix.team_notified',
  'hotfix.deployed',
  'hotfix.sla_warning',
  'hotfix.review_due',
  // Work cut short when its process stopped (decision record 0024); rollbacks use rollback.escalated.
  'hotfix.interrupted',
  'run.skipped',
  // The pre-deploy checklist (DESIGN.md decision 8).
  'checklist.failed',
  'oncall.ack_requested',
  'oncall.acknowledged',
  // Post-deploy monitoring: a metric out of bounds; a provider that cannot measure.
  'monitoring.breach',
  'monitoring.unavailable',
  'monitoring.interrupted',
] as const;
export type OutboxEvent = (typeof OUTBOX_EVENTS)[number];

export type OutboxMessage = {
  system: string | null;
  event: OutboxEvent;
  payload: Record<string, unknown>;
  /** Unique per message: a change retried never enqueues twice, delivery never posts twice. */
  idempotencyKey: string;
  at: Date;
};

// Every change enqueues its message: compiled once per number of rows (src/adapters/db/precompiled.ts).
const MESSAGE_COLUMNS = ['system', 'event', 'payload', 'idempotency_key', 'next_attempt_at', 'created_at'] as const;
const insertMessages = precompiledInsert(MESSAGE_COLUMNS, (db, rows) =>
  db
    .insertInto('outbox')
    .values(rows as never)
    .onConflict((oc) => oc.column('idempotency_key').doNothing()),
);

/** The insert of these messages, to run with a change's other writes (write-together.ts); null for none. */
function enqueueWrite(trx: Tx, messages: readonly OutboxMessage[]): CompiledQuery | null {
  if (messages.length === 0) return null;
  const rows = messages.map((message) => ({
    system: message.system,
    event: message.event,
    payload: JSON.stringify(message.payload),
    idempotency_key: message.idempotencyKey,
    next_attempt_at: message.at.toISOString(),
    created_at: message.at.toISOString(),
  }));
  return insertMessages(rows.length).bind(trx, rows);
}

export function createOutboxStore() {
  return {
    async enqueue(trx: Tx, ...messages: OutboxMessage[]): Promise<void> {
      await writeTogether(trx, [enqueueWrite(trx, messages)]);
    },

    enqueueWrite,


    async list(db: Reader, query: { system?: string; status?: string; limit: number }) {
      let q = db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(query.limit);
      if (query.system) q = q.where('system', '=', query.system);
      if (query.status) q = q.where('status', '=', query.status);
      const rows = await q.execute();
      return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
