// Frozen: a migration never imports application code and is never edited once released.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A stream's head row follows its newest event: the database moves it when an event is inserted,
 * in the same statement, instead of the application sending an update after every append (one
 * statement, on PostgreSQL one round trip, less per change; decision record 0023). The
 * application still takes the head row first (insert … on conflict … returning), which locks it
 * on PostgreSQL and gives the hash the new event links to.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`
      create or replace function tonic_audit_head_follows() returns trigger language plpgsql as $$
      begin
        update audit_heads set seq = new.seq, hash = new.hash where stream = new.stream and seq < new.seq;
        return null;
      end
      $$`.execute(db);
    await sql`create trigger audit_events_head_follows after insert on audit_events for each row execute function tonic_audit_head_follows()`.execute(db);
    return;
  }
  await sql`
    create trigger audit_events_head_follows after insert on audit_events for each row begin
      update audit_heads set seq = new.seq, hash = new.hash where stream = new.stream and seq < new.seq;
    end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger if exists audit_events_head_follows on audit_events`.execute(db);
    await sql`drop function if exists tonic_audit_head_follows()`.execute(db);
    return;
  }
  await sql`drop trigger if exists audit_events_head_follows`.execute(db);
}
