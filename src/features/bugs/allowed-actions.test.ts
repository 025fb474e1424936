import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ROLES, type Role } from '../identity/roles.ts';
import { allowedActions, canTransition, FIXABLE_STATUSES, PERSON_ACTIONS, TRANSITIONS, type Caller } from './bug-rules.ts';
import { BUG_STATUSES, FIX_FLOWS, SEVERITIES } from './bug-statuses.ts';

const caller = (role: Role, username: string = role): Caller => ({ username, roles: [role], allowSelfApproval: false, pipelineSeverities: ['low', 'medium'] });

describe('the actions a person is offered on a bug', () => {
  test('every offered status change is one the transition table allows, for every role, status, flow and severity', () => {
    for (const role of ROLES) {
      for (const status of BUG_STATUSES) {
        for (const fixFlow of [null, ...FIX_FLOWS]) {
          for (const severity of SEVERITIES) {
            const bug = { id: 1, status, fixFlow, severity, fixAttachedBy: null };
            for (const action of allowedActions(bug, caller(role))) {
              if (action === 'attach_fix') assert.ok(FIXABLE_STATUSES.includes(status));
              else {
                assert.ok(canTransition(bug, action), `${role} offered ${action} on ${status}/${fixFlow}`);
                assert.equal(TRANSITIONS[action].by, 'person');
              }
            }
          }
        }
      }
    }
  });

  test('viewers are offered nothing; approvals go to managers, admins and the cto on the right flow', () => {
    const deployedUat = { id: 1, status: 'deployed_uat', fixFlow: 'flow1', severity: 'low', fixAttachedBy: 'dev' } as const;
    const deployedProd = { ...deployedUat, status: 'deployed_prod', fixFlow: 'flow2' } as const;
    assert.deepEqual(allowedActions(deployedUat, caller('viewer')), []);
    assert.deepEqual(allowedActions(deployedUat, caller('developer')), []);
    assert.deepEqual(allowedActions(deployedUat, caller('manager')), ['approve_prod', 'close']);
    assert.deepEqual(allowedActions(deployedUat, caller('cto')), ['approve_prod', 'close']);
    assert.deepEqual(allowedActions(deployedProd, caller('manager')), ['approve_uat_merge', 'close']);
    assert.deepEqual(allowedActions({ ...deployedProd, fixFlow: 'flow1' }, caller('manager')), ['close'], 'Flow 1 is done at deployed_prod');
  });

  test('high and critical bugs are not offered confirmation; nobody is offered approving their own fix', () => {
    const submitted = { id: 1, status: 'submitted', fixFlow: null, severity: 'critical', fixAttachedBy: null } as const;
    assert.ok(!allowedActions(submitted, caller('admin')).includes('confirm'));
    assert.ok(allowedActions({ ...submitted, severity: 'medium' }, caller('admin')).includes('confirm'));
    const own = { id: 1, status: 'deployed_uat', fixFlow: 'flow1', severity: 'low', fixAttachedBy: 'bob' } as const;
    assert.ok(!allowedActions(own, caller('manager', 'bob')).includes('approve_prod'));
    assert.ok(allowedActions(own, { ...caller('manager', 'bob'), allowSelfApproval: true }).includes('approve_prod'));
    assert.deepEqual([...PERSON_ACTIONS].sort(), ['approve_prod', 'approve_uat_merge', 'attach_fix', 'close', 'confirm', 'drop_from_release', 'reject']);
  });
});
