/**
 * Every event a channel can subscribe to: what the pipeline core enqueues (OUTBOX_EVENTS) and the
 * events the other features announce by contract (freezes, checklist, smoke, monitoring,
 * rollback, hotfixes). Each has a template in both languages; the compiler holds the two lists
 * together, so an event added to the outbox without a template does not build.
 */
import { OUTBOX_EVENTS, type OutboxEvent } from '../../outbox/outbox-store.ts';

/** Announced by the features built beside notifications, with the payloads their contract fixes. */
export const CONTRACT_EVENTS = [
  'run.skipped',
  'run.modules_frozen',
  'freeze.declared',
  'freeze.lifted',
  'checklist.failed',
  'oncall.ack_requested',
  'smoke.failed',
  'monitoring.breach',
  'rollback.executed',
  'rollback.escalated',
  'rollback.followup',
  'hotfix.opened',
  'hotfix.team_notified',
  'hotfix.deployed',
  'hotfix.sla_warning',
  'hotfix.review_due',
] as const;

export type NotifiedEvent = OutboxEvent | (typeof CONTRACT_EVENTS)[number];

export const NOTIFIED_EVENTS: readonly NotifiedEvent[] = [...new Set<NotifiedEvent>([...OUTBOX_EVENTS, ...CONTRACT_EVENTS])];

export function isNotifiedEvent(value: string): value is NotifiedEvent {
  return (NOTIFIED_EVENTS as readonly string[]).includes(value);
}

/**
 * Does a channel's `events` entry take this event? An exact name, a prefix with `.*`
 * (`t1.*`, `bug.*`), or `*` for all.
 */
export function eventMatches(pattern: string, event: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return event.startsWith(pattern.slice(0, -1));
  return pattern === event;
}

/** The known events an `events` entry takes; empty when it names none (a typo). */
export function eventsMatching(pattern: string): NotifiedEvent[] {
  return NOTIFIED_EVENTS.filter((e) => eventMatches(pattern, e));
}
