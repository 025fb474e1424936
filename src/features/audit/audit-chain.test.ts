import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { GENESIS_HASH, hashEvent, verifyStream, type AuditContent, type StoredAuditEvent } from './audit-chain.ts';

type Body = Omit<AuditContent, 'stream' | 'seq'>;

/** Links bodies into a stream the way the audit store writes them. */
function chain(stream: string, bodies: readonly Body[], start = { seq: 0, hash: GENESIS_HASH }, firstId = 1): StoredAuditEvent[] {
  const events: StoredAuditEvent[] = [];
  let prev = start.hash;
  for (const [i, body] of bodies.entries()) {
    const content: AuditContent = { stream, seq: start.seq + i + 1, ...body };
    const hash = hashEvent(content, prev);
    events.push({ ...content, id: firstId + i, prevHash: prev, hash });
    prev = hash;
  }
  return events;
}

const bodyArb: fc.Arbitrary<Body> = fc.record({
  at: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  actor: fc.constantFrom('admin', 'manager', 'dana', 'tonic'),
  action: fc.constantFrom('bug.reported', 'bug.confirm', 'bug.approve_prod', 'bug.deploy_prod', 'environment.recorded'),
  subject: fc.integer({ min: 1, max: 50 }).map((n) => `bug:${n}`),
  data: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean())).map((o) => JSON.stringify(o)),
});

const streamArb = fc.constantFrom('shop', '_global', 'billing');
const chainArb = fc.tuple(streamArb, fc.array(bodyArb, { minLength: 1, maxLength: 25 })).map(([stream, bodies]) => chain(stream, bodies));

/** The content fields, plus the link fields. `id` is the row's storage key, not part of what is attested. */
const FIELDS = ['stream', 'seq', 'at', 'actor', 'action', 'subject', 'data', 'prevHash', 'hash'] as const;

function tamper(event: StoredAuditEvent, field: (typeof FIELDS)[number], salt: number): StoredAuditEvent {
  switch (field) {
    case 'seq':
      return { ...event, seq: event.seq + 1 + salt };
    case 'at':
      return { ...event, at: new Date(Date.parse(event.at) + 1000 * (salt + 1)).toISOString() };
    case 'data':
      return { ...event, data: JSON.stringify({ ...(JSON.parse(event.data) as object), tampered: salt }) };
    case 'prevHash':
    case 'hash':
      return { ...event, [field]: hashEvent({ ...event, data: `x${salt}` }, event[field]) };
    default:
      return { ...event, [field]: `${event[field]}~${salt}` };
  }
}

describe('audit hash chain (DESIGN.md decision 13)', () => {
  test('an empty run and an untouched chain verify', () => {
    assert.equal(verifyStream([]), null);
    fc.assert(
      fc.property(chainArb, (events) => {
        assert.equal(verifyStream(events), null);
        assert.equal(events[0]!.prevHash, GENESIS_HASH);
      }),
    );
  });

  test('the hash does not depend on the order an object lists its keys in', () => {
    const content: AuditContent = { stream: 'shop', seq: 1, at: '2026-11-26T04:00:00.000Z', actor: 'admin', action: 'bug.confirm', subject: 'bug:1', data: '{}' };
    const reordered = { data: '{}', subject: 'bug:1', action: 'bug.confirm', actor: 'admin', at: '2026-11-26T04:00:00.000Z', seq: 1, stream: 'shop' };
    assert.equal(hashEvent(content, GENESIS_HASH), hashEvent(reordered, GENESIS_HASH));
    assert.match(hashEvent(content, GENESIS_HASH), /^[0-9a-f]{64}$/);
    assert.notEqual(hashEvent(content, GENESIS_HASH), hashEvent(content, 'f'.repeat(64)), 'the previous hash is part of the hash');
  });

  test('changing any field of any event is detected at that event', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.constantFrom(...FIELDS), fc.nat({ max: 5 }), (events, pick, field, salt) => {
        const i = pick % events.length;
        const altered = events.map((e, j) => (j === i ? tamper(e, field, salt) : e));
        const found = verifyStream(altered);
        assert.ok(found, `a change to ${field} of event ${i + 1} went unnoticed`);
        assert.equal(found.id, events[i]!.id, `reported at event id ${found.id}, changed ${events[i]!.id}`);
        assert.equal(found.seq, altered[i]!.seq);
        assert.equal(found.stream, altered[i]!.stream);
      }),
      { numRuns: 500 },
    );
  });

  test('dropping an event is detected where the gap is', () => {
    fc.assert(
      fc.property(
        chainArb.filter((e) => e.length >= 2),
        fc.nat(),
        (events, pick) => {
          const i = pick % (events.length - 1); // the newest is the head row's to catch (audit-store)
          const found = verifyStream(events.filter((_, j) => j !== i));
          assert.ok(found, `dropping seq ${i + 1} went unnoticed`);
          assert.equal(found.seq, i + 2);
          assert.equal(found.id, events[i + 1]!.id);
          assert.match(found.problem, new RegExp(`expected seq ${i + 1}, found ${i + 2}: an event is missing`));
        },
      ),
    );
  });

  test('swapping two events is detected at the first swapped place, even if the seqs are renumbered', () => {
    fc.assert(
      fc.property(
        chainArb.filter((e) => e.length >= 2),
        fc.nat(),
        fc.nat(),
        (events, a, b) => {
          const i = a % events.length;
          let j = b % events.length;
          if (j === i) j = (i + 1) % events.length;
          const [lo, hi] = i < j ? [i, j] : [j, i];
          const swapped = [...events];
          swapped[lo] = events[hi]!;
          swapped[hi] = events[lo]!;
          const found = verifyStream(swapped);
          assert.ok(found, 'a swap went unnoticed');
          assert.equal(found.id, events[hi]!.id, 'reported at the event now in the earlier place');

          // Renumbering the seqs to hide the swap still breaks the links.
          const renumbered = swapped.map((e, k) => ({ ...e, seq: k + 1 }));
          const hidden = verifyStream(renumbered);
          assert.ok(hidden, 'a renumbered swap went unnoticed');
          assert.equal(hidden.seq, lo + 1);
          assert.equal(hidden.id, events[hi]!.id);
        },
      ),
    );
  });

  test('verifying from `start` continues a chain checked in pages', () => {
    fc.assert(
      fc.property(chainArb.filter((e) => e.length >= 2), fc.nat(), (events, pick) => {
        const k = 1 + (pick % (events.length - 1));
        const first = events.slice(0, k);
        const rest = events.slice(k);
        assert.equal(verifyStream(first), null);
        const last = first[first.length - 1]!;
        assert.equal(verifyStream(rest, { seq: last.seq, hash: last.hash }), null);
        // Continuing from the wrong place or the wrong hash is a break at the first event of the page.
        const wrongHash = verifyStream(rest, { seq: last.seq, hash: GENESIS_HASH });
        assert.equal(wrongHash?.seq, rest[0]!.seq);
        assert.match(wrongHash?.problem ?? '', /prev_hash does not match/);
        const wrongSeq = verifyStream(rest, { seq: last.seq + 1, hash: last.hash });
        assert.equal(wrongSeq?.seq, rest[0]!.seq);
        // A page alone, from the stream's beginning, does not verify.
        assert.notEqual(verifyStream(rest), null);
      }),
    );
  });

  test('a chain built on from a head continues it', () => {
    const head = chain('shop', [{ at: '2026-11-26T04:00:00.000Z', actor: 'admin', action: 'bug.reported', subject: 'bug:1', data: '{}' }]);
    const last = head[0]!;
    const more = chain('shop', [{ at: '2026-11-26T05:00:00.000Z', actor: 'manager', action: 'bug.confirm', subject: 'bug:1', data: '{"to":"confirmed"}' }], last, 2);
    assert.equal(more[0]!.seq, 2);
    assert.equal(more[0]!.prevHash, last.hash);
    assert.equal(verifyStream([...head, ...more]), null);
    assert.equal(verifyStream(more, { seq: last.seq, hash: last.hash }), null);
  });

  test('the problem text says what happened', () => {
    const events = chain('shop', [
      { at: '2026-11-26T04:00:00.000Z', actor: 'admin', action: 'bug.reported', subject: 'bug:1', data: '{}' },
      { at: '2026-11-26T05:00:00.000Z', actor: 'manager', action: 'bug.confirm', subject: 'bug:1', data: '{}' },
    ]);
    assert.match(verifyStream([{ ...events[0]!, actor: 'mallory' }, events[1]!])?.problem ?? '', /hash does not match the event content: it was altered/);
    assert.match(verifyStream([events[0]!, { ...events[1]!, prevHash: GENESIS_HASH }])?.problem ?? '', /prev_hash does not match the hash of the event before it/);
  });
});
