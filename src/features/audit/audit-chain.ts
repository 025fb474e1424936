/**
 * The audit hash chain (DESIGN.md decision 13): each event's hash covers its content and the hash
 * of the event before it in the same stream, so an edited, removed or reordered event breaks
 * every hash after it. Pure.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditContent = {
  stream: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  /** JSON text, stored as written. */
  data: string;
};

export function hashEvent(content: AuditContent, prevHash: string): string {
  // A fixed field order keeps the hash stable whatever order an object's keys come in.
  const canonical = JSON.stringify([content.stream, content.seq, content.at, content.actor, content.action, content.subject, content.data, prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

export type ChainBreak = { stream: string; seq: number; id: number; problem: string };

export type StoredAuditEvent = AuditContent & { id: number; prevHash: string; hash: string };

/**
 * Checks a run of one stream's events, given in seq order, continuing from `start` (the stream's
 * beginning by default, or the last event of the run checked before). Returns the first break,
 * or null when whole.
 */
export function verifyStream(
  events: readonly StoredAuditEvent[],
  start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): ChainBreak | null {
  let prev = start.hash;
  let expectedSeq = start.seq + 1;
  for (const e of events) {
    if (e.seq !== expectedSeq) {
      return { stream: e.stream, seq: e.seq, id: e.id, problem: `expected seq ${expectedSeq}, found ${e.seq}: an event is missing` };
    }
    if (e.prevHash !== prev) {
      return { stream: e.stream, seq: e.seq, id: e.id, problem: 'prev_hash does not match the hash of the event before it' };
    }
    if (hashEvent(e, prev) !== e.hash) {
      return { stream: e.stream, seq: e.seq, id: e.id, problem: 'hash does not match the event content: it was altered' };
    }
    prev = e.hash;
    expectedSeq += 1;
  }
  return null;
}
