/** Shared by the monitoring tests: a system watched by a given provider, and a deployment to watch. */
import type { Dialect } from '../../../src/adapters/db/database.ts';
import { resolveMonitoringSettings, type MonitoringOverrides } from '../../../src/features/monitoring/monitoring-rules.ts';
import { createReleaseStore } from '../../../src/features/releases/release-store.ts';
import { createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';

/** Short real windows: 3 s of 200 ms polls (15 samples). */
export const WINDOW_MS = 3_000;
export const POLL_MS = 200;

/** Tonic with system "shop" whose PROD is `prodUrl`, monitored with `monitoring` over SEED.md's defaults. */
export function monitoredTonic(dialect: Dialect, prodUrl: string, monitoring: MonitoringOverrides = {}): Promise<TestTonic> {
  const base = testSystem();
  return createTestTonic({
    dialect,
    systems: [
      testSystem({
        environments: { ...base.environments, prod: { url: prodUrl, line: 'main', deploy: null, health: null } },
        // The load loop sends 50 requests a second, about 10 in each 200 ms sample; a busy machine
        // may starve it, so two requests are enough to judge a sample here.
        monitoring: resolveMonitoringSettings({ minRequests: 2, ...monitoring }),
      }),
    ],
  });
}

/** A deployment of v1.0.1 to PROD, as the pipeline records one. */
export async function recordDeployment(t: TestTonic, version = 'v1.0.1'): Promise<number> {
  return t.tonic.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('releases').select('id').where('system', '=', 'shop').where('tag', '=', version).executeTakeFirst();
    const release = existing ?? await createReleaseStore().insert(trx, {
      system: 'shop',
      version,
      tag: version,
      commit: 'a'.repeat(40),
      baseCommit: 'b'.repeat(40),
      baseVersion: 'v1.0.0',
      kind: 'flow1',
      targetEnv: 'uat',
      notes: '',
      runId: null,
      bugs: [],
      at: t.clock.now(),
    });
    const deployment = await t.tonic.deploymentStore.start(trx, { system: 'shop', env: 'prod', runId: null, releaseId: release.id, previousReleaseId: null, at: t.clock.now() });
    return deployment.id;
  });
}

export async function outboxOf(t: TestTonic, event: string) {
  return (await t.tonic.outbox.list(t.tonic.db, { system: 'shop', limit: 200 })).filter((m) => m.event === event).reverse();
}
