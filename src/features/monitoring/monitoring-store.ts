/** Watches and their samples, stored with the deployment they judge (migration 0007). */
import type { Selectable } from 'kysely';
import type { MonitoringWatchTable, Reader, Tx } from '../../adapters/db/schema.ts';
import type { Baseline, Breach, MetricValues, RecordedSample, WatchOutcome } from './monitoring-rules.ts';

export type { WatchOutcome };

/** A watch still marked `watching`: what a recovery needs to judge it (decision record 0024). */
export type UnfinishedWatch = Pick<WatchView, 'id' | 'deploymentId' | 'system' | 'env' | 'release' | 'source' | 'baseline' | 'windowMs' | 'pollMs' | 'startedAt'>;

export type SampleView = MetricValues & { seq: number; at: string; error: string | null };

export type WatchView = {
  id: number;
  deploymentId: number;
  system: string;
  env: 'uat' | 'prod';
  release: string;
  source: string;
  outcome: WatchOutcome;
  reason: string | null;
  baseline: Baseline;
  breaches: Breach[];
  notes: string[];
  samples: number;
  windowMs: number;
  pollMs: number;
  startedAt: string;
  finishedAt: string | null;
};

export function createMonitoringStore() {
  return {
    async startWatch(
      db: Reader,
      w: { deploymentId: number; system: string; env: string; release: string; source: string; baseline: Baseline; windowMs: number; pollMs: number; at: Date },
    ): Promise<number> {
      const row = await db
        .insertInto('monitoring_watches')
        .values({
          deployment_id: w.deploymentId,
          system: w.system,
          env: w.env,
          release: w.release,
          source: w.source,
          outcome: 'watching',
          reason: null,
          baseline: JSON.stringify(w.baseline),
          window_ms: w.windowMs,
          poll_ms: w.pollMs,
          started_at: w.at.toISOString(),
          finished_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async appendSample(db: Reader, watchId: number, s: { seq: number; at: Date; values: MetricValues | null; error: string | null }): Promise<void> {
      const v = s.values;
      await db
        .insertInto('monitoring_samples')
        .values({
          watch_id: watchId,
          seq: s.seq,
          at: s.at.toISOString(),
          error_rate: v?.errorRate ?? null,
          p95_latency: v?.p95Latency ?? null,
          memory: v?.memory ?? null,
          cpu: v?.cpu ?? null,
          auth_success: v?.authSuccess ?? null,
          requests: v?.requests ?? null,
          auth_attempts: v?.authAttempts ?? null,
          error: s.error,
        })
        .execute();
    },

    /**
     * Records the verdict, only while the watch is still `watching`: false when it was already
     * decided (a watch recovered as interrupted keeps that verdict if its process comes back late).
     */
    async finishWatch(trx: Tx, id: number, f: { outcome: Exclude<WatchOutcome, 'watching'>; reason: string; breaches: Breach[]; notes: string[]; samples: number; at: Date }): Promise<boolean> {
      const r = await trx
        .updateTable('monitoring_watches')
        .set({ outcome: f.outcome, reason: f.reason, breaches: JSON.stringify(f.breaches), notes: JSON.stringify(f.notes), samples: f.samples, finished_at: f.at.toISOString() })
        .where('id', '=', id)
        .where('outcome', '=', 'watching')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Every watch still `watching`, oldest first (few: one per deploy under way). */
    async unfinished(db: Reader): Promise<UnfinishedWatch[]> {
      const rows = await db.selectFrom('monitoring_watches').selectAll().where('outcome', '=', 'watching').orderBy('id').limit(1000).execute();
      return rows.map(toWatchView);
    },

    /** One watch's samples in order, as recorded. */
    async samplesOf(db: Reader, watchId: number): Promise<RecordedSample[]> {
      const rows = await db.selectFrom('monitoring_samples').selectAll().where('watch_id', '=', watchId).orderBy('seq').limit(20_000).execute();
      return rows.map((s) => ({
        seq: s.seq,
        at: s.at,
        // A poll that could not measure is stored with its error and no values.
        values:
          s.error !== null
            ? null
            : { errorRate: s.error_rate, p95Latency: s.p95_latency, memory: s.memory, cpu: s.cpu, authSuccess: s.auth_success, requests: s.requests, authAttempts: s.auth_attempts },
        error: s.error,
      }));
    },

    async deploymentExists(db: Reader, system: string, deploymentId: number): Promise<boolean> {
      const row = await db.selectFrom('deployments').select('id').where('system', '=', system).where('id', '=', deploymentId).executeTakeFirst();
      return row !== undefined;
    },

    /** A deployment's watches, oldest first, each with its samples in order. */
    async forDeployment(db: Reader, deploymentId: number): Promise<(WatchView & { series: SampleView[] })[]> {
      const watches = await db.selectFrom('monitoring_watches').selectAll().where('deployment_id', '=', deploymentId).orderBy('id').limit(100).execute();
      if (watches.length === 0) return [];
      const samples = await db
        .selectFrom('monitoring_samples')
        .selectAll()
        .where(
          'watch_id',
          'in',
          watches.map((w) => w.id),
        )
        .orderBy('watch_id')
        .orderBy('seq')
        .limit(20_000)
        .execute();
      return watches.map((w) => ({
        ...toWatchView(w),
        series: samples
          .filter((s) => s.watch_id === w.id)
          .map((s) => ({
            seq: s.seq,
            at: s.at,
            errorRate: s.error_rate,
            p95Latency: s.p95_latency,
            memory: s.memory,
            cpu: s.cpu,
            authSuccess: s.auth_success,
            requests: s.requests,
            authAttempts: s.auth_attempts,
            error: s.error,
          })),
      }));
    },
  };
}

export type MonitoringStore = ReturnType<typeof createMonitoringStore>;

function toWatchView(w: Selectable<MonitoringWatchTable>): WatchView {
  return {
    id: w.id,
    deploymentId: w.deployment_id,
    system: w.system,
    env: w.env as 'uat' | 'prod',
    release: w.release,
    source: w.source,
    outcome: w.outcome as WatchOutcome,
    reason: w.reason,
    baseline: JSON.parse(w.baseline) as Baseline,
    breaches: JSON.parse(w.breaches) as Breach[],
    notes: JSON.parse(w.notes) as string[],
    samples: w.samples,
    windowMs: w.window_ms,
    pollMs: w.poll_ms,
    startedAt: w.started_at,
    finishedAt: w.finished_at,
  };
}
