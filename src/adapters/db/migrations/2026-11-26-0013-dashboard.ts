// Frozen: a migration never imports application code and is never edited once released.
import type { Kysely } from 'kysely';

/**
 * The dashboard's audit log filters (subject, who, what) read through indexes, newest first,
 * instead of walking the whole log for a rare match.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_events_subject_id').on('audit_events').columns(['subject', 'id']).execute();
  await db.schema.createIndex('audit_events_actor_id').on('audit_events').columns(['actor', 'id']).execute();
  await db.schema.createIndex('audit_events_action_id').on('audit_events').columns(['action', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['audit_events_action_id', 'audit_events_actor_id', 'audit_events_subject_id']) await db.schema.dropIndex(index).execute();
}
