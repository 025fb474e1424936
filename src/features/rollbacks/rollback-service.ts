/**
 * Rollback (DESIGN.md decision 10, SEED.md "Rollback Procedure"): detect → confirm → execute →
 * validate → document. Manual (an admin, with an impact class) or automatic (a failed smoke test
 * or a monitoring breach after a deploy).
 *
 * Execution, under the system's deploy lock: the record is written first (so a rollback that stops
 * halfway is on record); the down migration runs when the rolled-back release changed a migration
 * path; the previous release (or the chosen tag) goes out through the environment's deploy driver
 * and health check, which moves the environment record back; the bugs that deployment moved return
 * to the status each had before it; `rollback.executed` is announced; smoke steps and a shorter
 * watch window validate the result: stable, or escalate.
 */
import type { SystemRepository } from '../../adapters/git/system-repository.ts';
import { createCommandDriver } from '../../adapters/deploy/command-driver.ts';
import { DeployFailure, fillPlaceholders } from '../../adapters/deploy/deploy-driver.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { DEFAULT_ROLLBACK, type SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import { statusBeforeDeployment } from '../bugs/bug-rules.ts';
import type { BugService } from '../bugs/bug-service.ts';
import type { BugStatus } from '../bugs/bug-statuses.ts';
import type { BugStore } from '../bugs/bug-store.ts';
import type { DeployLock } from '../deployments/deploy-lock.ts';
import type { DeploymentService } from '../deployments/deployment-service.ts';
import type { DeploymentStore, DeploymentView } from '../deployments/deployment-store.ts';
import type { EnvironmentStore } from '../environments/environment-store.ts';
import { SYSTEM_ACTOR, type Actor, type IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import type { ReleaseStore, ReleaseView } from '../releases/release-store.ts';
import type { Repositories } from '../runs/run-service.ts';
import { formatLocal } from '../schedule/schedule-rules.ts';
import type { SmokeService } from '../smoke/smoke-service.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { Monitor } from './post-deploy.ts';
import {
  historyMarkdown,
  IMPACT_ACTION,
  interruptedRollback,
  migrationFiles,
  rollbackChecklist,
  validationVerdict,
  type MigrationRecord,
  type RollbackBug,
  type RollbackImpact,
  type RollbackRecord,
  type RollbackTrigger,
} from './rollback-rules.ts';
import type { RollbackChanges, RollbackStore } from './rollback-store.ts';

type RollbackDeps = {
  db: Db;
  rollbacks: RollbackStore;
  bugs: BugService;
  bugStore: BugStore;
  releases: ReleaseStore;
  deployments: DeploymentService;
  deploymentStore: DeploymentStore;
  environments: EnvironmentStore;
  repositories: Repositories;
  smoke: SmokeService;
  lock: DeployLock;
  /** The monitoring feature's watch; absent until it is wired (validation is then smoke only). */
  monitor?: Monitor;
  systems: SystemRegistry;
  identity: IdentityService;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  workdirOf(system: string): string;
};

export type RollbackRequest = { env: 'uat' | 'prod'; to?: string; impact: RollbackImpact; reason: string };

export type RollbackView = RollbackRecord & { checklist: ReturnType<typeof rollbackChecklist> };

type Target = { release: ReleaseView | null; version: string; tag: string; commit: string };

type Deployed = { deployment: DeploymentView | null; releaseId: number | null; version: string | null; commit: string; at: string | null };

const OUTPUT_LINES = 60;

export function createRollbackService(deps: RollbackDeps) {
  const { db, rollbacks, bugs, releases, deployments, deploymentStore, environments, repositories, smoke, lock, systems, audit, outbox, clock } = deps;

  const view = (r: RollbackRecord): RollbackView => ({ ...r, checklist: rollbackChecklist(r) });

  /** A step of the rollback's own execution: never over a record already closed as interrupted. */
  async function change(system: string, id: number, changes: RollbackChanges): Promise<void> {
    await db.transaction().execute((trx) => rollbacks.update(trx, id, changes, clock.now(), { underWay: true }));
  }

  async function load(system: string, id: number): Promise<RollbackRecord> {
    const found = await rollbacks.get(db, system, id);
    if (!found) throw new DomainError('not_found', `rollback ${id} does not exist on system ${system}`);
    return found;
  }

  async function announceEscalation(r: RollbackRecord, key: string, detail: string, config: SystemConfig) {
    const at = clock.now();
    const dbaContact = (config.rollback ?? DEFAULT_ROLLBACK).dbaContact;
    await db.transaction().execute(async (trx) => {
      const payload = { rollbackId: r.id, env: r.env, reason: r.reason, detail, impact: r.impact, ...(dbaContact ? { dbaContact } : {}) };
      await audit.append(trx, { stream: r.system, actor: 'tonic', action: 'rollback.escalated', subject: `rollback:${r.id}`, data: payload, at });
      await outbox.enqueue(trx, { system: r.system, event: 'rollback.escalated', payload, idempotencyKey: `rollback.escalated:${r.id}:${key}`, at });
    });
  }

  /** What the environment runs now, and the deployment that put it there (when Tonic did). */
  async function deployedOn(system: string, env: 'uat' | 'prod', deploymentId?: number): Promise<Deployed> {
    const current = (await environments.get(db, system))[env];
    if (!current.commit) {
      throw new DomainError('validation_failed', `nothing is recorded as running on ${env} of ${system}: there is nothing to roll back`);
    }
    const candidate = deploymentId !== undefined ? await deploymentStore.get(db, system, deploymentId) : await deploymentStore.lastSucceeded(db, system, env);
    // The deployment counts only while the environment still runs what it deployed.
    const deployment = candidate && candidate.status === 'succeeded' && candidate.releaseId === current.releaseId ? candidate : null;
    return { deployment, releaseId: current.releaseId, version: current.version, commit: current.commit, at: deployment?.finishedAt ?? current.deployedAt };
  }

  async function resolveTarget(system: string, env: 'uat' | 'prod', deployed: Deployed, to: string | undefined): Promise<Target> {
    if (to !== undefined) {
      const repo = await repositories.open(system);
      const tags = await repo.tags();
      if (!tags.includes(to)) {
        const recent = tags.filter((t) => /^v\d/.test(t)).slice(-5).reverse();
        throw new DomainError('not_found', `tag "${to}" does not exist in the repository of ${system}${recent.length ? `; tags there include ${recent.join(', ')}` : ''}`, { field: 'to' });
      }
      const commit = await repo.resolveCommit(to);
      if (!commit) throw new DomainError('not_found', `tag "${to}" does not name a commit in the repository of ${system}`, { field: 'to' });
      const release = (await releases.byTag(db, system, to)) ?? null;
      return { release, version: release?.version ?? to, tag: to, commit };
    }
    const d = deployed.deployment;
    if (d?.previousReleaseId) {
      const release = await releases.get(db, system, d.previousReleaseId);
      if (release) return { release, version: release.version, tag: release.tag, commit: release.commit };
    }
    if (d?.previousCommit && d.previousVersion) {
      return { release: (await releases.byTag(db, system, d.previousVersion)) ?? null, version: d.previousVersion, tag: d.previousVersion, commit: d.previousCommit };
    }
    throw new DomainError(
      'validation_failed',
      d
        ? `deployment ${d.id} of ${deployed.version} has no previous release on record for ${env}: name the tag to roll back to (to / --to)`
        : `${env} runs ${deployed.version ?? deployed.commit.slice(0, 10)}, which Tonic did not deploy: name the tag to roll back to (to / --to)`,
      { field: 'to' },
    );
  }

  /** The tag's release row; a tag Tonic did not build (what ran before it) gets one of kind "tag". */
  async function targetRelease(system: string, env: 'uat' | 'prod', target: Target): Promise<ReleaseView> {
    if (target.release) return target.release;
    return db.transaction().execute(async (trx) => {
      const existing = await releases.byTag(trx, system, target.tag);
      if (existing) return existing;
      return releases.insert(trx, {
        system,
        version: target.version,
        tag: target.tag,
        commit: target.commit,
        baseCommit: target.commit,
        baseVersion: null,
        kind: 'tag',
        targetEnv: env,
        notes: `${system} ${target.version}: a tag Tonic did not build, deployed by a rollback\n`,
        runId: null,
        bugs: [],
        at: clock.now(),
      });
    });
  }

  async function downMigration(config: SystemConfig, r: RollbackRecord, target: Target, deployed: Deployed): Promise<MigrationRecord | null> {
    const down = (config.rollback ?? DEFAULT_ROLLBACK).downMigration;
    if (!down) return null;
    let repo: SystemRepository;
    try {
      repo = await repositories.open(config.name);
    } catch (error) {
      return { needed: false, files: [], command: null, ok: false, output: [], detail: `cannot tell whether migrations changed: ${(error as Error).message}` };
    }
    const changed = await repo.changedFiles(target.commit, deployed.commit);
    const files = migrationFiles(changed, down.migrationPaths);
    const between = `${target.version} and ${deployed.version ?? deployed.commit.slice(0, 10)}`;
    if (files.length === 0) {
      return { needed: false, files: [], command: null, ok: null, output: [], detail: `not needed: no file matching ${down.migrationPaths.join(', ')} changed between ${between}` };
    }
    const extra = { from: deployed.version ?? deployed.commit, to: target.version };
    const command = down.command.map((part) => fillPlaceholders(part, extra));
    const output: string[] = [];
    const driver = createCommandDriver({ command, workdir: down.workdir ?? undefined, timeoutMs: down.timeoutMs });
    try {
      await driver.deploy(
        { system: config.name, env: r.env, service: config.name, version: deployed.version ?? deployed.commit, tag: deployed.version ?? deployed.commit, commit: deployed.commit, workdir: deps.workdirOf(config.name) },
        (stream, line) => {
          output.push(`${stream}: ${line}`);
          if (output.length > OUTPUT_LINES) output.shift();
        },
      );
      return { needed: true, files, command, ok: true, output, detail: `ran ${command.join(' ')} for ${files.length} changed migration file(s): ${files.join(', ')}` };
    } catch (error) {
      const why = error instanceof DeployFailure ? error.message : (error as Error).message;
      return { needed: true, files, command, ok: false, output, detail: `${command.join(' ')} failed (${why}) for ${files.join(', ')}` };
    }
  }

  /** The bugs the rolled-back deployment moved, each returned to the status it had before. */
  async function revertBugs(actor: Actor, r: RollbackRecord, deployed: Deployed): Promise<RollbackBug[]> {
    if (!deployed.releaseId || !deployed.version) return [];
    const release = await releases.get(db, r.system, deployed.releaseId);
    if (!release) return [];
    const items: { id: number; to: BugStatus; reason: string; data: Record<string, unknown> }[] = [];
    const fromStatus = new Map<number, BugStatus>();
    const result: RollbackBug[] = [];
    for (const member of release.bugs) {
      const history = await bugs.historyOf(r.system, member.id);
      const to = statusBeforeDeployment(history, deployed.version, r.env);
      if (to === null) continue; // the deployment did not move this bug (dropped from the release, say)
      fromStatus.set(member.id, history.at(-1)!.to);
      items.push({
        id: member.id,
        to,
        reason: `rollback ${r.id} of ${r.env} from ${deployed.version} to ${r.target.version}: ${r.reason}`,
        data: { rollbackId: r.id, env: r.env, release: deployed.version, rolledBackTo: r.target.version },
      });
    }
    const { moved, refused } = await bugs.revertForRollback(actor, r.system, r.env, items);
    for (const b of moved) result.push({ id: b.id, from: fromStatus.get(b.id)!, to: b.status, result: 'reverted', reason: null });
    for (const f of refused) result.push({ id: f.id, from: fromStatus.get(f.id)!, to: null, result: 'left', reason: f.error.message });
    return result.sort((a, b) => a.id - b.id);
  }

  /** The scope SEED.md's checklist asks for: the services the release touched, and the database when a down migration ran. */
  async function scopeOf(system: string, env: 'uat' | 'prod', deployed: Deployed, target: Target): Promise<string[]> {
    // A multi-service system: the services the rollback will put back, in the order it will.
    const plan = await deployments.planFor({ system, env, release: { commit: target.commit, services: [] }, direction: 'rollback', undo: deployed.deployment }).catch(() => null);
    if (plan) return plan.order;
    const services = new Set<string>();
    const release = deployed.releaseId ? await releases.get(db, system, deployed.releaseId) : undefined;
    const rows = release && release.bugs.length > 0 ? await deps.bugStore.getMany(db, system, release.bugs.map((b) => b.id)) : [];
    for (const row of rows) for (const service of JSON.parse(row.services) as string[]) services.add(service);
    return services.size > 0 ? [...services].sort() : ['application'];
  }

  type Execution = { executed: Promise<RollbackView>; done: Promise<RollbackView> };

  /**
   * Checks the request (refusals throw before anything changes), then executes under the deploy
   * lock. `executed` settles once the environment runs the target and the bugs are back (or the
   * rollback failed); `done` once validation has decided stable or escalate.
   */
  async function start(actor: Actor, system: string, input: RollbackRequest & { trigger: RollbackTrigger; deploymentId?: number }): Promise<Execution> {
    const config = systems.get(system);
    const reason = input.reason.trim();
    if (!reason) throw new DomainError('validation_failed', 'reason must say what broke (it goes into the HISTORY entry and the messages)', { field: 'reason' });
    const deployed = await deployedOn(system, input.env, input.deploymentId);
    const fromLabel = deployed.version ?? deployed.commit.slice(0, 10);

    if (!IMPACT_ACTION[input.impact].rollsBack) {
      const at = clock.now();
      const record = await db.transaction().execute(async (trx) => {
        const r = await rollbacks.insert(trx, {
          system,
          env: input.env,
          status: 'followup',
          impact: input.impact,
          trigger: input.trigger,
          reason,
          by: actor.username,
          deployed: { deploymentId: deployed.deployment?.id ?? null, releaseId: deployed.releaseId, version: deployed.version, commit: deployed.commit, at: deployed.at },
          target: { releaseId: null, version: null, commit: null },
          scope: [],
          at,
        });
        await rollbacks.update(trx, r.id, { notified: true, finished: true, detail: `impact ux: ${input.env} keeps ${fromLabel}; the fix is scheduled in the next pipeline` }, at);
        const payload = { rollbackId: r.id, env: input.env, reason, by: actor.username, version: deployed.version };
        await audit.append(trx, { stream: system, actor: actor.username, action: 'rollback.followup', subject: `rollback:${r.id}`, data: payload, at });
        await outbox.enqueue(trx, { system, event: 'rollback.followup', payload, idempotencyKey: `rollback.followup:${r.id}`, at });
        return r.id;
      });
      const done = load(system, record).then(view);
      return { executed: done, done };
    }

    const target = await resolveTarget(system, input.env, deployed, input.to);
    if (target.commit === deployed.commit) {
      throw new DomainError(
        'conflict',
        `${input.env} already runs ${fromLabel} (${deployed.commit.slice(0, 10)})${target.version !== fromLabel ? `, the commit of ${target.version}` : ''}: rolling back to it changes nothing; name another tag`,
        { field: 'to' },
      );
    }

    let markExecuted!: (v: RollbackView) => void;
    let failExecuted!: (e: unknown) => void;
    const executed = new Promise<RollbackView>((ok, fail) => {
      markExecuted = ok;
      failExecuted = fail;
    });
    const purpose = `a rollback of ${input.env} from ${fromLabel} to ${target.version}`;
    const done = lock.withLock({ system, holder: actor.username, purpose }, async (held) => {
      const at = clock.now();
      const scope = await scopeOf(system, input.env, deployed, target);
      const r = await db.transaction().execute(async (trx) => {
        const created = await rollbacks.insert(trx, {
          system,
          env: input.env,
          status: 'running',
          impact: input.impact,
          trigger: input.trigger,
          reason,
          by: actor.username,
          deployed: { deploymentId: deployed.deployment?.id ?? null, releaseId: deployed.releaseId, version: deployed.version, commit: deployed.commit, at: deployed.at },
          target: { releaseId: target.release?.id ?? null, version: target.version, commit: target.commit },
          scope,
          at,
        });
        await audit.append(trx, {
          stream: system,
          actor: actor.username,
          action: 'rollback.started',
          subject: `rollback:${created.id}`,
          data: { env: input.env, from: deployed.version, to: target.version, impact: input.impact, trigger: input.trigger, reason },
          at,
        });
        return created;
      });
      await held.describe(`rollback ${r.id} (${input.env}: ${fromLabel} → ${target.version})`);
      try {
        return await execute(actor, config, r, deployed, target, input, (v) => markExecuted(v));
      } catch (error) {
        // Anything unexpected: the record says how far it got, and people are told.
        const detail = `the rollback stopped with an error: ${(error as Error).message}; check what ${input.env} runs`;
        await change(system, r.id, { status: 'failed', detail, finished: true });
        await announceEscalation(r, 'error', detail, config);
        const failed = view(await load(system, r.id));
        markExecuted(failed);
        return failed;
      }
    });
    done.catch((e: unknown) => failExecuted(e));
    executed.catch(() => undefined); // a caller awaiting `done` alone still sees the error there
    return { executed, done };
  }

  async function execute(
    actor: Actor,
    config: SystemConfig,
    r: RollbackRecord,
    deployed: Deployed,
    target: Target,
    input: { impact: RollbackImpact; env: 'uat' | 'prod' },
    onExecuted: (v: RollbackView) => void,
  ): Promise<RollbackView> {
    const system = config.name;
    const rollbackConfig = config.rollback ?? DEFAULT_ROLLBACK;
    const fromLabel = deployed.version ?? deployed.commit.slice(0, 10);

    // 1. The database first, while the code that knows how to migrate down is still deployed.
    const migration = await downMigration(config, r, target, deployed);
    if (migration) {
      const scope = migration.needed ? [...r.scope.filter((s) => s !== 'database'), 'database'] : r.scope;
      await change(system, r.id, { migration, scope });
      if (migration.ok === false && migration.needed) {
        const detail = `the down migration failed, so ${input.env} was not redeployed: it still runs ${fromLabel} and its database may be half-migrated. ${migration.detail}`;
        await change(system, r.id, { status: 'failed', detail, finished: true });
        await announceEscalation(r, 'migration', detail, config);
        const failed = view(await load(system, r.id));
        onExecuted(failed);
        return failed;
      }
    }

    // 2. The previous release through the environment's driver and health check.
    const release = await targetRelease(system, input.env, target);
    if (release.id !== r.target.releaseId) await change(system, r.id, { target: { releaseId: release.id, version: release.version, commit: release.commit } });
    // A multi-service system: the services that deployment changed go back in exact reverse order.
    const outcome = await deployments.deploy({ system, env: input.env, release, runId: null, actor: actor.username, direction: 'rollback', undo: deployed.deployment });
    await change(system, r.id, { rollbackDeploymentId: outcome.deploymentId });
    if (!outcome.ok) {
      const detail = `the deploy of ${release.version} to ${input.env} failed (deployment ${outcome.deploymentId}: ${outcome.error}); ${input.env} may be half-changed between ${fromLabel} and ${release.version}: check it now${migration?.needed ? ' (the down migration already ran)' : ''}`;
      await change(system, r.id, { status: 'failed', detail, finished: true });
      await announceEscalation(r, 'deploy', detail, config);
      const failed = view(await load(system, r.id));
      onExecuted(failed);
      return failed;
    }

    // 3. The bugs that deployment moved go back; 4. announce.
    const current = await load(system, r.id);
    if (current.status !== 'running') {
      // Recorded as interrupted meanwhile (this process was taken for stopped): that record stands,
      // and what it says was not done is left to people, as it told them.
      const closed = view(current);
      onExecuted(closed);
      return closed;
    }
    const reverted = await revertBugs(actor, current, deployed);
    const at = clock.now();
    const validationMinutes = Math.round(rollbackConfig.validationMs / 60_000);
    await db.transaction().execute(async (trx) => {
      if (!(await rollbacks.update(trx, r.id, { status: 'validating', bugs: reverted, notified: true }, at, { underWay: true }))) return;
      const payload = {
        rollbackId: r.id,
        env: input.env,
        reason: r.reason,
        toVersion: release.version,
        toCommit: release.commit,
        fromVersion: deployed.version,
        fromCommit: deployed.commit,
        at: at.toISOString(),
        atLocal: formatLocal(at, config.timeZone),
        by: actor.username,
        impact: input.impact,
        trigger: r.trigger,
        bugs: reverted,
        ...(outcome.services ? { services: outcome.services.order } : {}),
        nextStep: `validating (smoke${deps.monitor && (deps.monitor.enabledFor?.(system) ?? true) ? ` and ${validationMinutes} minutes of monitoring` : ''}); then record the root cause and fix plan of rollback ${r.id}`,
      };
      await audit.append(trx, { stream: system, actor: actor.username, action: 'rollback.executed', subject: `rollback:${r.id}`, data: payload, at });
      await outbox.enqueue(trx, { system, event: 'rollback.executed', payload, idempotencyKey: `rollback.executed:${r.id}`, at });
    });
    if (IMPACT_ACTION[input.impact].escalates) {
      const who = rollbackConfig.dbaContact ? `DBA contact ${rollbackConfig.dbaContact} engaged` : 'no DBA contact is configured (rollback.dbaContact): engage your DBA';
      await announceEscalation(r, 'impact', `data corruption risk after ${fromLabel}: rolled back to ${release.version}; ${who}`, config);
    }
    onExecuted(view(await load(system, r.id)));

    // 5. Validate: smoke, and a shorter watch window when monitoring is wired.
    const smokeReport = await smoke.afterDeploy({ system, env: input.env, deploymentId: outcome.deploymentId, version: release.version, commit: release.commit, actor: actor.username, rollbackId: r.id });
    let monitoring = null;
    if (deps.monitor && (deps.monitor.enabledFor?.(system) ?? true) && rollbackConfig.validationMs > 0) {
      try {
        const baseline = await deps.monitor.baseline({ system, env: input.env });
        monitoring = await deps.monitor.watch({ system, env: input.env, deploymentId: outcome.deploymentId, release: release.version, baseline, windowMs: rollbackConfig.validationMs });
      } catch (error) {
        monitoring = { outcome: 'unavailable' as const, breaches: [], samples: 0 };
        void error;
      }
    }
    const validation = validationVerdict(smokeReport, monitoring);
    await change(system, r.id, { smoke: smokeReport, validation, status: validation.verdict === 'stable' ? 'stable' : 'escalated', finished: true });
    if (validation.verdict === 'escalate') {
      await announceEscalation(r, 'validation', `${input.env} is unstable after the rollback to ${release.version}: ${validation.detail}`, config);
    }
    return view(await load(system, r.id));
  }

  /**
   * A rollback whose process stopped before it was over (decision record 0024): recorded as
   * `interrupted` with what it had done and had not, the deploy it left in flight as unknown, an
   * audit event, and `rollback.escalated` (people are needed: the environment may be half-changed
   * or not validated). False when it finished meanwhile.
   */
  async function closeInterrupted(r: RollbackRecord, why: string, now: Date): Promise<boolean> {
    const config = systems.get(r.system);
    const dbaContact = (config.rollback ?? DEFAULT_ROLLBACK).dbaContact;
    const from = r.deployed.version ?? r.deployed.commit?.slice(0, 10) ?? 'what it ran';
    const to = r.target.version ?? r.target.commit?.slice(0, 10) ?? 'the previous release';
    return db.transaction().execute(async (trx) => {
      const current = await rollbacks.get(trx, r.system, r.id);
      if (!current || (current.status !== 'running' && current.status !== 'validating')) return false;
      const unknown = await deployments.markLeftInFlight(trx, r.system, r.createdAt, now, `${why}: whether this deploy finished is unknown`);
      const progress = interruptedRollback(current, unknown);
      const detail = `interrupted: ${why}. Next: ${progress.nextStep}`;
      if (!(await rollbacks.update(trx, r.id, { status: 'interrupted', detail, finished: true }, now, { underWay: true }))) return false;
      const data = { env: r.env, from: r.deployed.version, to: r.target.version, reason: why, ...progress, deployments: unknown };
      await audit.append(trx, { stream: r.system, actor: 'tonic', action: 'rollback.interrupted', subject: `rollback:${r.id}`, data, at: now });
      const payload = {
        rollbackId: r.id,
        env: r.env,
        reason: r.reason,
        detail: `the rollback of ${r.env} from ${from} to ${to} was cut short: ${why}`,
        impact: r.impact,
        ...progress,
        deployments: unknown,
        ...(dbaContact && r.impact === 'data-corruption' ? { dbaContact } : {}),
      };
      await outbox.enqueue(trx, { system: r.system, event: 'rollback.escalated', payload, idempotencyKey: `rollback.escalated:${r.id}:interrupted`, at: now });
      return true;
    });
  }

  function authorize(actor: Actor, system: string, permission: 'bugs.read' | 'releases.manage') {
    const config = systems.get(system);
    assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, permission, system);
    return config;
  }

  return {
    /** Rollbacks still running or validating (decision record 0024: the recovery asks whose they are). */
    unfinished: () => rollbacks.unfinished(db),
    closeInterrupted,

    /**
     * `POST …/rollbacks`, `tonic rollback`: an admin's rollback. Answers once the environment runs
     * the target again (validation by monitoring goes on after the answer, under the lock).
     */
    async request(actor: Actor, system: string, input: RollbackRequest): Promise<RollbackView> {
      authorize(actor, system, 'releases.manage');
      const { executed, done } = await start(actor, system, { ...input, trigger: 'manual' });
      return deps.monitor && (deps.monitor.enabledFor?.(system) ?? true) ? executed : done;
    },

    /** From the post-deploy checks: smoke failed or monitoring said roll back. Resolves when validated. */
    async automatic(input: { system: string; env: 'uat' | 'prod'; deploymentId: number; reason: string; trigger: Exclude<RollbackTrigger, 'manual'> }): Promise<RollbackView> {
      const { done } = await start(SYSTEM_ACTOR, input.system, { env: input.env, impact: 'regression', reason: input.reason, trigger: input.trigger, deploymentId: input.deploymentId });
      return done;
    },

    async list(actor: Actor, system: string, query: { beforeId?: number; limit: number }): Promise<RollbackView[]> {
      authorize(actor, system, 'bugs.read');
      return (await rollbacks.list(db, system, query)).map(view);
    },

    async get(actor: Actor, system: string, id: number): Promise<RollbackView> {
      authorize(actor, system, 'bugs.read');
      return view(await load(system, id));
    },

    /** `PATCH …/rollbacks/{id}`: root cause and fix plan, documented later (SEED.md's checklist). */
    async document(actor: Actor, system: string, id: number, input: { rootCause?: string; fixPlan?: string }): Promise<RollbackView> {
      authorize(actor, system, 'releases.manage');
      const rootCause = input.rootCause?.trim();
      const fixPlan = input.fixPlan?.trim();
      if (!rootCause && !fixPlan) throw new DomainError('validation_failed', 'give rootCause or fixPlan (or both), as text', { field: 'rootCause' });
      const before = await load(system, id);
      const at = clock.now();
      await db.transaction().execute(async (trx) => {
        await rollbacks.update(trx, id, { ...(rootCause ? { rootCause } : {}), ...(fixPlan ? { fixPlan } : {}) }, at);
        await audit.append(trx, {
          stream: system,
          actor: actor.username,
          action: 'rollback.documented',
          subject: `rollback:${id}`,
          data: { ...(rootCause ? { rootCause, previousRootCause: before.rootCause } : {}), ...(fixPlan ? { fixPlan, previousFixPlan: before.fixPlan } : {}) },
          at,
        });
      });
      return view(await load(system, id));
    },

    /** `GET …/history.md`: every rollback as SEED.md's HISTORY, newest first. */
    async history(actor: Actor, system: string): Promise<string> {
      const config = authorize(actor, system, 'bugs.read');
      const records = await rollbacks.list(db, system, { limit: 200 });
      return historyMarkdown(system, records, (iso) => formatLocal(new Date(iso), config.timeZone));
    },
  };
}

export type RollbackService = ReturnType<typeof createRollbackService>;
