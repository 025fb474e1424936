import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFreezeEnvironment, readFreezeEnvironment, readSettings, SettingsError } from './settings.ts';

describe('DEPLOY_FREEZE* from the environment', () => {
  test('unset or empty: no freeze', () => {
    assert.equal(readFreezeEnvironment({}), null);
    assert.equal(readFreezeEnvironment({ DEPLOY_FREEZE: '', DEPLOY_FREEZE_MODULES: ' ', DEPLOY_FREEZE_UNTIL: '' }), null);
    assert.equal(readSettings({}, '/tmp').freeze, null);
  });

  test('the three keys as SEED.md writes them', () => {
    assert.deepEqual(readFreezeEnvironment({ DEPLOY_FREEZE: 'true' }), { all: true, modules: [], until: null });
    assert.deepEqual(readFreezeEnvironment({ DEPLOY_FREEZE_MODULES: 'financial,billing' }), { all: null, modules: ['billing', 'financial'], until: null });
    assert.deepEqual(readFreezeEnvironment({ DEPLOY_FREEZE: 'false', DEPLOY_FREEZE_UNTIL: '2026-02-05' }), { all: false, modules: [], until: '2026-02-05' });
    assert.deepEqual(readSettings({ DEPLOY_FREEZE_UNTIL: '2026-02-05' }, '/tmp').freeze, { all: null, modules: [], until: '2026-02-05' });
  });

  test('a value that cannot be read stops the server instead of being ignored', () => {
    for (const [env, message] of [
      [{ DEPLOY_FREEZE_UNTIL: '2026-02-30' }, /^DEPLOY_FREEZE_UNTIL=2026-02-30 is not a date: write YYYY-MM-DD/],
      [{ DEPLOY_FREEZE_UNTIL: '05/02/2026' }, /^DEPLOY_FREEZE_UNTIL=05\/02\/2026 is not a date/],
      [{ DEPLOY_FREEZE: 'maybe' }, /^DEPLOY_FREEZE=maybe is neither true nor false/],
      [{ DEPLOY_FREEZE_MODULES: 'Financial' }, /^DEPLOY_FREEZE_MODULES=Financial names "Financial", which is not a module name/],
    ] as const) {
      assert.throws(() => readSettings(env, '/tmp'), (e: unknown) => e instanceof SettingsError && message.test(e.message));
    }
  });

  test('a module of no configured system is refused; a module of some system is fine', () => {
    const systems = [
      { name: 'shop', modules: ['checkout', 'financial'] },
      { name: 'billing', modules: ['invoices'] },
    ];
    checkFreezeEnvironment({ all: null, modules: ['financial', 'invoices'], until: null }, systems);
    assert.throws(
      () => checkFreezeEnvironment({ all: null, modules: ['financal'], until: null }, systems),
      /^SettingsError: DEPLOY_FREEZE_MODULES names "financal", a module of no configured system \(known modules: checkout, financial, invoices\)/,
    );
  });
});
