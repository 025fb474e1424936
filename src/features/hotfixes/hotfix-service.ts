/**
 * The emergency hotfix use cases (SEED.md "Emergency Hotfix (Bypass Pipeline)", DESIGN.md
 * decision 7): open an incident for a high or critical bug, notify the team, approve (the two-person
 * rule in a freeze), deploy to PROD through the environment's driver or record a deploy done by
 * hand, follow up on UAT, tick the checklist, write the post-incident note, close; and the
 * periodic check that sends the SLA warnings and the incident review reminder.
 *
 * The bug never enters the pipeline: it goes from submitted to deployed_prod by the state
 * machine's `hotfix_deploy`, in the same transaction as its incident. Git and deploys run outside
 * transactions; each change of state is one transaction with its audit event and outbox message.
 */
import type { Analyzer } from '../../adapters/analyze/diff-analyzer.ts';
import type { Db, HotfixRow, Reader, Tx } from '../../adapters/db/schema.ts';
import { describeCommits } from '../../adapters/git/release-builder.ts';
import type { SystemRepository } from '../../adapters/git/system-repository.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import { assertNotSelfApproval, assertTransition } from '../bugs/bug-rules.ts';
import type { BugService, FixResolver } from '../bugs/bug-service.ts';
import type { BugStore } from '../bugs/bug-store.ts';
import { toBugView, type BugView } from '../bugs/bug-view.ts';
import type { DeploymentService, DeployOutcome } from '../deployments/deployment-service.ts';
import type { EnvironmentStore } from '../environments/environment-store.ts';
import type { VersionGraph } from '../environments/flow-rules.ts';
import type { PostDeploy, PostDeployOutcome } from '../rollbacks/post-deploy.ts';
import { SYSTEM_ACTOR, type Actor, type IdentityService } from '../identity/identity-service.ts';
import { assertCan, type Permission, type Role } from '../identity/roles.ts';
import type { OutboxMessage, OutboxStore } from '../outbox/outbox-store.ts';
import { buildTaggedRelease, fixCommits } from '../releases/release-building.ts';
import type { ReleaseStore, ReleaseView } from '../releases/release-store.ts';
import type { Repositories } from '../runs/run-service.ts';
import { formatLocal } from '../schedule/schedule-rules.ts';
import { serviceOrderOf } from '../services/service-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import {
  APPROVER_ROLES,
  CHECKLIST,
  approvalVerdict,
  assertClosable,
  assertDeployable,
  assertHotfixSeverity,
  assertMayApprove,
  assertNoteComplete,
  assertPersonMayTick,
  assertTeamNotified,
  freezeForHotfix,
  hotfixBranchName,
  minutesPastSla,
  priorityOf,
  reviewDueAt,
  reviewReminderDue,
  slaDueAt,
  slaWarningsDue,
  uatFollowUpMode,
  type ApprovalVerdict,
  type ChecklistItem,
  type FreezeForHotfix,
  type FreezeState,
  type HotfixNotice,
  type HotfixStatus,
  type UatFollowUpMode,
} from './hotfix-rules.ts';
import type { HotfixChanges, HotfixDeploy, HotfixPostDeploy, HotfixStore, HotfixView, UatFollowUp } from './hotfix-store.ts';

/** The freezes in force for a system at an instant; the freezes feature implements it. */
export interface FreezeReader {
  at(system: string, instant: Date): Promise<FreezeState>;
}

/** One deploy at a time per system; the deploy lock implements it (refusing with `deploy_in_progress`). */
export interface DeployLock {
  withLock<T>(input: { system: string; holder: string; purpose: string }, fn: (held: { describe(purpose: string): Promise<void> }) => Promise<T>): Promise<T>;
}

type HotfixDeps = {
  db: Db;
  hotfixes: HotfixStore;
  bugs: BugService;
  bugStore: BugStore;
  releases: ReleaseStore;
  deployments: DeploymentService;
  environments: EnvironmentStore;
  versions: VersionGraph;
  repositories: Repositories;
  /** Checks a commit someone says they deployed by hand. */
  fixes: FixResolver;
  analyzer: Analyzer;
  systems: SystemRegistry;
  identity: IdentityService;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  freezes: FreezeReader;
  /** Held for the whole deploy to PROD (with its smoke and monitoring) and for the whole UAT follow-up. */
  deployLock: DeployLock;
  /** The smoke steps and watch window after a deploy, rolling back per the system's policy: as after a scheduled deploy. */
  postDeploy: Pick<PostDeploy, 'prepare' | 'verify'>;
};

/** Whether a deploy may go now, and why not: shown with every incident, checked by every deploy. */
export type DeployGate = { teamNotified: boolean; freeze: FreezeForHotfix; approval: ApprovalVerdict };

export type HotfixDetail = HotfixView & {
  bug: Pick<BugView, 'id' | 'title' | 'severity' | 'status' | 'module' | 'foundInEnv' | 'fixRefs' | 'releaseId'>;
  slaDueAtLocal: string;
  reviewDueAtLocal: string | null;
  gate: DeployGate;
};

const COMMIT = /^[0-9a-f]{7,64}$/;
const TONIC = SYSTEM_ACTOR.username;

export function createHotfixService(deps: HotfixDeps) {
  const { db, hotfixes, bugs, bugStore, releases, deployments, environments, versions, repositories, analyzer, systems, identity, audit, outbox, clock } = deps;

  function authorize(actor: Actor, system: string, permission: Permission): SystemConfig {
    const config = systems.get(system);
    assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, permission, system);
    return config;
  }

  async function loadIncident(reader: Reader, system: string, id: number): Promise<HotfixRow> {
    const row = await hotfixes.get(reader, system, id);
    if (!row) throw new DomainError('not_found', `hotfix ${id} does not exist on system ${system}`);
    return row;
  }

  async function loadBug(reader: Reader, config: SystemConfig, id: number): Promise<BugView> {
    const row = await bugStore.get(reader, config.name, id);
    if (!row) throw new DomainError('not_found', `bug ${id} does not exist on system ${config.name}`);
    return toBugView(row, config.timeZone);
  }

  /** Changes the incident only if nobody changed it since `row` was read; returns the row as it is now. */
  async function change(trx: Tx, row: HotfixRow, changes: HotfixChanges, at: Date): Promise<HotfixRow> {
    if (!(await hotfixes.update(trx, row.id, row.version, changes, at))) {
      throw new DomainError('stale_version', `hotfix ${row.id} was changed by someone else while this request ran; reload it and try again`);
    }
    return { ...row, ...changes, version: row.version + 1, updated_at: at.toISOString() };
  }

  function record(trx: Tx, system: string, actor: string, action: string, row: { id: number }, data: Record<string, unknown>, at: Date) {
    return audit.append(trx, { stream: system, actor, action: `hotfix.${action}`, subject: `hotfix:${row.id}`, data, at });
  }

  /** What every hotfix message opens with: the incident and its bug. */
  function incidentHeader(row: HotfixRow, bug: BugView) {
    return { incidentId: row.id, bugId: bug.id, title: bug.title, severity: bug.severity, priority: row.priority };
  }

  function message(system: string, event: OutboxMessage['event'], key: string, payload: Record<string, unknown>, at: Date): OutboxMessage {
    return { system, event, payload, idempotencyKey: `${event}:${key}`, at };
  }

  const parseNotices = (row: HotfixRow) => JSON.parse(row.notices) as HotfixNotice[];
  const parseDeploy = (row: HotfixRow) => (row.deploy ? (JSON.parse(row.deploy) as HotfixDeploy) : null);
  const parseFollowUp = (row: HotfixRow) => (row.uat_follow_up ? (JSON.parse(row.uat_follow_up) as UatFollowUp) : null);

  /** The people of a system who take part in incidents: everyone with admin, manager or cto there. */
  async function teamOf(config: SystemConfig, roles: readonly Role[] = APPROVER_ROLES): Promise<string[]> {
    const byRole = await hotfixes.usersWithRoles(db, roles);
    return [...new Set([...byRole, ...roles.flatMap((r) => config.people[r])])].sort();
  }

  async function gateOf(config: SystemConfig, row: HotfixRow, bug: BugView, deployer: string | null): Promise<DeployGate> {
    const freeze = freezeForHotfix(await deps.freezes.at(config.name, clock.now()), bug.module);
    const approval = approvalVerdict({ freeze, priority: row.priority as HotfixView['priority'], approvals: await hotfixes.approvals(db, row.id) });
    const notices = parseNotices(row);
    const teamNotified = notices.flatMap((n) => n.people).some((p) => p !== (deployer ?? row.opened_by));
    return { teamNotified, freeze, approval };
  }

  async function detail(config: SystemConfig, row: HotfixRow, deployer: string | null = null): Promise<HotfixDetail> {
    const bug = await loadBug(db, config, row.bug_id);
    const view = await hotfixes.view(db, row, { title: bug.title, severity: bug.severity });
    return {
      ...view,
      bug: { id: bug.id, title: bug.title, severity: bug.severity, status: bug.status, module: bug.module, foundInEnv: bug.foundInEnv, fixRefs: bug.fixRefs, releaseId: bug.releaseId },
      slaDueAtLocal: formatLocal(new Date(row.sla_due_at), config.timeZone),
      reviewDueAtLocal: row.review_due_at ? formatLocal(new Date(row.review_due_at), config.timeZone) : null,
      gate: await gateOf(config, row, bug, deployer),
    };
  }

  async function reload(config: SystemConfig, id: number, deployer: string | null = null): Promise<HotfixDetail> {
    return detail(config, await loadIncident(db, config.name, id), deployer);
  }

  /** What a recovery finds under way on an incident (decision record 0024). */
  type UnfinishedHotfix = { system: string; id: number; step: 'deploy' | 'uat_follow_up'; since: string };

  /**
   * A deploy to PROD or a UAT follow-up whose process stopped before it was over (decision record
   * 0024): the incident goes back to where a person can act (open again; the follow-up failed, to
   * run again or record by hand), the deploy left in flight becomes unknown, with an audit event and
   * `hotfix.interrupted`. False when it finished meanwhile.
   */
  async function closeInterrupted(work: UnfinishedHotfix, why: string, now: Date): Promise<boolean> {
    const config = systems.get(work.system);
    return db.transaction().execute(async (trx) => {
      const row = await hotfixes.get(trx, work.system, work.id);
      if (!row) return false;
      const followUp = parseFollowUp(row);
      if (work.step === 'deploy' ? row.status !== 'deploying' : followUp?.status !== 'running') return false;
      const marked = await deployments.markLeftInFlight(trx, work.system, work.since, now, `${why}: whether this deploy finished is unknown`);
      const env = work.step === 'deploy' ? 'prod' : 'uat';
      if (work.step === 'deploy') {
        await change(trx, row, { status: 'open' }, now);
        await record(trx, work.system, TONIC, 'deploy_interrupted', row, { reason: why, deployments: marked }, now);
      } else {
        const failed: UatFollowUp = { ...followUp!, status: 'failed', error: `interrupted: ${why}`, conflictFiles: [], at: now.toISOString(), by: TONIC };
        await change(trx, row, { uat_follow_up: JSON.stringify(failed) }, now);
        await record(trx, work.system, TONIC, 'uat_follow_up_interrupted', row, { reason: why, deployments: marked }, now);
      }
      const bug = await loadBug(trx, config, row.bug_id);
      const payload = {
        ...incidentHeader(row, bug),
        env,
        step: work.step,
        reason: why,
        deployments: marked,
        at: now.toISOString(),
      };
      await outbox.enqueue(trx, message(work.system, 'hotfix.interrupted', `${row.id}:${work.step}:${row.version}`, payload, now));
      return true;
    });
  }

  /** Longer than a deploy to PROD can take: its driver's timeout and the health check's, and a margin. */
  function deployStaleAfterMs(config: SystemConfig): number {
    const prod = config.environments.prod;
    return (prod.deploy?.timeoutMs ?? 600_000) + (prod.health?.timeoutMs ?? 60_000) + 5 * 60_000;
  }

  function assertStillDeployable(config: SystemConfig, row: HotfixRow): void {
    assertDeployable({ id: row.id, status: row.status as HotfixStatus, updatedAt: new Date(row.updated_at) }, clock.now(), deployStaleAfterMs(config));
  }

  /**
   * Everything a deploy to PROD needs before it starts, checked on fresh reads: the incident open,
   * someone other than the deployer told, the freeze's approvals, the bug still where the hotfix
   * takes it from.
   */
  async function assertMayDeploy(actor: Actor, config: SystemConfig, row: HotfixRow, bug: BugView): Promise<void> {
    assertStillDeployable(config, row);
    assertTeamNotified(row, parseNotices(row), actor.username);
    const gate = await gateOf(config, row, bug, actor.username);
    if (!gate.approval.ok) throw new DomainError('approval_required', `hotfix ${row.id} cannot be deployed now: ${gate.approval.reason}`, { freeze: gate.freeze });
    assertTransition(bug, 'hotfix_deploy', config.pipelineSeverities);
  }


  /** The fix's analysis and diff for the bug record (SEED.md: "Records fix details in ai_fix_diff field"). */
  async function analyse(repo: SystemRepository, bug: BugView, commits: readonly string[]): Promise<{ analysis: string | null; diff: string }> {
    try {
      const facts = { title: bug.title, description: bug.description, severity: bug.severity, foundInEnv: bug.foundInEnv, module: bug.module, fixFlow: bug.fixFlow };
      const result = (await analyzer.analyze(repo.path, [{ id: bug.id, commits, services: bug.services, bug: facts }], { system: bug.system })).get(bug.id);
      if (result) return { analysis: JSON.stringify(result.analysis), diff: result.diff };
    } catch {
      // The analyzer is advice; the diff itself is what the record must hold.
    }
    const described = await describeCommits(repo.path, commits);
    return { analysis: null, diff: commits.map((c) => described.get(c)?.patch ?? '').join('') };
  }

  async function openRepository(system: string): Promise<SystemRepository> {
    if (!repositories.has(system)) {
      throw new DomainError('validation_failed', `${system} has no repository configured: deploy the fix by hand and record it (tonic hotfix deploy ID --commit SHA)`);
    }
    const repo = await repositories.open(system);
    await repo.refresh();
    return repo;
  }

  /** The hotfix branch, from PROD's commit: after the incident exists, so that git never holds an emergency back. */
  async function createBranch(config: SystemConfig, row: HotfixRow): Promise<void> {
    let branch: string | null = null;
    let note: string | null;
    if (!repositories.has(config.name)) note = 'no repository is configured: fix and deploy by hand, then record the deploy with its commit';
    else if (!row.base_commit) note = "PROD's commit is not recorded (tonic env record --env prod): no branch could be made from it";
    else {
      const name = hotfixBranchName(row.id, row.bug_id);
      try {
        const repo = await repositories.open(config.name);
        await repo.refresh();
        note = await repo.createBranch(name, row.base_commit);
        branch = name;
      } catch (error) {
        note = `the hotfix branch could not be created: ${(error as Error).message}`;
      }
    }
    await db.transaction().execute(async (trx) => {
      const at = clock.now();
      const fresh = await loadIncident(trx, config.name, row.id);
      await change(trx, fresh, { branch, branch_note: note }, at);
      await record(trx, config.name, TONIC, branch ? 'branch_created' : 'branch_missing', row, { branch, from: row.base_commit, note }, at);
    });
  }

  /** The checklist items the system did itself, ticked in the transaction of the change. */
  async function tickBySystem(trx: Tx, row: HotfixRow, item: ChecklistItem, note: string, at: Date): Promise<void> {
    await hotfixes.tick(trx, row.id, { item, by: TONIC, at, bySystem: true, note });
  }

  /**
   * The bug deployed_prod by `hotfix_deploy` (its diff and release recorded), the incident
   * deployed with its UAT follow-up offered, the checklist items the deploy did, SEED.md's
   * "Emergency Hotfix" message: one transaction.
   */
  async function recordDeployed(
    trx: Tx,
    actor: Actor,
    config: SystemConfig,
    row: HotfixRow,
    bug: BugView,
    deployed: HotfixDeploy,
    followUp: { mode: UatFollowUpMode; reason: string },
    bugChanges: { ai_fix_diff: string; analysis?: string | null; release_id?: number | null },
  ): Promise<void> {
    const at = new Date(deployed.at);
    const what = deployed.version ?? deployed.commit.slice(0, 10);
    await bugs.stepInTransaction(trx, actor, config.name, bug.id, 'hotfix_deploy', {
      reason: `emergency hotfix ${row.id}: ${what} deployed to PROD ${deployed.mode === 'driver' ? 'by its deploy driver' : 'by hand'}`,
      changes: { ...bugChanges },
      // `release` names what this deploy put on PROD: a rollback of that deployment finds the step by it.
      data: { incidentId: row.id, version: deployed.version, release: deployed.version, commit: deployed.commit, mode: deployed.mode, deploymentId: deployed.deploymentId },
    });
    const uatFollowUp: UatFollowUp = { ...followUp, status: 'pending', byHand: false, releaseId: null, deploymentId: null, version: null, commit: null, error: null, conflictFiles: [], at: null, by: null };
    const updated = await change(trx, row, { status: 'deployed', deploy: JSON.stringify(deployed), uat_follow_up: JSON.stringify(uatFollowUp) }, at);
    await tickBySystem(trx, updated, 'bug_status_updated', `bug ${bug.id} is deployed_prod`, at);
    await tickBySystem(trx, updated, 'stakeholders_notified', "the Emergency Hotfix message was queued for the system's channels", at);
    const payload = {
      ...incidentHeader(row, bug),
      env: 'prod',
      at: deployed.at,
      by: actor.username,
      version: deployed.version,
      commit: deployed.commit,
      mode: deployed.mode,
      uatFollowUpNeeded: true,
      uatFollowUp: followUp.mode,
      slaDueAt: row.sla_due_at,
      minutesPastSla: minutesPastSla(new Date(row.sla_due_at), at),
    };
    await outbox.enqueue(trx, message(config.name, 'hotfix.deployed', `${row.id}:prod`, payload, at));
    await record(trx, config.name, actor.username, 'deployed', row, { ...deployed, uatFollowUp: followUp }, at);
  }

  /**
   * What the checks after the deploy found, on the incident: the smoke item ticked by the system
   * when the steps passed; after a rollback the incident is open again (PROD runs what it ran
   * before, the rollback returned the bug), with the rolled-back deploy and its rollback recorded.
   */
  async function recordPostDeploy(config: SystemConfig, id: number, deployed: HotfixDeploy, checked: PostDeployOutcome): Promise<void> {
    const at = clock.now();
    const smoke = checked.smoke;
    const postDeploy: HotfixPostDeploy = {
      outcome: checked.outcome,
      detail: checked.detail,
      smoke: smoke ? { ok: smoke.ok, passed: smoke.steps.filter((s) => s.result === 'pass').length, steps: smoke.steps.length } : null,
      monitoring: checked.monitoring?.outcome ?? null,
      rollbackId: checked.rollback?.id ?? null,
      at: at.toISOString(),
    };
    const what = deployed.version ?? deployed.commit.slice(0, 10);
    await db.transaction().execute(async (trx) => {
      const row = await loadIncident(trx, config.name, id);
      const deploy = JSON.stringify({ ...deployed, postDeploy });
      if (checked.outcome === 'rolled_back') {
        const updated = await change(trx, row, { status: 'open', deploy, uat_follow_up: null }, at);
        await record(trx, config.name, TONIC, 'rolled_back', updated, { deploymentId: deployed.deploymentId, version: deployed.version, rollbackId: postDeploy.rollbackId, detail: checked.detail }, at);
        return;
      }
      const updated = await change(trx, row, { deploy }, at);
      if (smoke?.ok) await tickBySystem(trx, updated, 'smoke_test', `smoke passed ${postDeploy.smoke!.passed}/${postDeploy.smoke!.steps} steps on PROD after ${what}`, at);
      await record(trx, config.name, TONIC, 'post_deploy_checked', updated, { deploymentId: deployed.deploymentId, ...postDeploy }, at);
    });
  }

  /** Puts the incident back to open after a failed deploy, with the reason in the audit trail. */
  async function deployFailed(config: SystemConfig, actor: Actor, id: number, error: unknown): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const at = clock.now();
      const row = await loadIncident(trx, config.name, id);
      if (row.status !== 'deploying') return;
      await change(trx, row, { status: 'open' }, at);
      await record(trx, config.name, actor.username, 'deploy_failed', row, { error: (error as Error).message }, at);
    });
  }

  /** The UAT follow-up done: recorded, ticked, noted on the bug, announced (SEED.md's template, env UAT). */
  async function followUpDone(trx: Tx, actor: Actor, config: SystemConfig, row: HotfixRow, bug: BugView, done: UatFollowUp, at: Date): Promise<void> {
    const updated = await change(trx, row, { uat_follow_up: JSON.stringify(done) }, at);
    const how = done.byHand ? 'recorded as updated by hand' : done.mode === 'cherry_pick' ? 'the fix cherry-picked onto UAT' : "updated to PROD's hotfix release";
    const what = done.version ?? done.commit?.slice(0, 10) ?? 'its current version';
    await tickBySystem(trx, updated, 'uat_updated', `UAT ${how}: ${what}`, at);
    await bugs.stepInTransaction(trx, actor, config.name, bug.id, 'hotfix_uat_updated', {
      reason: `UAT ${how} (${what})`,
      data: { incidentId: row.id, mode: done.mode, version: done.version, commit: done.commit, byHand: done.byHand },
    });
    const payload = {
      ...incidentHeader(row, bug),
      env: 'uat',
      at: at.toISOString(),
      by: actor.username,
      version: done.version,
      commit: done.commit,
      mode: done.byHand ? 'manual' : 'driver',
      uatFollowUpNeeded: false,
      uatFollowUp: done.mode,
    };
    await outbox.enqueue(trx, message(config.name, 'hotfix.deployed', `${row.id}:uat`, payload, at));
    await record(trx, config.name, actor.username, 'uat_updated', row, { ...done }, at);
  }

  async function followUpFailed(config: SystemConfig, actor: Actor, id: number, error: unknown): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const at = clock.now();
      const row = await loadIncident(trx, config.name, id);
      const current = parseFollowUp(row);
      if (!current || current.status !== 'running') return;
      const files = error instanceof DomainError && Array.isArray(error.details?.files) ? (error.details.files as string[]) : [];
      const failed: UatFollowUp = { ...current, status: 'failed', error: (error as Error).message, conflictFiles: files, at: at.toISOString(), by: actor.username };
      await change(trx, row, { uat_follow_up: JSON.stringify(failed) }, at);
      await record(trx, config.name, actor.username, 'uat_follow_up_failed', row, { error: failed.error, files }, at);
    });
  }

  /** Builds the UAT release of a cherry-pick follow-up: the hotfix's commits onto what UAT runs. */
  async function cherryPickRelease(config: SystemConfig, repo: SystemRepository, row: HotfixRow, bug: BugView, deployed: HotfixDeploy, uat: { commit: string; version: string | null }): Promise<ReleaseView> {
    const hotfixRelease = deployed.releaseId ? await releases.get(db, config.name, deployed.releaseId) : undefined;
    const commits = hotfixRelease?.bugs.find((b) => b.id === bug.id)?.commits ?? (await fixCommits(repo, bug, deployed.baseCommit ?? uat.commit));
    if (commits.length === 0) {
      throw new DomainError('validation_failed', `hotfix ${row.id}: no fix commits are known to cherry-pick onto UAT (it was deployed by hand): attach the fix to bug ${bug.id}, or update UAT by hand and record it with --commit`);
    }
    const built = await buildTaggedRelease({ db, releases, clock }, repo, {
      system: config.name,
      kind: 'hotfix_uat',
      targetEnv: 'uat',
      base: uat.commit,
      baseVersion: uat.version,
      fixes: [{ bugId: bug.id, commits }],
      noteOf: () => ({ id: bug.id, severity: bug.severity, title: bug.title, services: bug.services }),
      serviceOrder: serviceOrderOf(config),
      runId: null,
    });
    if (!built.release) {
      const c = built.conflicts[0];
      throw new DomainError(
        'conflict',
        `the fix does not apply onto what UAT runs (${uat.version ?? uat.commit.slice(0, 10)}): cherry-pick of ${c?.commit.slice(0, 10) ?? 'the fix'} conflicts in ${c?.files.join(', ') || 'the index'}. Resolve it on the UAT line by hand and record it (tonic hotfix uat-follow-up ${row.id} --commit SHA)`,
        { files: c?.files ?? [] },
      );
    }
    return built.release;
  }

  return {
    /** Deploys and UAT follow-ups marked under way (decision record 0024: the recovery asks whose they are). */
    async unfinished(): Promise<UnfinishedHotfix[]> {
      return (await hotfixes.underWay(db)).map((row) => ({
        system: row.system,
        id: row.id,
        step: row.status === 'deploying' ? 'deploy' : 'uat_follow_up',
        since: row.updated_at,
      }));
    },
    closeInterrupted,

    /** `POST …/hotfixes`, `tonic hotfix open`: a high or critical bug becomes an incident; it never enters the pipeline. */
    async open(actor: Actor, system: string, input: { bugId: number }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'hotfixes.manage');
      const policy = config.hotfix;
      const row = await db.transaction().execute(async (trx) => {
        const bug = await loadBug(trx, config, input.bugId);
        assertHotfixSeverity(bug, config.pipelineSeverities);
        // The bug must still be where the hotfix takes it from (submitted: never confirmed).
        assertTransition(bug, 'hotfix_deploy', config.pipelineSeverities);
        const active = await hotfixes.activeForBug(trx, bug.id);
        if (active) throw new DomainError('conflict', `bug ${bug.id} already has emergency hotfix ${active.id} (${active.status}); work on that one`, { hotfixId: active.id });
        const at = clock.now();
        const priority = priorityOf(bug.severity, policy);
        const due = slaDueAt(at, priority, policy);
        const review = reviewDueAt(at, priority, policy);
        const prod = (await environments.get(trx, system)).prod;
        const inserted = await hotfixes.insert(trx, { system, bugId: bug.id, priority, openedBy: actor.username, at, slaDueAt: due, reviewDueAt: review, baseCommit: prod.commit, baseVersion: prod.version });
        await hotfixes.tick(trx, inserted.id, { item: 'severity_confirmed', by: actor.username, at, bySystem: false, note: `${bug.severity} confirmed by ${actor.username} when opening the incident` });
        if (review) await tickBySystem(trx, inserted, 'review_scheduled', `incident review due by ${formatLocal(review, config.timeZone)}`, at);
        await bugs.stepInTransaction(trx, actor, system, bug.id, 'hotfix_opened', {
          reason: `emergency hotfix ${inserted.id} opened (${priority}, SLA until ${formatLocal(due, config.timeZone)})`,
          data: { incidentId: inserted.id, priority, slaDueAt: due.toISOString() },
        });
        const payload = {
          incidentId: inserted.id,
          bugId: bug.id,
          title: bug.title,
          severity: bug.severity,
          priority,
          env: bug.foundInEnv,
          slaDueAt: due.toISOString(),
          reviewDueAt: review?.toISOString() ?? null,
          openedBy: actor.username,
        };
        await outbox.enqueue(trx, message(system, 'hotfix.opened', `${inserted.id}`, payload, at));
        await record(trx, system, actor.username, 'opened', inserted, { bugId: bug.id, priority, slaDueAt: due.toISOString(), reviewDueAt: review?.toISOString() ?? null, prodCommit: prod.commit }, at);
        return inserted;
      });
      await createBranch(config, row);
      return reload(config, row.id, actor.username);
    },

    async list(actor: Actor, system: string, query: { status?: HotfixStatus; beforeId?: number; limit: number }) {
      authorize(actor, system, 'bugs.read');
      return hotfixes.list(db, system, query);
    },

    async get(actor: Actor, system: string, id: number): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'bugs.read');
      return reload(config, id, actor.username);
    },

    /**
     * SEED.md: "At least one other team member notified before deploy". The system sends the notice
     * (outbox) and records it; without `people`, everyone with admin, manager or cto on the system.
     */
    async notify(actor: Actor, system: string, id: number, input: { people?: string[]; message?: string }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'bugs.triage');
      const named = input.people ? [...new Set(input.people.map((p) => p.trim()).filter(Boolean))] : null;
      let people: string[];
      if (named) {
        if (named.length === 0) throw new DomainError('validation_failed', 'people must name at least one user', { field: 'people' });
        const known = await hotfixes.existingUsers(db, named);
        const unknown = named.filter((p) => !known.includes(p));
        if (unknown.length > 0) throw new DomainError('validation_failed', `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a user' : 'are not users'}: name people who have a Tonic account`, { field: 'people' });
        people = named;
      } else {
        people = (await teamOf(config)).filter((p) => p !== actor.username);
        if (people.length === 0) {
          throw new DomainError('validation_failed', `nobody else has admin, manager or cto on ${system}: name the people to notify (people)`, { field: 'people' });
        }
      }
      if (!people.some((p) => p !== actor.username)) {
        throw new DomainError('validation_failed', 'notify someone other than yourself: the rule is that at least one other team member knows before the deploy', { field: 'people' });
      }
      await db.transaction().execute(async (trx) => {
        const row = await loadIncident(trx, system, id);
        if (row.status === 'closed') throw new DomainError('invalid_transition', `hotfix ${id} is closed`);
        const bug = await loadBug(trx, config, row.bug_id);
        const at = clock.now();
        const notices = [...parseNotices(row), { people, by: actor.username, at: at.toISOString() }];
        const updated = await change(trx, row, { notices: JSON.stringify(notices) }, at);
        await tickBySystem(trx, updated, 'team_notified', `notified ${people.join(', ')} (asked by ${actor.username})`, at);
        const payload = {
          incidentId: id,
          bugId: bug.id,
          title: bug.title,
          severity: bug.severity,
          priority: row.priority,
          people,
          by: actor.username,
          slaDueAt: row.sla_due_at,
          ...(input.message?.trim() ? { message: input.message.trim() } : {}),
        };
        await outbox.enqueue(trx, message(system, 'hotfix.team_notified', `${id}:${notices.length}`, payload, at));
        await record(trx, system, actor.username, 'team_notified', row, { people }, at);
      });
      return reload(config, id, actor.username);
    },

    /** One approval per person; in a freeze the deploy needs two (DESIGN.md decision 7). */
    async approve(actor: Actor, system: string, id: number, input: { note?: string }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'bugs.approve');
      const roles = identity.rolesOn(actor, system);
      await db.transaction().execute(async (trx) => {
        const row = await loadIncident(trx, system, id);
        const bug = await loadBug(trx, config, row.bug_id);
        const approver = { approver: actor.username, roles };
        assertMayApprove({ id, status: row.status as HotfixStatus }, approver, await hotfixes.approvals(trx, id));
        assertNotSelfApproval(bug, actor.username, config.allowSelfApproval);
        const at = clock.now();
        if (!(await hotfixes.addApproval(trx, id, { ...approver, note: input.note?.trim() || null, at }))) {
          throw new DomainError('duplicate_approval', `${actor.username} has already approved hotfix ${id}: the two-person rule needs two different people`);
        }
        // Bumps the version: a deploy that read the approvals before this one sees the change.
        await change(trx, row, {}, at);
        await record(trx, system, actor.username, 'approved', row, { roles, note: input.note?.trim() || null }, at);
      });
      return reload(config, id, actor.username);
    },

    /**
     * `POST …/hotfixes/{id}/deploy`: builds a release from PROD's commit plus the bug's fix (the
     * next patch version), deploys it to PROD through the environment's driver, and moves the bug
     * to deployed_prod with the diff. Refused until someone else was notified, and in a freeze
     * until the two-person rule is met.
     */
    async deploy(actor: Actor, system: string, id: number): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'hotfixes.manage');
      let row = await loadIncident(db, system, id);
      const bug = await loadBug(db, config, row.bug_id);
      await assertMayDeploy(actor, config, row, bug);
      if (bug.fixRefs.length === 0) {
        throw new DomainError('validation_failed', `bug ${bug.id} has no fix attached: commit the fix on ${row.branch ?? 'a branch from PROD'} and attach it (tonic bugs attach-fix ${bug.id} --branch …), or record a deploy done by hand`);
      }
      const repo = await openRepository(system);
      const envs = await environments.get(db, system);
      const base = envs.prod.commit;
      if (!base) throw new DomainError('flow_unavailable', "PROD's commit is not recorded: record what PROD runs (tonic env record --env prod) before building a hotfix on it");

      // The system's deploy lock for the whole deploy, its smoke and its watch window: refused at once
      // (deploy_in_progress, who and what) while a run, a rollback or another hotfix holds it.
      await deps.deployLock.withLock({ system, holder: actor.username, purpose: `emergency hotfix ${id} of bug ${bug.id} to PROD` }, async (held) => {
        // Claim the deploy: one at a time per incident.
        row = await db.transaction().execute(async (trx) => {
          const fresh = await loadIncident(trx, system, id);
          assertStillDeployable(config, fresh);
          const claimed = await change(trx, fresh, { status: 'deploying' }, clock.now());
          await record(trx, system, actor.username, 'deploy_started', fresh, { base }, clock.now());
          return claimed;
        });
        try {
          const followUp = uatFollowUpMode(await versions.relate(system, envs.uat.commit, base));
          const commits = await fixCommits(repo, bug, base);
          if (commits.length === 0) {
            throw new DomainError('validation_failed', `the fix of bug ${bug.id} has no commit that PROD's commit (${base.slice(0, 10)}) lacks: PROD may already have it; check the attached fix`);
          }
          const built = await buildTaggedRelease({ db, releases, clock }, repo, {
            system,
            kind: 'hotfix',
            targetEnv: 'prod',
            base,
            baseVersion: envs.prod.version,
            fixes: [{ bugId: bug.id, commits }],
            noteOf: () => ({ id: bug.id, severity: bug.severity, title: bug.title, services: bug.services }),
            serviceOrder: serviceOrderOf(config),
            runId: null,
          });
          if (!built.release) {
            const c = built.conflicts[0];
            throw new DomainError('conflict', `the fix does not apply on PROD's commit ${base.slice(0, 10)}: ${c?.commit.slice(0, 10) ?? 'a commit'} conflicts in ${c?.files.join(', ') || 'the index'}; rebase the fix on ${row.branch ?? "PROD's commit"}`, {
              files: c?.files ?? [],
            });
          }
          const release = built.release;
          await held.describe(`emergency hotfix ${id} (${release.version} to PROD)`);
          const baseline = await deps.postDeploy.prepare({ system, env: 'prod' });
          const outcome: DeployOutcome = await deployments.deploy({ system, env: 'prod', release, runId: null, actor: actor.username });
          if (!outcome.ok) {
            throw new DomainError('deploy_failed', `the deploy of ${release.version} to PROD failed: ${outcome.error} (deployment ${outcome.deploymentId}); the incident is open again: fix the cause and deploy again`, {
              deploymentId: outcome.deploymentId,
            });
          }
          const publishNote = await repo.publish(release.tag, config.environments.prod.line, release.commit);
          // After the deploy, not before: an analyzer backed by a language model must not delay an emergency.
          const { analysis, diff } = await analyse(repo, bug, release.bugs[0]?.commits ?? commits);
          const deployed: HotfixDeploy = {
            mode: 'driver',
            at: clock.now().toISOString(),
            by: actor.username,
            baseCommit: base,
            commit: release.commit,
            version: release.version,
            releaseId: release.id,
            deploymentId: outcome.deploymentId,
          };
          await db.transaction().execute(async (trx) => {
            const fresh = await loadIncident(trx, system, id);
            if (fresh.status !== 'deploying') {
              // Recorded as interrupted while this deploy ran (its process was taken for stopped):
              // that record stands; the deploy did go through, so say how to record it.
              throw new DomainError(
                'conflict',
                `hotfix ${id} was recorded as interrupted while this deploy ran; the deploy finished after all: PROD runs ${release.version} (deployment ${outcome.deploymentId}). Record it: tonic hotfix deploy ${id} --commit ${release.commit} --version ${release.version}`,
              );
            }
            await recordDeployed(trx, actor, config, fresh, bug, deployed, followUp, { ai_fix_diff: diff, analysis, release_id: release.id });
            if (publishNote) await record(trx, system, TONIC, 'publish_note', fresh, { note: publishNote }, clock.now());
          });
          await held.describe(`emergency hotfix ${id}: checks after ${release.version} went to PROD`);
          // Smoke (and the watch window) as after a scheduled deploy, still under the lock; a rollback runs inside it.
          const checked = await deps.postDeploy.verify({ system, env: 'prod', deploymentId: outcome.deploymentId, version: release.version, commit: release.commit, baseline, actor: TONIC });
          await recordPostDeploy(config, id, deployed, checked);
        } catch (error) {
          await deployFailed(config, actor, id, error);
          throw error;
        }
      });
      return reload(config, id, actor.username);
    },

    /** A deploy to PROD done by hand, with its commit: recorded as the driver's would be (same checks, same message). */
    async recordDeploy(actor: Actor, system: string, id: number, input: { commit: string; version?: string; diff?: string }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'hotfixes.manage');
      const ref = input.commit.trim();
      if (!COMMIT.test(ref)) throw new DomainError('validation_failed', `commit "${ref}" is not a git commit id: give 7 to 64 lower-case hex digits`, { field: 'commit' });
      const commit = repositories.has(system) ? await deps.fixes.resolve(system, ref, 'commit') : ref;
      const row = await loadIncident(db, system, id);
      const bug = await loadBug(db, config, row.bug_id);
      await assertMayDeploy(actor, config, row, bug);
      const envs = await environments.get(db, system);
      const base = envs.prod.commit;
      let diff = input.diff?.trim() ? input.diff : null;
      if (diff === null) {
        if (!repositories.has(system) || !base) {
          throw new DomainError('validation_failed', `give the fix's diff (diff): ${repositories.has(system) ? "PROD's previous commit is not recorded" : 'there is no repository'} to compute it from`, { field: 'diff' });
        }
        diff = await (await openRepository(system)).diff(base, commit);
      }
      const followUp = uatFollowUpMode(await versions.relate(system, envs.uat.commit, base));
      await db.transaction().execute(async (trx) => {
        const fresh = await loadIncident(trx, system, id);
        assertStillDeployable(config, fresh);
        const at = clock.now();
        const version = input.version?.trim() || null;
        await environments.record(trx, system, 'prod', { version, commit, releaseId: null, by: actor.username, at });
        const deployed: HotfixDeploy = { mode: 'manual', at: at.toISOString(), by: actor.username, baseCommit: base, commit, version, releaseId: null, deploymentId: null };
        await recordDeployed(trx, actor, config, fresh, bug, deployed, followUp, { ai_fix_diff: diff });
      });
      return reload(config, id, actor.username);
    },

    /**
     * SEED.md: "If UAT is ahead → cherry-pick to UAT branch; if UAT is same version → update UAT as
     * well", as one action: decided from what UAT runs now, done through UAT's driver, tracked until
     * done. With `commit`, UAT was updated by hand: that is recorded instead.
     */
    async uatFollowUp(actor: Actor, system: string, id: number, input: { commit?: string; version?: string }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'hotfixes.manage');
      const row = await loadIncident(db, system, id);
      const bug = await loadBug(db, config, row.bug_id);
      const current = parseFollowUp(row);
      const deployed = parseDeploy(row);
      if (row.status !== 'deployed' || !current || !deployed) {
        throw new DomainError('invalid_transition', `hotfix ${id} is ${row.status}; the UAT follow-up comes after the deploy to PROD`);
      }
      if (current.status === 'done') throw new DomainError('conflict', `hotfix ${id}: UAT was already updated (${current.version ?? current.commit ?? 'done'})`);
      if (current.status === 'running') throw new DomainError('conflict', `hotfix ${id}: the UAT follow-up is running right now`);

      if (input.commit !== undefined) {
        const ref = input.commit.trim();
        if (!COMMIT.test(ref)) throw new DomainError('validation_failed', `commit "${ref}" is not a git commit id: give 7 to 64 lower-case hex digits`, { field: 'commit' });
        const commit = repositories.has(system) ? await deps.fixes.resolve(system, ref, 'commit') : ref;
        await db.transaction().execute(async (trx) => {
          const fresh = await loadIncident(trx, system, id);
          const at = clock.now();
          const version = input.version?.trim() || null;
          await environments.record(trx, system, 'uat', { version, commit, releaseId: null, by: actor.username, at });
          const done: UatFollowUp = { ...current, status: 'done', byHand: true, commit, version, error: null, conflictFiles: [], at: at.toISOString(), by: actor.username };
          await followUpDone(trx, actor, config, fresh, bug, done, at);
        });
        return reload(config, id, actor.username);
      }

      const repo = await openRepository(system);
      const envs = await environments.get(db, system);
      if (envs.uat.commit && (await repo.isAncestor(deployed.commit, envs.uat.commit))) {
        // UAT already runs a commit that contains the hotfix: nothing to deploy.
        await db.transaction().execute(async (trx) => {
          const fresh = await loadIncident(trx, system, id);
          const at = clock.now();
          const done: UatFollowUp = { ...current, status: 'done', commit: envs.uat.commit, version: envs.uat.version, error: null, conflictFiles: [], at: at.toISOString(), by: actor.username };
          await followUpDone(trx, actor, config, fresh, bug, done, at);
        });
        return reload(config, id, actor.username);
      }
      // The system's deploy lock for the whole follow-up (refused with who and what while another deploy holds it).
      await deps.deployLock.withLock({ system, holder: actor.username, purpose: `emergency hotfix ${id}: UAT follow-up` }, async (held) => {
        const decided = uatFollowUpMode(await versions.relate(system, envs.uat.commit, deployed.baseCommit));
        await db.transaction().execute(async (trx) => {
          const fresh = await loadIncident(trx, system, id);
          const now = parseFollowUp(fresh);
          if (now?.status === 'running' || now?.status === 'done') throw new DomainError('conflict', `hotfix ${id}: the UAT follow-up is ${now.status}`);
          await change(trx, fresh, { uat_follow_up: JSON.stringify({ ...current, ...decided, status: 'running', error: null, conflictFiles: [] }) }, clock.now());
          await record(trx, system, actor.username, 'uat_follow_up_started', fresh, { ...decided }, clock.now());
        });
        try {
          let release: ReleaseView;
          if (decided.mode === 'update') {
            const hotfixRelease = deployed.releaseId ? await releases.get(db, system, deployed.releaseId) : undefined;
            if (!hotfixRelease) {
              throw new DomainError('validation_failed', `hotfix ${id} was deployed to PROD by hand, so Tonic has no release to put on UAT: update UAT by hand and record it (tonic hotfix uat-follow-up ${id} --commit SHA)`);
            }
            release = hotfixRelease;
          } else {
            if (!envs.uat.commit) throw new DomainError('flow_unavailable', "UAT's commit is not recorded: record it (tonic env record --env uat) to cherry-pick onto it");
            release = await cherryPickRelease(config, repo, row, bug, deployed, { commit: envs.uat.commit, version: envs.uat.version });
          }
          await held.describe(`emergency hotfix ${id}: UAT follow-up (${release.version} to UAT)`);
          const outcome = await deployments.deploy({ system, env: 'uat', release, runId: null, actor: actor.username });
          if (!outcome.ok) {
            throw new DomainError('deploy_failed', `the deploy of ${release.version} to UAT failed: ${outcome.error} (deployment ${outcome.deploymentId}); run the follow-up again once fixed`, {
              deploymentId: outcome.deploymentId,
            });
          }
          const publishNote = await repo.publish(release.tag, config.environments.uat.line, release.commit);
          await db.transaction().execute(async (trx) => {
            const fresh = await loadIncident(trx, system, id);
            if (parseFollowUp(fresh)?.status !== 'running') {
              throw new DomainError(
                'conflict',
                `hotfix ${id}: the UAT follow-up was recorded as interrupted while it ran; its deploy finished after all: UAT runs ${release.version} (deployment ${outcome.deploymentId}). Record it: tonic hotfix uat-follow-up ${id} --commit ${release.commit} --version ${release.version}`,
              );
            }
            const at = clock.now();
            const done: UatFollowUp = {
              ...decided,
              status: 'done',
              byHand: false,
              releaseId: release.id,
              deploymentId: outcome.deploymentId,
              version: release.version,
              commit: release.commit,
              error: publishNote,
              conflictFiles: [],
              at: at.toISOString(),
              by: actor.username,
            };
            await followUpDone(trx, actor, config, fresh, bug, done, at);
          });
        } catch (error) {
          await followUpFailed(config, actor, id, error);
          throw error;
        }
      });
      return reload(config, id, actor.username);
    },

    /** A person ticks a checklist item they did, with the time; "deployed and validated" stops the SLA clock. */
    async tick(actor: Actor, system: string, id: number, item: ChecklistItem, input: { note?: string }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'bugs.triage');
      await db.transaction().execute(async (trx) => {
        const row = await loadIncident(trx, system, id);
        assertPersonMayTick({ id, status: row.status as HotfixStatus }, item, await hotfixes.ticked(trx, id));
        const at = clock.now();
        let note = input.note?.trim() || null;
        let changes: HotfixChanges = {};
        if (item === 'deployed_within_sla') {
          const late = minutesPastSla(new Date(row.sla_due_at), at);
          const verdict = late <= 0 ? `validated within the ${row.priority} SLA` : `validated ${late} min after the ${row.priority} SLA`;
          note = note ? `${verdict}: ${note}` : verdict;
          changes = { sla_stopped_at: at.toISOString() };
        }
        const updated = await change(trx, row, changes, at);
        await hotfixes.tick(trx, id, { item, by: actor.username, at, bySystem: false, note });
        await record(trx, system, actor.username, 'ticked', updated, { item, note }, at);
      });
      return reload(config, id, actor.username);
    },

    /** SEED.md: "Post-incident note added to bug record (root cause, fix summary)": on the incident and in the bug's history. */
    async note(actor: Actor, system: string, id: number, input: { rootCause: string; fixSummary: string }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'bugs.triage');
      assertNoteComplete({ id }, input);
      await db.transaction().execute(async (trx) => {
        const row = await loadIncident(trx, system, id);
        if (row.status === 'closed') throw new DomainError('invalid_transition', `hotfix ${id} is closed; its note is final`);
        const at = clock.now();
        const rootCause = input.rootCause.trim();
        const fixSummary = input.fixSummary.trim();
        const updated = await change(trx, row, { root_cause: rootCause, fix_summary: fixSummary, note_by: actor.username, note_at: at.toISOString() }, at);
        await hotfixes.tick(trx, id, { item: 'incident_note', by: actor.username, at, bySystem: false, note: null });
        await bugs.stepInTransaction(trx, actor, system, row.bug_id, 'incident_note', { reason: `post-incident note of hotfix ${id}`, data: { incidentId: id, rootCause, fixSummary } });
        await record(trx, system, actor.username, 'noted', updated, { rootCause, fixSummary }, at);
      });
      return reload(config, id, actor.username);
    },

    /** The incident review was held: its reminder is no longer due. */
    async reviewHeld(actor: Actor, system: string, id: number, input: { summary?: string }): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'bugs.triage');
      await db.transaction().execute(async (trx) => {
        const row = await loadIncident(trx, system, id);
        if (row.review_held_at) throw new DomainError('conflict', `hotfix ${id}: the incident review was already recorded as held by ${row.review_held_by}`);
        const at = clock.now();
        const updated = await change(trx, row, { review_held_at: at.toISOString(), review_held_by: actor.username, review_summary: input.summary?.trim() || null }, at);
        await hotfixes.tick(trx, id, { item: 'review_scheduled', by: actor.username, at, bySystem: false, note: 'the review was held' });
        await record(trx, system, actor.username, 'review_held', updated, { summary: input.summary?.trim() || null }, at);
      });
      return reload(config, id, actor.username);
    },

    /** Closes the incident: refused without the post-incident note, and while UAT is not updated. */
    async close(actor: Actor, system: string, id: number): Promise<HotfixDetail> {
      const config = authorize(actor, system, 'hotfixes.manage');
      await db.transaction().execute(async (trx) => {
        const row = await loadIncident(trx, system, id);
        const followUp = parseFollowUp(row);
        assertClosable({ id, status: row.status as HotfixStatus, hasNote: row.root_cause !== null && row.fix_summary !== null, uatFollowUp: followUp });
        const at = clock.now();
        const updated = await change(trx, row, { status: 'closed', closed_at: at.toISOString(), closed_by: actor.username, sla_stopped_at: row.sla_stopped_at ?? at.toISOString() }, at);
        const done = (await hotfixes.ticked(trx, id)).length;
        await record(trx, system, actor.username, 'closed', updated, { deployed: row.deploy !== null, checklistDone: done, checklistTotal: CHECKLIST.length }, at);
      });
      return reload(config, id, actor.username);
    },

    /**
     * The periodic check (called from the scheduler's tick, on the injected clock): SLA warnings at
     * 50 % and 100 % (the second escalates to the system's admins and ctos), and the incident review
     * reminder when due. Each message is sent once (a version check and its idempotency key).
     */
    async sweep(now: Date = clock.now()): Promise<{ slaWarnings: number; reviewReminders: number }> {
      let slaWarnings = 0;
      let reviewReminders = 0;
      for (const r of await hotfixes.needingAttention(db, now)) {
        const config = systems.list().find((s) => s.name === r.system);
        if (!config) continue;
        const percents = slaWarningsDue(
          { openedAt: new Date(r.opened_at), slaDueAt: new Date(r.sla_due_at), slaWarned: r.sla_warned, slaStoppedAt: r.sla_stopped_at ? new Date(r.sla_stopped_at) : null },
          now,
        );
        const review = reviewReminderDue(
          {
            reviewDueAt: r.review_due_at ? new Date(r.review_due_at) : null,
            reviewRemindedAt: r.review_reminded_at ? new Date(r.review_reminded_at) : null,
            reviewHeldAt: r.review_held_at ? new Date(r.review_held_at) : null,
          },
          now,
        );
        if (percents.length === 0 && !review) continue;
        const incidentTeam = [r.opened_by, ...parseNotices(r).flatMap((n) => n.people)];
        const escalation = percents.includes(100) ? await teamOf(config, ['admin', 'cto']) : [];
        try {
          await db.transaction().execute(async (trx) => {
            const changes: HotfixChanges = {};
            const messages: OutboxMessage[] = [];
            for (const percent of percents) {
              const people = [...new Set(percent === 100 ? [...incidentTeam, ...escalation] : incidentTeam)].sort();
              const payload = {
                incidentId: r.id,
                bugId: r.bug_id,
                title: r.title,
                severity: r.severity,
                priority: r.priority,
                percent,
                slaDueAt: r.sla_due_at,
                level: percent === 100 ? 'breached' : 'half',
                escalate: percent === 100,
                people,
                deployed: r.deploy !== null,
              };
              messages.push(message(r.system, 'hotfix.sla_warning', `${r.id}:${percent}`, payload, now));
              changes.sla_warned = percent;
            }
            if (review) {
              changes.review_reminded_at = now.toISOString();
              messages.push(message(r.system, 'hotfix.review_due', `${r.id}`, { incidentId: r.id, bugId: r.bug_id, title: r.title, priority: r.priority, reviewDueAt: r.review_due_at }, now));
            }
            const updated = await change(trx, r, changes, now);
            await outbox.enqueue(trx, ...messages);
            for (const m of messages) await record(trx, r.system, TONIC, m.event.slice('hotfix.'.length), updated, m.payload, now);
          });
        } catch (error) {
          // Another instance (or a person) changed it meanwhile: the next tick looks again.
          if (error instanceof DomainError && error.code === 'stale_version') continue;
          throw error;
        }
        slaWarnings += percents.length;
        if (review) reviewReminders += 1;
      }
      return { slaWarnings, reviewReminders };
    },
  };
}

export type HotfixService = ReturnType<typeof createHotfixService>;
