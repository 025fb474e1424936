/**
 * Appends audit events inside the caller's transaction and reads them back. Each system has its
 * own chain ("stream"); identity changes go to the `_global` stream.
 */
import { sql, type CompiledQuery } from 'kysely';
import { precompiled, precompiledInsert } from '../../adapters/db/precompiled.ts';
import type { Reader, Tx } from '../../adapters/db/schema.ts';
import { writeTogether } from '../../adapters/db/write-together.ts';
import { GENESIS_HASH, hashEvent, verifyStream, type ChainBreak } from './audit-chain.ts';

export const GLOBAL_STREAM = '_global';

export type AuditInput = {
  stream: string;
  actor: string;
  action: string;
  /** What the event is about: "bug:12", "user:alice", "environment:shop/uat". */
  subject: string;
  data?: Record<string, unknown>;
  at: Date;
};

export type AuditEvent = {
  id: number;
  stream: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  hash: string;
};

/** Told of events appended inside a transaction (live dashboard updates); must not block it. */
export type AuditListener = (inputs: readonly AuditInput[]) => void;

// Every change appends to the chain: these statements are compiled once (src/adapters/db/precompiled.ts).
// The head row serialises writers of one stream: the upsert takes its row lock on PostgreSQL (held
// to the end of the transaction); SQLite has a single writer. The database moves the head when an
// event is inserted (migration 0014).
const lockHead = precompiled((db, p: { stream: string; genesis: string }) =>
  db
    .insertInto('audit_heads')
    .values({ stream: p.stream, seq: 0, hash: p.genesis })
    .onConflict((oc) => oc.column('stream').doUpdateSet((eb) => ({ stream: eb.ref('excluded.stream') })))
    .returning(['seq', 'hash']),
);
const EVENT_COLUMNS = ['stream', 'seq', 'at', 'actor', 'action', 'subject', 'data', 'prev_hash', 'hash'] as const;
const insertEvents = precompiledInsert(EVENT_COLUMNS, (db, rows) => db.insertInto('audit_events').values(rows as never));

export function createAuditStore(options: { afterAppend?: AuditListener } = {}) {
  return {
    /** Must run in the transaction of the change it records. */
    async append(trx: Tx, input: AuditInput): Promise<void> {
      await this.appendMany(trx, [input]);
    },

    /** Several events in order, with one head read per stream (the database moves the head). */
    async appendMany(trx: Tx, inputs: readonly AuditInput[]): Promise<void> {
      const { writes, appended } = await this.appendWrites(trx, inputs);
      await writeTogether(trx, writes);
      appended();
    },

    /**
     * The inserts of these events, to run with a change's other writes (write-together.ts), and
     * what to call once they ran. Takes each stream's head now (locking it on PostgreSQL).
     */
    async appendWrites(trx: Tx, inputs: readonly AuditInput[]): Promise<{ writes: CompiledQuery[]; appended: () => void }> {
      const byStream = new Map<string, AuditInput[]>();
      for (const input of inputs) byStream.set(input.stream, [...(byStream.get(input.stream) ?? []), input]);
      const writes: CompiledQuery[] = [];
      for (const [stream, events] of byStream) {
        let { seq, hash } = (await lockHead(trx, { stream, genesis: GENESIS_HASH })).rows[0]!;
        const rows = events.map((input) => {
          seq += 1;
          const content = {
            stream,
            seq,
            at: input.at.toISOString(),
            actor: input.actor,
            action: input.action,
            subject: input.subject,
            data: JSON.stringify(input.data ?? {}),
          };
          const prev = hash;
          hash = hashEvent(content, prev);
          return { ...content, prev_hash: prev, hash };
        });
        writes.push(insertEvents(rows.length).bind(trx, rows));
      }
      return { writes, appended: () => void (inputs.length > 0 && options.afterAppend?.(inputs)) };
    },

    /** Newest first, paginated by id. */
    /** Newest first. `action` is exact, or a prefix when it ends in `*` ("freeze.*"). */
    async list(db: Reader, query: { stream?: string; subject?: string; actor?: string; action?: string; before?: number; limit: number }): Promise<AuditEvent[]> {
      let q = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(query.limit);
      if (query.stream) q = q.where('stream', '=', query.stream);
      if (query.subject) q = q.where('subject', '=', query.subject);
      if (query.actor) q = q.where('actor', '=', query.actor);
      if (query.action?.endsWith('*')) {
        // substr, not LIKE: LIKE's wildcards and case rules differ between the dialects.
        const prefix = query.action.slice(0, -1);
        if (prefix) q = q.where(sql<string>`substr(action, 1, ${prefix.length})`, '=', prefix);
      } else if (query.action) q = q.where('action', '=', query.action);
      if (query.before !== undefined) q = q.where('id', '<', query.before);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        stream: r.stream,
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        data: JSON.parse(r.data) as Record<string, unknown>,
        hash: r.hash,
      }));
    },

    /**
     * Walks every stream from its first event and checks each link, and that the head row agrees
     * with the last event (so deleting the newest events is caught too).
     */
    async verify(db: Reader): Promise<{ ok: boolean; streams: number; events: number; breaks: ChainBreak[] }> {
      const heads = await db.selectFrom('audit_heads').selectAll().orderBy('stream').execute();
      const breaks: ChainBreak[] = [];
      let events = 0;
      const pageSize = 5000;
      for (const head of heads) {
        let last = { seq: 0, hash: GENESIS_HASH };
        let broken: ChainBreak | null = null;
        for (;;) {
          const rows = await db
            .selectFrom('audit_events')
            .selectAll()
            .where('stream', '=', head.stream)
            .where('seq', '>', last.seq)
            .orderBy('seq')
            .limit(pageSize)
            .execute();
          if (rows.length === 0) break;
          events += rows.length;
          broken = verifyStream(rows.map((r) => ({ ...r, prevHash: r.prev_hash })), last);
          if (broken) break;
          const end = rows[rows.length - 1]!;
          last = { seq: end.seq, hash: end.hash };
        }
        if (broken) breaks.push(broken);
        else if (head.seq !== last.seq || head.hash !== last.hash) {
          breaks.push({
            stream: head.stream,
            seq: head.seq,
            id: 0,
            problem: `the chain ends at seq ${last.seq} but its head records seq ${head.seq}: events were removed`,
          });
        }
      }
      return { ok: breaks.length === 0, streams: heads.length, events, breaks };
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
