import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VERSION_RELATIONS, chooseFlow, type EnvironmentVersion, type VersionRelation } from './flow-rules.ts';

const uat: EnvironmentVersion = { version: 'v1.4.0', commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' };
const prod: EnvironmentVersion = { version: 'v1.3.2', commit: 'ffeeddccbbaa99887766554433221100ffeeddcc' };

describe('flow selection from how UAT and PROD relate (DESIGN.md decision 1)', () => {
  test('same commit: Flow 1, UAT first, no warning', () => {
    const choice = chooseFlow('same', prod, prod);
    assert.equal(choice.flow, 'flow1');
    assert.equal(choice.relation, 'same');
    assert.equal(choice.warning, null);
    assert.match(choice.reason, /same commit/);
    assert.match(choice.reason, /Flow 1/);
    assert.ok(choice.reason.includes('v1.3.2') && choice.reason.includes('ffeeddccbb'), choice.reason);
  });

  test('UAT ahead (PROD an ancestor of UAT): Flow 2, PROD first, no warning; the reason names both versions', () => {
    const choice = chooseFlow('uat_ahead', uat, prod);
    assert.equal(choice.flow, 'flow2');
    assert.equal(choice.warning, null);
    assert.match(choice.reason, /UAT \(v1\.4\.0, a1b2c3d4e5\) is ahead of PROD \(v1\.3\.2, ffeeddccbb\)/);
    assert.match(choice.reason, /Flow 2/);
  });

  test('diverged both ways: Flow 2 with a warning', () => {
    const choice = chooseFlow('diverged', uat, prod);
    assert.equal(choice.flow, 'flow2');
    assert.match(choice.reason, /v1\.4\.0.*v1\.3\.2/);
    assert.match(choice.reason, /diverged/);
    assert.match(choice.warning ?? '', /diverged/);
    assert.match(choice.warning ?? '', /cherry-pick back to UAT/);
  });

  test('PROD ahead of UAT: no flow is safe; the bug waits with "UAT is behind PROD: sync UAT first"', () => {
    const choice = chooseFlow('prod_ahead', { version: 'v1.3.0', commit: '0123456789abcdef' }, prod);
    assert.equal(choice.flow, null);
    assert.equal(choice.warning, null);
    assert.match(choice.reason, /^UAT is behind PROD: sync UAT first/);
    assert.ok(choice.reason.includes('UAT v1.3.0, 0123456789') && choice.reason.includes('PROD v1.3.2, ffeeddccbb'), choice.reason);
  });

  test('unknown: no flow; the reason says whether a commit is missing from the repository or not recorded at all', () => {
    const missing = chooseFlow('unknown', uat, prod);
    assert.equal(missing.flow, null);
    assert.match(missing.reason, /cannot tell how UAT \(v1\.4\.0, a1b2c3d4e5\) and PROD \(v1\.3\.2, ffeeddccbb\) relate/);
    const unrecorded = chooseFlow('unknown', { version: null, commit: null }, prod);
    assert.equal(unrecorded.flow, null);
    assert.match(unrecorded.reason, /not recorded yet: record them before a flow can be chosen/);
  });

  test('an environment with a commit but no version tag is described by its commit', () => {
    const choice = chooseFlow('uat_ahead', { version: null, commit: 'abcdef0123456789' }, prod);
    assert.match(choice.reason, /UAT \(abcdef0123\) is ahead/);
    assert.doesNotMatch(choice.reason, /null|undefined/);
  });

  test('every relation has an answer: a flow, or a reason to wait; only divergence warns', () => {
    const expected: Record<VersionRelation, 'flow1' | 'flow2' | null> = { same: 'flow1', uat_ahead: 'flow2', diverged: 'flow2', prod_ahead: null, unknown: null };
    assert.deepEqual([...VERSION_RELATIONS].sort(), Object.keys(expected).sort());
    for (const relation of VERSION_RELATIONS) {
      const choice = chooseFlow(relation, uat, prod);
      assert.equal(choice.flow, expected[relation], relation);
      assert.equal(choice.relation, relation);
      assert.ok(choice.reason.length > 0);
      assert.equal(choice.warning !== null, relation === 'diverged', relation);
      assert.doesNotMatch(choice.reason, /null|undefined/, relation);
    }
  });
});
