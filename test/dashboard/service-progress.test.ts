/** The deployment page's per-service progress, read defensively from what the API gives (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceProgress } from '../../web/src/components/service-progress.ts';

test('a multi-service plan with steps: each service in order with its status and what happened', () => {
  const progress = serviceProgress({
    direction: 'deploy',
    order: ['api', 'web'],
    rollbackOrder: ['web', 'api'],
    why: 'the fixes touch api/ and web/',
    steps: [
      { service: 'api', status: 'healthy', startedAt: '2026-11-26T14:00:00Z', finishedAt: '2026-11-26T14:00:05Z', health: '200 ok', error: null, rollback: null },
      { service: 'web', status: 'rolled_back', startedAt: '2026-11-26T14:00:06Z', finishedAt: null, health: null, error: 'smoke step "home" failed', rollback: { detail: 'back on v1.0.0' } },
    ],
  });
  assert.equal(progress.why, 'the fixes touch api/ and web/');
  assert.deepEqual(progress.steps, [
    { name: 'api', status: 'healthy', at: '2026-11-26T14:00:05Z', detail: '200 ok' },
    { name: 'web', status: 'rolled_back', at: '2026-11-26T14:00:06Z', detail: 'smoke step "home" failed; rolled back: back on v1.0.0' },
  ]);
});

test('a system of one service (null), or anything unexpected, shows no service progress', () => {
  for (const value of [null, undefined, 'api', 42, {}, { steps: 'none' }, [{ status: 'healthy' }], [null]]) assert.deepEqual(serviceProgress(value).steps, [], JSON.stringify(value));
  assert.deepEqual(serviceProgress([{ name: 'worker' }]).steps, [{ name: 'worker', status: 'pending', at: null, detail: null }], 'a bare list of names is read too');
});
