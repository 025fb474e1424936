import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { allowedActionsFor, type Caller } from '../../../src/features/bugs/bug-rules.ts';
import { BUG_STATUSES, FIX_FLOWS, SEVERITIES } from '../../../src/features/bugs/bug-statuses.ts';
import { createBugStore } from '../../../src/features/bugs/bug-store.ts';
import { bugPageJson, encodeCursor, toBugSummary } from '../../../src/features/bugs/bug-view.ts';
import { ROLES } from '../../../src/features/identity/roles.ts';
import { migrateDown, migrateToLatest } from '../../../src/adapters/db/database.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../support/databases.ts';

// Any text a person may type (PostgreSQL text cannot hold NUL).
const text = fc
  .oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak\ttab', '</script>', '\u2028', '中文 標題', '\u0001control', 'bell\u0007 \b back \f feed \r return \u001f unit \u007f del'))
  .map((t) => t.replaceAll('\0', ''));
const iso = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString());
const fixRef = fc.record({ kind: fc.constantFrom('commit', 'branch', 'trailer'), ref: text, commit: fc.stringMatching(/^[0-9a-f]{40}$/), attachedBy: text, at: iso });
const conflict = fc.record({ release: fc.option(text), commit: fc.stringMatching(/^[0-9a-f]{40}$/), files: fc.array(text, { maxLength: 3 }), message: text, at: iso });

/** Bugs as Tonic stores them: JSON columns as the text it wrote with JSON.stringify. */
const bug = fc.record({
  title: text,
  description: text,
  severity: fc.constantFrom(...SEVERITIES),
  status: fc.constantFrom(...BUG_STATUSES),
  found_in_env: fc.constantFrom('uat', 'prod'),
  module: fc.option(text),
  services: fc.array(text, { maxLength: 3 }).map((s) => JSON.stringify(s)),
  fix_flow: fc.option(fc.constantFrom(...FIX_FLOWS)),
  flow_reason: fc.option(text),
  flow_hold: fc.option(text),
  flow_override_reason: fc.option(text),
  reporter: text,
  fix_attached_by: fc.option(fc.constantFrom('dev', 'manager', 'admin')),
  fix_refs: fc.array(fixRef, { maxLength: 3 }).map((r) => JSON.stringify(r)),
  conflict: fc.option(conflict.map((c) => JSON.stringify(c))),
  release_id: fc.option(fc.integer({ min: 1, max: 100_000 })),
  runs_at: fc.option(iso),
  version: fc.integer({ min: 1, max: 1000 }),
  created_at: iso,
  updated_at: iso,
});

/** The page the API would build from objects: each summary with the caller's actions, as JSON.stringify writes it. */
function objectPage(rows: Parameters<typeof toBugSummary>[0][], timeZone: string, actionsOf: ReturnType<typeof allowedActionsFor>, nextCursor: string | null): string {
  const items = rows.map((r) => {
    const summary = toBugSummary(r, timeZone);
    return { ...summary, allowedActions: actionsOf(summary) };
  });
  return JSON.stringify({ items, nextCursor });
}

for (const dialect of DIALECTS) {
  describe(`a bug list page written as JSON text, on ${dialect}`, () => {
    let handle: TestDatabase;
    test.before(async () => {
      handle = await openTestDatabase(dialect);
    });
    test.after(() => handle.close());
    const store = createBugStore();
    let systems = 0;

    test('is, byte for byte, the page built as objects and given to JSON.stringify, for any bugs, caller, filter, page size and time zone', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(bug, { maxLength: 12 }),
          fc.constantFrom(...ROLES),
          fc.constantFrom('Asia/Hong_Kong', 'Europe/London', 'America/New_York', 'UTC'),
          fc.option(fc.constantFrom(...BUG_STATUSES)),
          fc.integer({ min: 1, max: 5 }),
          async (bugs, role, timeZone, status, limit) => {
            const system = `page-${++systems}`;
            if (bugs.length > 0) await handle.db.insertInto('bugs').values(bugs.map((b) => ({ ...b, system }))).execute();
            // One bug more than the page, as the service asks: it says that there is a next page.
            const filters = { status: status ?? undefined, limit: limit + 1 };
            const caller: Caller = { username: 'dev', roles: [role], allowSelfApproval: false, pipelineSeverities: ['low', 'medium'] };
            const actionsOf = allowedActionsFor(caller);
            const rows = await store.list(handle.db, system, filters);
            const asObjects = objectPage(rows.slice(0, limit), timeZone, actionsOf, rows.length > limit ? encodeCursor(rows[limit - 1]!.id) : null);
            const page = bugPageJson(await store.listPage(handle.db, system, filters, caller.username), { limit, timeZone, me: caller.username, actionsOf });
            assert.equal(page.toString('utf8'), asObjects);
          },
        ),
        { numRuns: 100 },
      );
    });

    test('bugs written before their list JSON was kept, and bugs changed since, are still the object page', async () => {
      const system = `page-upgrade-${dialect}`;
      const caller: Caller = { username: 'dev', roles: ['manager'], allowSelfApproval: false, pipelineSeverities: ['low', 'medium'] };
      const actionsOf = allowedActionsFor(caller);
      const filters = { limit: 11 };
      const asObjects = async () => objectPage(await store.list(handle.db, system, filters), 'UTC', actionsOf, null);
      const page = async () => bugPageJson(await store.listPage(handle.db, system, filters, caller.username), { limit: 10, timeZone: 'UTC', me: caller.username, actionsOf }).toString('utf8');
      // Back to before migration 0015, bugs written there, then migrated again: its backfill writes their JSON.
      await migrateDown(handle);
      const [sample] = fc.sample(bug, { numRuns: 1, seed: 7 });
      await handle.db.insertInto('bugs').values([{ ...sample!, system, title: 'written "before" 0015 中文' }, { ...sample!, system, fix_attached_by: 'dev' }]).execute();
      await migrateToLatest(handle);
      assert.equal(await page(), await asObjects());
      // A change rewrites it: a new flow reason, status, runsAt and version.
      const [first] = await store.list(handle.db, system, filters);
      assert.ok(await handle.db.transaction().execute((trx) => store.update(trx, first!.id, first!.version, { flow_reason: 'changed \\ since', status: 'pending_prod', runs_at: '2026-12-01T10:00:00.000Z' }, new Date('2026-11-30T00:00:00Z'))));
      assert.equal(await page(), await asObjects());
    });

    test('a page of 200 long bugs, written in several pieces, is still the object page', async () => {
      const system = `page-long-${dialect}`;
      const long = (i: number) => `${i} 中文 標題 "quoted" ${'ü'.repeat(150)}`;
      const [sample] = fc.sample(bug, { numRuns: 1, seed: 42 });
      await handle.db.insertInto('bugs').values(Array.from({ length: 200 }, (_, i) => ({ ...sample!, system, title: long(i), reporter: long(i + 1) }))).execute();
      const caller: Caller = { username: 'dev', roles: ['manager'], allowSelfApproval: false, pipelineSeverities: ['low', 'medium'] };
      const actionsOf = allowedActionsFor(caller);
      const filters = { limit: 201 };
      const page = bugPageJson(await store.listPage(handle.db, system, filters, caller.username), { limit: 200, timeZone: 'Europe/London', me: caller.username, actionsOf });
      assert.ok(page.length > 3 * 16_384, `a page of ${page.length} bytes`);
      const asObjects = objectPage(await store.list(handle.db, system, filters), 'Europe/London', actionsOf, null);
      assert.equal(page.toString('utf8'), asObjects);
    });
  });
}
