/**
 * Post-deploy monitoring (DESIGN.md decision 9): a baseline measured before the deploy, then a
 * watch window that samples the metrics every poll interval and judges each sample against SEED.md's
 * thresholds. A breach whose action is `rollback` ends the watch at once, so the caller starts the
 * rollback on the very sample that showed it; otherwise the watch ends when the window passes.
 * Every sample and the verdict are stored with the deployment; breaches and a provider that cannot
 * measure are announced through the outbox.
 */
import { MetricsUnavailable, type MetricsProviders, type MetricsSampler } from '../../adapters/monitor/metrics-provider.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import { SYSTEM_ACTOR, type Actor, type IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import {
  MAX_CONSECUTIVE_FAILURES,
  METRIC_DEFAULTS,
  MONITOR_METRICS,
  NO_STREAKS,
  NO_VALUES,
  demandsRollback,
  describeBreach,
  judgeSample,
  judgeableValues,
  outcomeOf,
  recoverWatchVerdict,
  resolveMonitoringSettings,
  metricLimits,
  unjudgedNotes,
  type Baseline,
  type Breach,
  type MetricValues,
  type MonitorMetric,
  type MonitorOutcome,
  type MonitorVerdict,
  type MonitoringSettings,
} from './monitoring-rules.ts';
import type { MonitoringStore, UnfinishedWatch } from './monitoring-store.ts';

type MonitoringDeps = {
  db: Db;
  store: MonitoringStore;
  systems: SystemRegistry;
  providers: MetricsProviders;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  identity: IdentityService;
  /** Waits between polls. The server waits real time; a test may also move a fake clock. */
  sleep(ms: number): Promise<void>;
};

export type WatchInput = {
  system: string;
  env: 'uat' | 'prod';
  deploymentId: number;
  /** The version deployed. */
  release: string;
  baseline: Baseline;
  /** Override the system's window and poll interval (a rollback's shorter validation window). */
  windowMs?: number;
  pollMs?: number;
};

const ACTOR = SYSTEM_ACTOR.username;

/** 600000 → "10 min", 3000 → "3 s". */
const spoken = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Number((ms / 1000).toFixed(1))} s`);

export function createMonitoringService(deps: MonitoringDeps) {
  const { db, store, systems, providers, audit, outbox, clock } = deps;
  const settingsOf = (system: string): MonitoringSettings => systems.get(system).monitoring ?? resolveMonitoringSettings();

  async function baseline(input: { system: string; env: 'uat' | 'prod' }): Promise<Baseline> {
    const config = systems.get(input.system);
    const provider = providers.for(config, input.env, settingsOf(input.system));
    const measuredAt = clock.now().toISOString();
    try {
      return { ...(await provider.baseline()), system: input.system, env: input.env, measuredAt, source: provider.source, error: null };
    } catch (error) {
      if (!(error instanceof MetricsUnavailable)) throw error;
      // The deploy goes on; the watch that follows reports the provider's state again.
      return { ...NO_VALUES, system: input.system, env: input.env, measuredAt, source: provider.source, error: error.message };
    }
  }

  async function watch(input: WatchInput): Promise<MonitorVerdict> {
    const config = systems.get(input.system);
    const configured = settingsOf(input.system);
    const settings: MonitoringSettings = { ...configured, windowMs: input.windowMs ?? configured.windowMs, pollMs: input.pollMs ?? configured.pollMs };
    const provider = providers.for(config, input.env, settings);
    const startedAt = clock.now();
    const watchId = await store.startWatch(db, {
      deploymentId: input.deploymentId,
      system: input.system,
      env: input.env,
      release: input.release,
      source: provider.source,
      baseline: input.baseline,
      windowMs: settings.windowMs,
      pollMs: settings.pollMs,
      at: startedAt,
    });
    const announced = { deploymentId: input.deploymentId, env: input.env, release: input.release, system: input.system, watchId };

    const breaches: Breach[] = [];
    const judged = Object.fromEntries(MONITOR_METRICS.map((m) => [m, 0])) as Record<MonitorMetric, number>;
    let streaks = NO_STREAKS;
    let samples = 0;
    let seq = 0;
    let failures = 0;

    async function finish(outcome: MonitorOutcome, reason: string): Promise<MonitorVerdict> {
      const notes = outcome === 'unavailable' ? [] : unjudgedNotes(settings, input.baseline, judged);
      const at = clock.now();
      await db.transaction().execute(async (trx) => {
        // Recovered as interrupted meanwhile (this process was taken for gone): that record stands.
        if (!(await store.finishWatch(trx, watchId, { outcome, reason, breaches, notes, samples, at }))) return;
        const data = { ...announced, outcome, reason, samples, breaches: breaches.length, source: provider.source };
        await audit.append(trx, { stream: input.system, actor: ACTOR, action: `monitoring.${outcome}`, subject: `deployment:${input.deploymentId}`, data, at });
        if (outcome === 'unavailable') {
          await outbox.enqueue(trx, {
            system: input.system,
            event: 'monitoring.unavailable',
            payload: { ...announced, reason, source: provider.source, at: at.toISOString() },
            idempotencyKey: `monitoring.unavailable:${watchId}`,
            at,
          });
        }
      });
      return { outcome, breaches: [...breaches], samples, reason, notes, watchId };
    }

    /** A poll that could not measure: give up on a permanent failure or too many in a row. */
    async function failed(error: MetricsUnavailable): Promise<MonitorVerdict | null> {
      seq += 1;
      failures += 1;
      await store.appendSample(db, watchId, { seq, at: clock.now(), values: null, error: error.message });
      if (error.permanent) return finish('unavailable', `monitoring cannot measure this deployment: ${error.message}`);
      if (failures >= MAX_CONSECUTIVE_FAILURES) return finish('unavailable', `monitoring failed ${failures} polls in a row: ${error.message}`);
      return null;
    }

    async function attempt<T>(step: () => Promise<T>): Promise<{ ok: T } | { verdict: MonitorVerdict | null }> {
      try {
        return { ok: await step() };
      } catch (error) {
        if (!(error instanceof MetricsUnavailable)) throw error;
        return { verdict: await failed(error) };
      }
    }

    async function recordSample(n: number, at: Date, values: MetricValues, found: Breach[]): Promise<void> {
      if (found.length === 0) return store.appendSample(db, watchId, { seq: n, at, values, error: null });
      await db.transaction().execute(async (trx) => {
        await store.appendSample(trx, watchId, { seq: n, at, values, error: null });
        for (const b of found) {
          const payload = {
            ...announced,
            metric: b.metric,
            label: METRIC_DEFAULTS[b.metric].label,
            unit: METRIC_DEFAULTS[b.metric].unit,
            value: b.value,
            threshold: b.threshold,
            action: b.action,
            at: b.at,
            detail: describeBreach(b, settings.metrics[b.metric]),
          };
          await audit.append(trx, { stream: input.system, actor: ACTOR, action: 'monitoring.breach', subject: `deployment:${input.deploymentId}`, data: payload, at });
          await outbox.enqueue(trx, { system: input.system, event: 'monitoring.breach', payload, idempotencyKey: `monitoring.breach:${watchId}:${n}:${b.metric}`, at });
        }
      });
    }

    let sampler: MetricsSampler | null = null;
    const opened = await attempt(() => provider.start());
    if ('verdict' in opened) {
      if (opened.verdict) return opened.verdict;
    } else sampler = opened.ok;

    const end = startedAt.getTime() + settings.windowMs;
    // Polls keep to a fixed grid from the start (start + k × poll), so a slow scrape does not
    // stretch the interval between samples.
    for (let k = 1; ; k++) {
      const due = Math.min(startedAt.getTime() + k * settings.pollMs, end);
      const wait = due - clock.now().getTime();
      if (wait > 0) await deps.sleep(wait);
      if (!sampler) {
        const retried = await attempt(() => provider.start());
        if ('verdict' in retried) {
          if (retried.verdict) return retried.verdict;
        } else {
          sampler = retried.ok;
          failures = 0;
        }
      } else {
        const current = sampler;
        const measured = await attempt(() => current.next());
        if ('verdict' in measured) {
          if (measured.verdict) return measured.verdict;
        } else {
          failures = 0;
          const at = clock.now();
          const values = measured.ok;
          seq += 1;
          samples += 1;
          const judgement = judgeSample({ settings, baseline: input.baseline, values, streaks, at });
          streaks = judgement.streaks;
          const counted = judgeableValues(values, settings.minRequests);
          for (const m of MONITOR_METRICS) if (counted[m] !== null && (m !== 'p95Latency' || input.baseline.p95Latency !== null)) judged[m] += 1;
          breaches.push(...judgement.breaches);
          await recordSample(seq, at, values, judgement.breaches);
          if (demandsRollback(judgement.breaches)) {
            const first = judgement.breaches.find((b) => b.action === 'rollback')!;
            return finish('rollback', `${describeBreach(first, settings.metrics[first.metric])} at sample ${samples} (${provider.source}): roll back`);
          }
        }
      }
      if (clock.now().getTime() >= end) break;
    }

    if (samples === 0) return finish('unavailable', `no sample could be taken in the ${spoken(settings.windowMs)} window (${provider.source})`);
    const outcome = outcomeOf(breaches);
    const window = `the ${spoken(settings.windowMs)} window passed`;
    const reason =
      outcome === 'clean'
        ? `${window} clean over ${samples} samples (${provider.source})`
        : `${window} with ${breaches.length} alert(s) over ${samples} samples: ${breaches.map((b) => describeBreach(b, settings.metrics[b.metric])).join('; ')}`;
    return finish(outcome, reason);

  }

  /**
   * A watch whose process stopped (decision record 0024): its verdict from the samples it recorded
   * when they decide one, else `interrupted`; audited, and announced (monitoring.interrupted) since
   * whoever awaited the verdict (a run, a hotfix, a rollback's validation) is gone and did not act.
   */
  async function closeInterrupted(watch: UnfinishedWatch, why: string, now: Date): Promise<boolean> {
    const configured = settingsOf(watch.system);
    const settings: MonitoringSettings = { ...configured, windowMs: watch.windowMs, pollMs: watch.pollMs };
    const recorded = await store.samplesOf(db, watch.id);
    const verdict = recoverWatchVerdict({ settings, baseline: watch.baseline, startedAt: new Date(watch.startedAt), samples: recorded });
    const window = `${spoken(watch.windowMs)} window`;
    const taken = `${verdict.samples} of ${verdict.expectedSamples} samples${verdict.lastAt ? `, the last at ${verdict.lastAt}` : ''}`;
    const seen =
      verdict.breaches.length > 0
        ? `they showed ${verdict.breaches.map((b) => describeBreach(b, settings.metrics[b.metric])).join('; ')}`
        : verdict.samples > 0
          ? 'they were within bounds'
          : 'none measured anything';
    const rolling = verdict.breaches.find((b) => b.action === 'rollback');
    const reason = ((): string => {
      switch (verdict.outcome) {
        case 'interrupted':
          return `Tonic stopped while watching (${why}): ${taken}; ${seen}; the rest of the ${window} was not watched`;
        case 'rollback':
          return `${describeBreach(rolling!, settings.metrics[rolling!.metric])} at sample ${verdict.samples} (${watch.source}): roll back; but Tonic stopped (${why}) before acting on it: nothing was rolled back`;
        case 'unavailable':
          return `monitoring could not measure (${taken}; the polls failed: ${recorded.at(-1)?.error ?? 'no answer'}), and Tonic stopped (${why})`;
        case 'clean':
        case 'alert':
          return `the ${window} was watched to its end (${taken}); ${seen}; Tonic stopped before recording the verdict (${why})`;
      }
    })();
    return db.transaction().execute(async (trx) => {
      const closed = await store.finishWatch(trx, watch.id, { outcome: verdict.outcome, reason, breaches: verdict.breaches, notes: verdict.notes, samples: verdict.samples, at: now });
      if (!closed) return false;
      const data = {
        deploymentId: watch.deploymentId,
        env: watch.env,
        release: watch.release,
        system: watch.system,
        watchId: watch.id,
        outcome: verdict.outcome,
        samples: verdict.samples,
        expectedSamples: verdict.expectedSamples,
        breaches: verdict.breaches.length,
        source: watch.source,
        why,
        reason,
        at: now.toISOString(),
      };
      await audit.append(trx, { stream: watch.system, actor: ACTOR, action: `monitoring.${verdict.outcome}`, subject: `deployment:${watch.deploymentId}`, data: { ...data, recovered: true }, at: now });
      await outbox.enqueue(trx, { system: watch.system, event: 'monitoring.interrupted', payload: data, idempotencyKey: `monitoring.interrupted:${watch.id}`, at: now });
      return true;
    });
  }

  return {
    /** Watches still marked `watching` (decision record 0024: the recovery asks whose they are). */
    unfinished: () => store.unfinished(db),
    closeInterrupted,

    /** Whether the system asks for post-deploy monitoring (it has a `monitoring` section). */
    enabledFor: (system: string): boolean => systems.get(system).monitoring !== undefined,
    baseline,
    watch,

    /** A deployment's watches with their samples, for the dashboard's charts. */
    async metrics(actor: Actor, system: string, deploymentId: number) {
      systems.get(system);
      assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'bugs.read', system);
      if (!(await store.deploymentExists(db, system, deploymentId))) throw new DomainError('not_found', `deployment ${deploymentId} does not exist on system ${system}`);
      // The limits each chart draws: the system's rules as configured now, p95 against each watch's own baseline.
      const settings = settingsOf(system);
      const watches = await store.forDeployment(db, deploymentId);
      return { deploymentId, watches: watches.map((w) => ({ ...w, thresholds: metricLimits(settings, w.baseline) })) };
    },
  };
}

export type MonitoringService = ReturnType<typeof createMonitoringService>;
/** What post-deploy orchestration needs: measure before the deploy, watch after it. */
export type PostDeployMonitor = Pick<MonitoringService, 'baseline' | 'watch'>;
