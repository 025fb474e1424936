import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ROLES } from '../identity/roles.ts';
import { allowedActionsFor, type Caller } from './bug-rules.ts';
import { BUG_STATUSES, FIX_FLOWS, SEVERITIES } from './bug-statuses.ts';
import { bugPageJson, toBugSummary, type BugSummaryRow } from './bug-view.ts';

const iso = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString());
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak', '</script>', '\u2028', '中文 標題'));
const fixRef = fc.record({ kind: fc.constantFrom('commit', 'branch', 'trailer'), ref: text, commit: fc.stringMatching(/^[0-9a-f]{40}$/), attachedBy: text, at: iso });
const conflict = fc.record({ release: fc.option(text), commit: fc.stringMatching(/^[0-9a-f]{40}$/), files: fc.array(text, { maxLength: 3 }), message: text, at: iso });

/** Rows as the store returns them: JSON columns as the text Tonic wrote with JSON.stringify. */
const row: fc.Arbitrary<BugSummaryRow> = fc.record({
  id: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  system: text,
  title: text,
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

describe('a bug list page written as JSON text', () => {
  test('is, byte for byte, the page built as objects and given to JSON.stringify, for any rows, caller and time zone', () => {
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 8 }),
        fc.constantFrom(...ROLES),
        fc.constantFrom('Asia/Hong_Kong', 'Europe/London', 'America/New_York', 'UTC'),
        fc.option(fc.string()),
        (rows, role, timeZone, nextCursor) => {
          const caller: Caller = { username: 'dev', roles: [role], allowSelfApproval: false, pipelineSeverities: ['low', 'medium'] };
          const actionsOf = allowedActionsFor(caller);
          const asObjects = JSON.stringify({
            items: rows.map((r) => {
              const summary = toBugSummary(r, timeZone);
              return { ...summary, allowedActions: actionsOf(summary) };
            }),
            nextCursor,
          });
          assert.equal(bugPageJson(rows, timeZone, actionsOf, nextCursor), asObjects);
        },
      ),
      { numRuns: 300 },
    );
  });
});
