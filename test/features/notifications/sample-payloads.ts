/**
 * One payload per notified event, shaped as its emitter writes it (the pipeline core on main, the
 * other features by their contract), for the template tests.
 */
import type { NotifiedEvent } from '../../../src/features/notifications/templates/notified-events.ts';

const bug = (id: number, title: string, severity = 'medium', status = 'confirmed') => ({ id, title, severity, status, fixFlow: 'flow1', module: 'checkout', services: [] });
const line = (id: number, title: string, severity = 'medium') => ({ id, severity, title, services: [] });
/** A bug in a message that asks people to validate it carries the checks its analysis proposes. */
const toValidate = (id: number, title: string, severity: string, env: 'uat' | 'prod') => ({
  ...line(id, title, severity),
  validationSteps: [
    { env, check: `Do what the report describes ("${title}") and confirm it no longer happens` },
    { env, check: 'Check the logs for new errors since the deploy' },
  ],
});

export const SAMPLE_PAYLOADS: Record<NotifiedEvent, Record<string, unknown>> = {
  'bug.reported': { bug: bug(12, 'Checkout total wrong', 'medium', 'submitted'), actor: 'dev' },
  'bug.confirmed': { bug: bug(12, 'Checkout total wrong'), actor: 'bob', reason: null, fixFlow: 'flow1', relation: 'same', flowReason: 'UAT and PROD run the same commit (v1.0.0)' },
  'bug.rejected': { bug: bug(13, 'Button colour', 'low', 'rejected'), actor: 'bob', reason: 'works as designed' },
  'bug.approved_prod': { bug: bug(12, 'Checkout total wrong', 'medium', 'pending_prod'), actor: 'bob', reason: null, runsAt: '2026-11-26T14:00:00.000Z', runsAtLocal: '2026-11-26 22:00 GMT+8' },
  'bug.approved_uat_merge': { bug: bug(14, 'Invoice rounding', 'low', 'pending_uat_merge'), actor: 'bob', reason: null, runsAt: '2026-11-27T14:00:00.000Z', runsAtLocal: '2026-11-27 22:00 GMT+8' },
  'bug.closed': { bug: bug(15, 'Typo on receipt', 'low', 'closed'), actor: 'bob', reason: 'duplicate of #12' },
  'bug.fix_attached': { bug: bug(12, 'Checkout total wrong'), actor: 'dev', reason: null, kind: 'branch', ref: 'fix/checkout', commit: '0123456789abcdef0123456789abcdef01234567' },
  'bug.dropped_from_release': { bug: bug(13, 'Unvalidated one'), actor: 'admin', reason: 'needs more work', releaseId: 3 },
  'bug.rerouted': { bug: bug(16, 'Re-route me'), actor: 'tonic', reason: 're-routed from flow1 to flow2: UAT is ahead', from: 'flow1', to: 'flow2', why: 'UAT (v1.1.0) is ahead of PROD (v1.0.0)', runId: 7 },
  'bug.conflict': { bug: bug(17, 'Conflicting fix', 'low'), actor: 'tonic', reason: 'cherry-pick conflicts', release: 'v1.0.1', commit: 'fedcba9876543210fedcba9876543210fedcba98', files: ['app.txt'], message: 'CONFLICT', at: '2026-11-26T12:00:10.000Z', runId: 7 },
  'bug.fix_missing': { bug: bug(18, 'No fix yet', 'low'), actor: 'tonic', reason: 'no fix attached', runId: 7 },
  'environment.recorded': { env: 'prod', version: 'v1.0.0', commit: '0123456789abcdef0123456789abcdef01234567', previous: { version: null, commit: null }, by: 'admin' },
  't1.flow1.deployed_uat': {
    flow: 'flow1',
    release: 'v1.0.1',
    uatUrl: 'https://uat.shop.example',
    bugs: [toValidate(12, 'Checkout total wrong', 'medium', 'uat'), toValidate(19, 'Coupon ignored', 'low', 'uat')],
    t2At: '2026-11-26T14:00:00.000Z',
    t2Local: '2026-11-26 22:00 GMT+8',
  },
  't1.flow2.queued_prod': { flow: 'flow2', release: 'v1.0.1', bugs: [line(14, 'Invoice rounding', 'low')], t2At: '2026-11-26T14:00:00.000Z', t2Local: '2026-11-26 22:00 GMT+8' },
  't2.flow1.deployed_prod': { flow: 'flow1', release: 'v1.0.1', bugs: [line(12, 'Checkout total wrong'), line(19, 'Coupon ignored', 'low')] },
  't2.flow2.deployed_prod': { flow: 'flow2', release: 'v1.0.1', bugs: [toValidate(14, 'Invoice rounding', 'low', 'prod')], t2At: '2026-11-27T14:00:00.000Z', t2Local: '2026-11-27 22:00 GMT+8' },
  't2.flow2.uat_merged': { flow: 'flow2', release: 'v1.1.1', bugs: [line(14, 'Invoice rounding', 'low')] },
  'release.held': {
    release: 'v1.0.1',
    ready: [line(12, 'Checkout total wrong')],
    waiting: [{ ...line(19, 'Coupon ignored', 'low'), reason: 'is not approved yet (deployed_uat)' }],
    t2At: '2026-11-27T14:00:00.000Z',
    t2Local: '2026-11-27 22:00 GMT+8',
  },
  'deploy.failed': { env: 'uat', deploymentId: 9, release: 'v1.0.1', commit: '0123456789abcdef0123456789abcdef01234567', runId: 7, error: 'the deploy command exited with 1' },
  'run.failed': { runId: 7, slot: 't1', error: 'a deploy failed', steps: [{ at: '2026-11-26T12:00:01.000Z', message: 'built v1.0.1 (flow1)' }, { at: '2026-11-26T12:00:05.000Z', message: 'deploy of v1.0.1 to uat failed' }] },
  'run.interrupted': {
    runId: 8,
    slot: 't2',
    scheduledFor: '2026-11-26T14:00:00.000Z',
    deployments: [10],
    reason: 'the instance a stopped renewing its lease',
    done: ['T2 for shop, slot 2026-11-26T14:00:00.000Z (schedule)', 'pre-deploy checklist 4 for prod: pass'],
    notDone: ['the deploy of v1.0.1 to prod did not finish (deployment 10: unknown)', 'bugs #12, #19 stay pending_prod: nothing after the deploy ran'],
  },
  'run.missed': { runId: 9, slot: 't1', scheduledFor: '2026-11-26T12:00:00.000Z', lateMinutes: 95, graceMinutes: 30 },
  'run.skipped': {
    runId: 10,
    slot: 't1',
    reason: 'freeze',
    detail: 'T1 is skipped: a change freeze is in force',
    freezes: [{ source: 'declared', label: 'Month-end close', scope: 'modules', modules: ['financial'], until: '2026-12-01T16:00:00.000Z' }],
  },
  'run.modules_frozen': { runId: 11, slot: 't1', modules: ['financial'], bugs: [{ id: 20, title: 'Ledger export', severity: 'low', module: 'financial' }], detail: 'month-end close freezes financial' },
  'freeze.declared': { id: 1, start: '2026-11-30T16:00:00.000Z', end: '2026-12-02T16:00:00.000Z', scope: 'modules', modules: ['financial'], reason: 'month-end close', by: 'alice' },
  'freeze.lifted': { id: 1, start: '2026-11-30T16:00:00.000Z', end: '2026-12-02T16:00:00.000Z', scope: 'system', modules: [], reason: 'close finished early', by: 'alice' },
  'checklist.failed': {
    runId: 12,
    env: 'prod',
    items: [
      { probe: 'backup', result: 'fail', mode: 'block', evidence: 'last backup 30 h ago' },
      { probe: 'disk', result: 'warn', mode: 'warn', evidence: '18% free' },
      { probe: 'rollback-path', result: 'pass', mode: 'block', evidence: 'v1.0.0 exists' },
    ],
  },
  'oncall.ack_requested': { person: 'carol', t1At: '2026-11-26T12:00:00.000Z', deadline: '2026-11-26T11:30:00.000Z', checklistId: 4 },
  'oncall.acknowledged': { checklistId: 4, person: 'carol', username: 'carol', t1At: '2026-11-26T12:00:00.000Z', at: '2026-11-26T11:10:00.000Z', note: null },
  'monitoring.unavailable': { deploymentId: 9, env: 'prod', release: 'v1.0.1', system: 'shop', watchId: 3, reason: 'Prometheus at http://127.0.0.1:9090 did not answer', source: 'Prometheus at http://127.0.0.1:9090', at: '2026-11-26T14:05:00.000Z' },
  'deploy.lock_expired': { system: 'shop', holder: 'pipeline', purpose: 'T2 run 12', runId: 12, acquiredAt: '2026-11-26T14:00:00.000Z', leaseUntil: '2026-11-26T14:01:00.000Z', reason: 'stopped renewing', deployments: [31] },
  'smoke.failed': { deploymentId: 9, env: 'prod', release: 'v1.0.1', step: 'GET /login', expected: 'HTTP 200', actual: 'HTTP 500' },
  'monitoring.breach': { deploymentId: 9, env: 'prod', release: 'v1.0.1', metric: 'http_5xx_rate', value: '1.2%', threshold: '0.5%', action: 'rollback' },
  'rollback.executed': {
    rollbackId: 2,
    env: 'prod',
    reason: 'login fails after v1.0.1',
    toVersion: 'v1.0.0',
    toCommit: '0123456789abcdef0123456789abcdef01234567',
    fromVersion: 'v1.0.1',
    at: '2026-11-26T14:20:00.000Z',
    by: 'alice',
    nextStep: 'investigation',
    impact: 'regression',
  },
  'rollback.escalated': { rollbackId: 3, env: 'prod', reason: 'data corruption risk', detail: 'orders table written with wrong totals', dbaContact: 'dave' },
  'rollback.followup': { rollbackId: 4, env: 'uat', reason: 'misaligned button', by: 'alice' },
  'hotfix.opened': { incidentId: 5, bugId: 3, title: 'Payments down', severity: 'critical', priority: 'P1', env: 'prod', slaDueAt: '2026-11-26T15:00:00.000Z' },
  'hotfix.team_notified': { incidentId: 5, bugId: 3, title: 'Payments down', severity: 'critical', people: ['alice', 'bob'] },
  'hotfix.deployed': { incidentId: 5, bugId: 3, title: 'Payments down', severity: 'critical', env: 'prod', at: '2026-11-26T14:45:00.000Z', by: 'alice', uatFollowUpNeeded: true },
  'hotfix.sla_warning': { incidentId: 5, bugId: 3, title: 'Payments down', priority: 'P1', percent: 50, slaDueAt: '2026-11-26T15:00:00.000Z' },
  'hotfix.review_due': { incidentId: 5, bugId: 3, title: 'Payments down', reviewDueAt: '2026-11-28T14:00:00.000Z' },
};
