/**
 * Declaring, listing and lifting freezes, and `freezes.at` (what runs, hotfixes and checklists
 * ask), on every dialect with a fake clock. The system's zone is Asia/Hong_Kong (UTC+8).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { NO_FREEZE_CONFIG, type FreezeFlags } from '../../../src/features/freezes/freeze-rules.ts';
import { DomainError } from '../../../src/shared/errors.ts';
import { DIALECTS } from '../../support/databases.ts';
import { createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';

const rejectsWith = (code: string, message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(error.code, code);
  assert.match(error.message, message);
  return true;
};

for (const dialect of DIALECTS) {
  describe(`freezes on ${dialect}`, () => {
    const opened: TestTonic[] = [];
    const open = async (options: { freezeEnvironment?: FreezeFlags; systems?: ReturnType<typeof testSystem>[] } = {}) => {
      const t = await createTestTonic({ dialect, now: '2026-11-26T04:00:00Z', ...options });
      opened.push(t);
      return t;
    };
    afterEach(async () => {
      for (const t of opened.splice(0)) await t.close();
    });
    const freezeMessages = async (t: TestTonic) =>
      (await t.tonic.outbox.list(t.tonic.db, { system: 'shop', limit: 100 })).filter((m) => m.event.startsWith('freeze.')).reverse();

    test('an admin declares a freeze: in force from its start to its end, audited and announced; lifting ends it at once', async () => {
      const t = await open();
      const { freezes } = t.tonic;
      const declared = await freezes.declare(t.actors.admin, 'shop', { start: '2026-11-27', end: '2026-11-30T09:00', modules: ['financial'], reason: 'quarter close' });
      assert.equal(declared.start, '2026-11-26T16:00:00.000Z', '00:00 on the 27th in Hong Kong');
      assert.equal(declared.end, '2026-11-30T01:00:00.000Z');
      assert.deepEqual([declared.state, declared.scope, declared.modules, declared.by], ['upcoming', 'modules', ['financial'], 'admin']);

      assert.deepEqual((await freezes.at('shop', new Date('2026-11-26T15:59:59Z'))).modules, []);
      const during = await freezes.at('shop', new Date('2026-11-28T12:00:00Z'));
      assert.deepEqual([during.full, during.modules], [false, ['financial']]);
      assert.deepEqual(during.sources.map((s) => [s.source, s.label, s.end]), [['declared', `quarter close (declared by admin, #${declared.id})`, '2026-11-30T01:00:00.000Z']]);

      t.clock.set('2026-11-28T00:00:00Z');
      const listed = await freezes.list(t.actors.viewer, 'shop', { limit: 50 });
      assert.deepEqual(listed.now.modules, ['financial']);
      assert.deepEqual(listed.items.map((f) => [f.id, f.state]), [[declared.id, 'active']]);

      const lifted = await freezes.lift(t.actors.admin, 'shop', declared.id, { reason: 'close finished early' });
      assert.deepEqual([lifted.state, lifted.liftedBy, lifted.liftReason], ['lifted', 'admin', 'close finished early']);
      assert.deepEqual((await freezes.at('shop', new Date('2026-11-28T00:00:01Z'))).modules, [], 'lifted: no longer in force');
      assert.deepEqual((await freezes.at('shop', new Date('2026-11-27T12:00:00Z'))).modules, ['financial'], 'the past stays as it was');
      assert.deepEqual((await freezes.list(t.actors.viewer, 'shop', { limit: 50 })).items, [], 'lifted freezes leave the default list');
      assert.deepEqual((await freezes.list(t.actors.viewer, 'shop', { all: true, limit: 50 })).items.map((f) => f.state), ['lifted']);

      const messages = await freezeMessages(t);
      assert.deepEqual(messages.map((m) => m.event), ['freeze.declared', 'freeze.lifted']);
      assert.deepEqual(messages[0]!.payload, {
        id: declared.id,
        system: 'shop',
        start: '2026-11-26T16:00:00.000Z',
        end: '2026-11-30T01:00:00.000Z',
        startLocal: '2026-11-27 00:00 GMT+8',
        endLocal: '2026-11-30 09:00 GMT+8',
        scope: 'modules',
        modules: ['financial'],
        reason: 'quarter close',
        by: 'admin',
      });
      assert.deepEqual([messages[1]!.payload.by, messages[1]!.payload.declaredBy, messages[1]!.payload.liftReason], ['admin', 'admin', 'close finished early']);
      const audit = await t.tonic.audit.list(t.tonic.db, { stream: 'shop', limit: 50 });
      assert.deepEqual(audit.filter((e) => e.subject === `freeze:${declared.id}`).map((e) => [e.action, e.actor]).reverse(), [['freeze.declared', 'admin'], ['freeze.lifted', 'admin']]);
      assert.equal((await t.tonic.audit.verify(t.tonic.db)).ok, true);
    });

    test('a freeze starts now by default and covers the whole system without modules', async () => {
      const t = await open();
      const f = await t.tonic.freezes.declare(t.actors.admin, 'shop', { end: '2026-11-26T22:30', reason: 'DB maintenance' });
      assert.deepEqual([f.start, f.state, f.scope], ['2026-11-26T04:00:00.000Z', 'active', 'system']);
      const now = await t.tonic.freezes.at('shop', new Date('2026-11-26T14:00:00Z'));
      assert.equal(now.full, true);
    });

    test('bad input is refused with the reason, and nothing is written', async () => {
      const t = await open();
      const { freezes } = t.tonic;
      const admin = t.actors.admin;
      await assert.rejects(
        freezes.declare(admin, 'shop', { start: '2026-12-05', end: '2026-12-01', reason: 'x' }),
        rejectsWith('validation_failed', /^end 2026-12-01 00:00 GMT\+8 is not after start 2026-12-05 00:00 GMT\+8/),
      );
      await assert.rejects(freezes.declare(admin, 'shop', { start: '2026-12-05', end: '2026-12-05', reason: 'x' }), rejectsWith('validation_failed', /is not after start/));
      await assert.rejects(freezes.declare(admin, 'shop', { start: '2026-11-01', end: '2026-11-20', reason: 'x' }), rejectsWith('validation_failed', /is already past .*would never be in force/));
      await assert.rejects(
        freezes.declare(admin, 'shop', { end: '2026-12-01', modules: ['financial', 'ledger'], reason: 'x' }),
        rejectsWith('validation_failed', /^module "ledger" is not a module of shop; known modules: checkout, financial$/),
      );
      await assert.rejects(freezes.declare(admin, 'shop', { end: '2026-02-30', reason: 'x' }), rejectsWith('validation_failed', /^end "2026-02-30" is not a date or time: write a date/));
      await assert.rejects(freezes.declare(admin, 'shop', { start: 'now', end: '2026-12-01', reason: 'x' }), rejectsWith('validation_failed', /^start "now" is not a date or time/));
      await assert.rejects(freezes.declare(admin, 'shop', { end: '2026-12-01', reason: '   ' }), rejectsWith('validation_failed', /reason is empty/));
      await assert.rejects(freezes.declare(t.actors.manager, 'shop', { end: '2026-12-01', reason: 'x' }), rejectsWith('forbidden', /declaring and lifting change freezes needs admin/));
      await assert.rejects(freezes.declare(admin, 'nowhere', { end: '2026-12-01', reason: 'x' }), rejectsWith('not_found', /system "nowhere" is not configured/));
      await assert.rejects(freezes.calendar(t.actors.viewer, 'shop', 0), rejectsWith('validation_failed', /ask for 1 to 366 days/));
      assert.deepEqual((await freezes.list(admin, 'shop', { all: true, limit: 50 })).items, []);
      assert.deepEqual(await freezeMessages(t), []);

      const f = await freezes.declare(admin, 'shop', { end: '2026-11-27', reason: 'x' });
      await assert.rejects(freezes.lift(t.actors.manager, 'shop', f.id), rejectsWith('forbidden', /needs admin/));
      await freezes.lift(admin, 'shop', f.id);
      await assert.rejects(freezes.lift(admin, 'shop', f.id), rejectsWith('invalid_transition', new RegExp(`^freeze ${f.id} was already lifted by admin at 2026-11-26 12:00 GMT\\+8$`)));
      await assert.rejects(freezes.lift(admin, 'shop', 9999), rejectsWith('not_found', /freeze 9999 does not exist on system shop/));
      const ends = await freezes.declare(admin, 'shop', { end: '2026-11-27', reason: 'y' });
      t.clock.set('2026-11-27T00:00:00Z');
      await assert.rejects(freezes.lift(admin, 'shop', ends.id), rejectsWith('invalid_transition', /already ended at 2026-11-27 00:00 GMT\+8: there is nothing to lift/));
      assert.deepEqual((await freezeMessages(t)).map((m) => m.event), ['freeze.declared', 'freeze.lifted', 'freeze.declared']);
    });

    test('the environment\'s freeze applies to each system as far as it concerns it; the configuration\'s to its system', async () => {
      const billing = testSystem({ name: 'billing', modules: ['invoices'], freeze: { ...NO_FREEZE_CONFIG, flags: { all: true, modules: [], until: '2026-11-28' } } });
      const t = await open({ freezeEnvironment: { all: null, modules: ['financial'], until: '2026-12-01' }, systems: [testSystem(), billing] });
      const shop = await t.tonic.freezes.at('shop', new Date('2026-11-26T14:00:00Z'));
      assert.deepEqual([shop.full, shop.modules, shop.sources[0]?.label], [false, ['financial'], 'environment: DEPLOY_FREEZE_MODULES=financial, DEPLOY_FREEZE_UNTIL=2026-12-01']);
      const other = await t.tonic.freezes.at('billing', new Date('2026-11-26T14:00:00Z'));
      assert.deepEqual(
        other.sources.map((s) => [s.source, s.scope, s.label]),
        [['config', 'system', 'configuration: freeze.all, freeze.until 2026-11-28']],
        'billing has no financial module: the environment\'s module freeze is not about it (and is not read as a full one)',
      );
      assert.equal((await t.tonic.freezes.at('billing', new Date('2026-11-27T16:00:00Z'))).full, false, 'lifted at 00:00 on the 28th');
    });

    test('the calendar lists the windows ahead with their local times', async () => {
      const shop = testSystem({ freeze: { ...NO_FREEZE_CONFIG, monthEndClose: { businessDays: 2, modules: ['financial'] }, lunarNewYear: { days: 3 } } });
      const t = await open({ systems: [shop] });
      const f = await t.tonic.freezes.declare(t.actors.admin, 'shop', { start: '2026-12-20', end: '2026-12-21', reason: 'data centre move' });
      const cal = await t.tonic.freezes.calendar(t.actors.viewer, 'shop', 90);
      assert.deepEqual([cal.from, cal.to], ['2026-11-26T04:00:00.000Z', '2027-02-24T04:00:00.000Z']);
      assert.deepEqual(
        cal.windows.map((w) => [w.source, w.startLocal, w.endLocal]),
        [
          ['month-end', '2026-11-27 00:00 GMT+8', '2026-12-01 00:00 GMT+8'],
          ['declared', '2026-12-20 00:00 GMT+8', '2026-12-21 00:00 GMT+8'],
          ['month-end', '2026-12-30 00:00 GMT+8', '2027-01-01 00:00 GMT+8'],
          ['month-end', '2027-01-28 00:00 GMT+8', '2027-02-01 00:00 GMT+8'],
          ['lunar-new-year', '2027-02-06 00:00 GMT+8', '2027-02-09 00:00 GMT+8'],
        ],
      );
      assert.match(cal.windows[1]!.label, new RegExp(`data centre move \\(declared by admin, #${f.id}\\)`));
    });
  });
}
