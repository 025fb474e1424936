/**
 * The scheduled nodes of SEED.md, carried out for real: T1 Phase 1 (analyse, build, deploy to UAT
 * for Flow 1; build on the PROD line and queue for Flow 2) and T2 Phase 2 (promote the validated UAT
 * release to PROD), 2a (deploy the Flow 2 release to PROD) and 2b (cherry-pick approved Flow 2 fixes
 * back onto UAT). Each bug moves only through the bug service, so the table, history, audit and
 * outbox rules hold here exactly as for people.
 */
import type { AnalysisResult, Analyzer } from '../../adapters/analyze/diff-analyzer.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { FixToApply } from '../../adapters/git/release-builder.ts';
import type { SystemRepository } from '../../adapters/git/system-repository.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { silentLogger, withLogContext, type Logger } from '../../shared/logger.ts';
import type { BugService } from '../bugs/bug-service.ts';
import type { FixFlow } from '../bugs/bug-statuses.ts';
import type { BugStore } from '../bugs/bug-store.ts';
import type { ChecklistGate } from '../checklists/checklist-service.ts';
import { toBugView, type BugView } from '../bugs/bug-view.ts';
import type { DeployLock } from '../deployments/deploy-lock.ts';
import type { DeploymentService } from '../deployments/deployment-service.ts';
import type { EnvironmentStore } from '../environments/environment-store.ts';
import { chooseFlow, type VersionGraph } from '../environments/flow-rules.ts';
import { describeFreezes, describeFreezeWindow, type FreezeState } from '../freezes/freeze-rules.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { OutboxEvent, OutboxStore } from '../outbox/outbox-store.ts';
import { buildTaggedRelease, fixCommits } from '../releases/release-building.ts';
import type { ReleaseKind } from '../releases/release-rules.ts';
import type { ReleaseStore, ReleaseView } from '../releases/release-store.ts';
import type { PostDeploy } from '../rollbacks/post-deploy.ts';
import { formatLocal, nextSlotAfter } from '../schedule/schedule-rules.ts';
import { describePlan, planDeploy, serviceOrderOf, withTouchedServices } from '../services/service-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import { decideT1, isDue, promotionVerdict, type T1Decision } from './run-rules.ts';
import type { RunFreeze, RunReport, RunSlot, RunStatus, RunStore, RunView } from './run-store.ts';

type PipelineItem = Parameters<BugService['advanceMany']>[1][number];

export type Repositories = { has(system: string): boolean; open(system: string): Promise<SystemRepository> };

type RunDeps = {
  db: Db;
  runs: RunStore;
  bugs: BugService;
  bugStore: BugStore;
  releases: ReleaseStore;
  deployments: DeploymentService;
  environments: EnvironmentStore;
  versions: VersionGraph;
  repositories: Repositories;
  analyzer: Analyzer;
  systems: SystemRegistry;
  identity: IdentityService;
  outbox: OutboxStore;
  clock: Clock;
  /** DESIGN.md decision 7: what is frozen at an instant (the freeze service). */
  freezes: { at(system: string, at: Date): Promise<FreezeState> };
  /** One deploy at a time per system: a run holds it from start to end (deploys, smoke, monitoring). */
  lock: DeployLock;
  /** Smoke steps and the watch window after each deploy; rolls back when they fail. */
  postDeploy: PostDeploy;
  /** This server instance, for claims and leases. */
  instance: string;
  leaseMs: number;
  /** The pre-deploy checklist: run before a run deploys anything; a blocking failure skips the run. */
  checklist?: { gate(run: RunView): Promise<ChecklistGate | null> };
  /** Each step of a run is also a log line (with the run's id). */
  logger?: Logger;
};

/** A scheduled run finding another deploy in progress waits this long for it before failing. */
const SCHEDULED_LOCK_WAIT_MS = 5 * 60_000;

type Deployed = { deploymentId: number; release: ReleaseView; env: 'uat' | 'prod'; baseline: unknown };

const PIPELINE = 'tonic';

/** Collects the run's report as it goes; saved when the run ends. */
function createReport(clock: Clock, logger: Logger) {
  const steps: RunReport['steps'] = [];
  const bugs: RunReport['bugs'] = [];
  const releases: RunReport['releases'] = [];
  return {
    steps,
    bugs,
    releases,
    step(message: string) {
      steps.push({ at: clock.now().toISOString(), message });
      logger.info(message);
    },
    bug(id: number, outcome: string, reason?: string) {
      bugs.push(reason ? { id, outcome, reason } : { id, outcome });
    },
  };
}

type Report = ReturnType<typeof createReport>;

/**
 * A module freeze in force for this run: the bugs of frozen modules are left where they are (not
 * moved, not built into a release) and collected for the announcement.
 */
function createModuleFreeze(state: FreezeState, timeZone: string) {
  const frozen = new Set(state.modules);
  const left: BugView[] = [];
  return {
    left,
    holds: (bug: { module: string | null }) => bug.module !== null && frozen.has(bug.module),
    why(bug: BugView): string {
      const by = state.sources.filter((s) => s.scope === 'modules' && bug.module !== null && s.modules.includes(bug.module));
      return `module ${bug.module} is frozen: ${by.map((w) => describeFreezeWindow(w, timeZone)).join('; ')}`;
    },
    leave(bug: BugView, report: Report): void {
      if (!left.some((b) => b.id === bug.id)) left.push(bug);
      report.bug(bug.id, 'frozen', this.why(bug));
    },
  };
}

type ModuleFreeze = ReturnType<typeof createModuleFreeze>;

/** The commits a bug's fix consists of (shared with the analysis and the emergency hotfix). */
export { fixCommits };

export function createRunService(deps: RunDeps) {
  const { db, runs, bugs, bugStore, releases, deployments, environments, versions, repositories, analyzer, systems, outbox, clock } = deps;
  const logger = deps.logger ?? silentLogger();
  /** The runs this process is carrying out now, with their report so far (graceful shutdown reads it). */
  const active = new Map<number, { run: RunView; report: Report }>();

  function bugLine(b: BugView) {
    return { id: b.id, severity: b.severity, title: b.title, services: b.services };
  }

  /** A bug in a message that asks people to validate it: with the checks its analysis proposes. */
  function bugToValidate(b: BugView) {
    return { ...bugLine(b), validationSteps: b.validationSteps };
  }

  async function announce(system: string, event: OutboxEvent, key: string, payload: Record<string, unknown>) {
    const at = clock.now();
    await db.transaction().execute((trx) => outbox.enqueue(trx, { system, event, payload, idempotencyKey: `${event}:${key}`, at }));
  }

  function nextT2(config: SystemConfig) {
    const at = nextSlotAfter(clock.now(), config.timeZone, config.t2);
    return { t2At: at.toISOString(), t2Local: formatLocal(at, config.timeZone) };
  }

  async function loadViews(system: string, ids: readonly number[]): Promise<Map<number, BugView>> {
    const tz = systems.get(system).timeZone;
    const out = new Map<number, BugView>();
    for (const id of ids) {
      const row = await bugStore.get(db, system, id);
      if (row) out.set(id, toBugView(row, tz));
    }
    return out;
  }

  /**
   * Moves many bugs one pipeline step in few transactions; a bug someone changed meanwhile is
   * reported and left alone. `outcome` names what happened to the moved ones in the run report.
   */
  async function moveAll(run: RunView, items: readonly PipelineItem[], outcome: string | null, report: Report): Promise<BugView[]> {
    const { moved, refused } = await bugs.advanceMany(run.system, items);
    for (const r of refused) report.bug(r.id, 'left', r.error.message);
    if (outcome) for (const b of moved) report.bug(b.id, outcome);
    return moved;
  }

  /**
   * Builds, tags and records a release: base plus each fix, in bug order. Bugs whose fix
   * conflicts are noted (files recorded, announced) and left out; returns null when nothing applied.
   */
  async function makeRelease(
    run: RunView,
    repo: SystemRepository,
    input: { kind: ReleaseKind; targetEnv: 'uat' | 'prod'; base: string; baseVersion: string | null; fixes: FixToApply[]; views: Map<number, BugView> },
    report: Report,
  ): Promise<ReleaseView | null> {
    const { release, version, conflicts } = await buildTaggedRelease({ db, releases, clock }, repo, {
      system: run.system,
      kind: input.kind,
      targetEnv: input.targetEnv,
      base: input.base,
      baseVersion: input.baseVersion,
      fixes: input.fixes,
      noteOf: (bugId) => bugLine(input.views.get(bugId)!),
      serviceOrder: serviceOrderOf(systems.get(run.system)),
      runId: run.id,
    });
    for (const c of conflicts) {
      const conflict = { release: version, commit: c.commit, files: c.files, message: c.message, at: clock.now().toISOString() };
      await bugs.note(run.system, c.bugId, 'conflict', {
        reason: `cherry-pick of ${c.commit.slice(0, 10)} onto ${input.base.slice(0, 10)} conflicts in ${c.files.join(', ') || 'the index'}`,
        changes: { conflict: JSON.stringify(conflict) },
        data: { ...conflict, runId: run.id },
        event: 'bug.conflict',
      });
      report.bug(c.bugId, 'conflict', `conflicts in ${c.files.join(', ')}`);
    }
    if (!release) return null;
    report.step(`built ${version} (${input.kind}) on ${input.base.slice(0, 10)} with ${release.bugs.map((b) => `#${b.id}`).join(', ')}`);
    report.releases.push({ id: release.id, version, env: input.targetEnv, deployed: null });
    return release;
  }

  /** Deploys under the run's lock (re-entered), with the monitoring baseline taken just before. */
  async function deploy(run: RunView, release: ReleaseView, env: 'uat' | 'prod', report: Report): Promise<Deployed | null> {
    // Multi-service systems: the plan is settled and recorded before anything is deployed.
    const plan = await deployments.planFor({ system: run.system, env, release });
    if (plan) report.step(`deploy plan of ${release.version} to ${env}: ${describePlan(plan)}; ${plan.why}`);
    const planned = report.releases.find((r) => r.id === release.id && r.env === env);
    if (plan && planned) planned.services = plan;
    const purpose = `${run.slot.toUpperCase()} run ${run.id}: ${release.version} to ${env}${plan ? `, services ${plan.order.join(' → ')}` : ''}`;
    const { outcome, baseline } = await deps.lock.withLock({ system: run.system, holder: PIPELINE, purpose, runId: run.id }, async (held) => {
      await held.describe(purpose);
      const baseline = await deps.postDeploy.prepare({ system: run.system, env });
      return { outcome: await deployments.deploy({ system: run.system, env, release, runId: run.id, actor: PIPELINE }), baseline };
    });
    const entry = report.releases.find((r) => r.id === release.id && r.env === env);
    if (entry) entry.deployed = outcome.ok;
    else report.releases.push({ id: release.id, version: release.version, env, deployed: outcome.ok, ...(plan ? { services: plan } : {}) });
    report.step(outcome.ok ? `deployed ${release.version} to ${env} (deployment ${outcome.deploymentId})` : `deploy of ${release.version} to ${env} failed: ${outcome.error}`);
    if (outcome.ok) {
      const repo = await repositories.open(run.system);
      const line = systems.get(run.system).environments[env].line;
      const publishNote = await repo.publish(release.tag, line, release.commit);
      if (publishNote) report.step(publishNote);
    }
    return outcome.ok ? { deploymentId: outcome.deploymentId, release, env, baseline } : null;
  }

  /**
   * After the bugs moved and the deploy was announced: smoke steps and the watch window. False when
   * the deployment was rolled back (the rollback returned the bugs and announced itself).
   */
  async function verify(run: RunView, deployed: Deployed, report: Report): Promise<boolean> {
    const { release, env } = deployed;
    const checked = await deps.postDeploy.verify({ system: run.system, env, deploymentId: deployed.deploymentId, version: release.version, commit: release.commit, baseline: deployed.baseline, actor: PIPELINE });
    report.step(`after ${release.version} on ${env}: ${checked.detail}`);
    if (checked.outcome !== 'rolled_back') return true;
    const entry = report.releases.find((r) => r.id === release.id && r.env === env);
    if (entry) entry.deployed = false;
    for (const b of checked.rollback?.bugs ?? []) {
      report.bug(b.id, b.result === 'reverted' ? `rolled back to ${b.to}` : 'left', b.result === 'reverted' ? `rollback ${checked.rollback!.id}` : (b.reason ?? undefined));
    }
    return false;
  }

  // ---- T1, Phase 1 -------------------------------------------------------------------------

  async function runT1(run: RunView, report: Report, frozen: ModuleFreeze): Promise<RunStatus> {
    const config = systems.get(run.system);
    const repo = await repositories.open(run.system);
    await repo.refresh();
    const envs = await environments.get(db, run.system);
    if (!envs.uat.commit || !envs.prod.commit) {
      throw new DomainError('flow_unavailable', 'the commits on UAT and PROD are not recorded: record them (tonic env record) or deploy once');
    }

    // A Flow 1 release still on UAT that lost a bug (dropped by an admin) is rebuilt from PROD's
    // commit: for this run UAT counts as being where PROD is.
    const uatRelease = envs.uat.releaseId ? await releases.get(db, run.system, envs.uat.releaseId) : undefined;
    let rebuild: { release: ReleaseView; keep: number[]; dropped: number[] } | null = null;
    if (uatRelease?.kind === 'flow1' && uatRelease.baseCommit === envs.prod.commit) {
      const members = await loadViews(run.system, uatRelease.bugs.map((b) => b.id));
      const keep = [...members.values()].filter((b) => b.releaseId === uatRelease.id && ['deployed_uat', 'pending_prod'].includes(b.status)).map((b) => b.id);
      const dropped = [...members.values()].filter((b) => b.releaseId !== uatRelease.id).map((b) => b.id);
      if (dropped.length > 0) rebuild = { release: uatRelease, keep, dropped };
    }
    const uatSide = rebuild ? envs.prod : envs.uat;
    const relation = rebuild ? 'same' : await versions.relate(run.system, envs.uat.commit, envs.prod.commit);
    const choice = chooseFlow(relation, uatSide, envs.prod);
    report.step(`version check: ${choice.reason}${rebuild ? ` (rebuilding ${rebuild.release.version} without #${rebuild.dropped.join(', #')})` : ''}`);

    if (config.fixBranch) await attachTrailerFixes(run, repo, config.fixBranch, report);

    const candidates = (await bugStore.inStatuses(db, run.system, ['confirmed', 'planned'])).map((r) => toBugView(r, config.timeZone));
    const taken: Record<FixFlow, BugView[]> = { flow1: [], flow2: [] };
    for (const bug of candidates) {
      if (rebuild?.dropped.includes(bug.id)) {
        report.bug(bug.id, 'skipped', `dropped from ${rebuild.release.version}: left out of its rebuild`);
        continue;
      }
      if (frozen.holds(bug)) {
        frozen.leave(bug, report);
        continue;
      }
      const decision: T1Decision = decideT1({ ...bug, hasFix: bug.fixRefs.length > 0 }, choice);
      if (decision.take === null) {
        if (decision.missingFix) await bugs.note(run.system, bug.id, 'fix_missing', { reason: decision.reason, data: { runId: run.id }, event: 'bug.fix_missing' });
        report.bug(bug.id, 'skipped', decision.reason);
        continue;
      }
      let current = bug;
      if (decision.reroute) {
        current = await bugs.note(run.system, bug.id, 'reroute', {
          reason: `re-routed from ${decision.reroute.from ?? 'no flow'} to ${decision.reroute.to}: ${decision.reroute.reason}`,
          changes: { fix_flow: decision.reroute.to, flow_reason: decision.reroute.reason, flow_hold: null },
          data: { from: decision.reroute.from, to: decision.reroute.to, why: decision.reroute.reason, runId: run.id },
          event: 'bug.rerouted',
        });
        report.step(`#${bug.id} re-routed to ${decision.reroute.to}`);
      }
      taken[decision.take].push(current);
    }

    // Analysis: confirmed/planned → analyzing → planned, with the fix's own diff; all bugs at once.
    const commitsOf = new Map<number, string[]>();
    const analysing: BugView[] = [];
    const giveUp = async (bug: BugView, reason: string) => {
      const now = await bugStore.get(db, run.system, bug.id);
      if (now?.status === 'analyzing') await bugs.advance(run.system, bug.id, 'abort_analysis', { reason });
      report.bug(bug.id, 'skipped', reason);
      taken.flow1 = taken.flow1.filter((b) => b.id !== bug.id);
      taken.flow2 = taken.flow2.filter((b) => b.id !== bug.id);
    };
    const readable: BugView[] = [];
    // Multi-service systems: a bug's services grow with what its fix's commits touch now.
    const servicesOf = new Map<number, string[]>();
    for (const bug of [...taken.flow1, ...taken.flow2]) {
      try {
        const commits = await fixCommits(repo, bug, envs.prod.commit);
        commitsOf.set(bug.id, commits);
        if (config.services) servicesOf.set(bug.id, withTouchedServices(bug.services, await repo.filesOf(commits), config.services));
        readable.push(bug);
      } catch (error) {
        await giveUp(bug, `the fix cannot be read: ${(error as Error).message}`);
      }
    }
    const started = new Set((await moveAll(run, readable.map((b) => ({ id: b.id, action: 'start_analysis' as const })), null, report)).map((b) => b.id));
    for (const bug of readable) {
      if (started.has(bug.id)) analysing.push(bug);
      else {
        taken.flow1 = taken.flow1.filter((b) => b.id !== bug.id);
        taken.flow2 = taken.flow2.filter((b) => b.id !== bug.id);
      }
    }
    let analyses = new Map<number, AnalysisResult>();
    let analysisError = 'the analyzer gave no answer for this bug';
    try {
      analyses = await analyzer.analyze(
        repo.path,
        analysing.map((b) => ({ id: b.id, commits: commitsOf.get(b.id)!, services: servicesOf.get(b.id) ?? b.services, bug: b })),
        { system: run.system, runId: run.id },
      );
    } catch (error) {
      analysisError = (error as Error).message;
    }
    const planned: PipelineItem[] = [];
    for (const bug of analysing) {
      const result = analyses.get(bug.id);
      if (!result) {
        await giveUp(bug, `analysis failed: ${analysisError}`);
        continue;
      }
      planned.push({
        id: bug.id,
        action: 'record_plan',
        details: {
          changes: { analysis: JSON.stringify(result.analysis), ai_fix_diff: result.diff, ...(servicesOf.has(bug.id) ? { services: JSON.stringify(servicesOf.get(bug.id)) } : {}) },
          data: { risk: result.analysis.risk, ...(servicesOf.has(bug.id) ? { services: servicesOf.get(bug.id) } : {}) },
        },
      });
    }
    const recorded = new Set((await moveAll(run, planned, null, report)).map((b) => b.id));
    taken.flow1 = taken.flow1.filter((b) => recorded.has(b.id));
    taken.flow2 = taken.flow2.filter((b) => recorded.has(b.id));

    let status: RunStatus = 'succeeded';
    const views = await loadViews(run.system, [...(rebuild?.keep ?? []), ...taken.flow1.map((b) => b.id), ...taken.flow2.map((b) => b.id)]);

    // Flow 1: a release from the common commit, deployed to UAT.
    if (taken.flow1.length > 0 || (rebuild && rebuild.keep.length > 0)) {
      const kept = rebuild ? rebuild.release.bugs.filter((b) => rebuild!.keep.includes(b.id)) : [];
      const fixes: FixToApply[] = [
        ...kept.map((b) => ({ bugId: b.id, commits: b.commits })),
        ...taken.flow1.map((b) => ({ bugId: b.id, commits: commitsOf.get(b.id) ?? [] })),
      ].sort((a, b) => a.bugId - b.bugId);
      const release = await makeRelease(run, repo, { kind: 'flow1', targetEnv: 'uat', base: envs.prod.commit, baseVersion: envs.prod.version, fixes, views }, report);
      if (release) {
        const onUat = await deploy(run, release, 'uat', report);
        if (onUat) {
          const deployed = await moveAll(
            run,
            release.bugs.map((b) => ({
              id: b.id,
              action: kept.some((k) => k.id === b.id) ? ('redeploy_uat' as const) : ('deploy_uat' as const),
              details: { changes: { release_id: release.id }, data: { release: release.version } },
            })),
            'deployed_uat',
            report,
          );
          await announce(run.system, 't1.flow1.deployed_uat', `${release.id}`, {
            flow: 'flow1',
            release: release.version,
            uatUrl: config.environments.uat.url,
            bugs: deployed.map(bugToValidate),
            ...nextT2(config),
          });
          if (!(await verify(run, onUat, report))) status = 'failed';
        } else {
          status = 'failed';
          for (const b of release.bugs) report.bug(b.id, 'not deployed', 'the UAT deploy failed; the bug stays where it was');
        }
      }
    }

    // Flow 2: a release on the PROD line, queued for T2.
    if (taken.flow2.length > 0) {
      const fixes = taken.flow2.map((b) => ({ bugId: b.id, commits: commitsOf.get(b.id) ?? [] }));
      const release = await makeRelease(run, repo, { kind: 'flow2', targetEnv: 'prod', base: envs.prod.commit, baseVersion: envs.prod.version, fixes, views }, report);
      if (release) {
        const queued = await moveAll(
          run,
          release.bugs.map((b) => ({ id: b.id, action: 'queue_prod' as const, details: { changes: { release_id: release.id }, data: { release: release.version } } })),
          'pending_prod',
          report,
        );
        await announce(run.system, 't1.flow2.queued_prod', `${release.id}`, { flow: 'flow2', release: release.version, bugs: queued.map(bugLine), ...nextT2(config) });
      }
    }
    if (report.bugs.length === 0) report.step('nothing to do: no confirmed bug with a fix');
    return status;
  }

  async function attachTrailerFixes(run: RunView, repo: SystemRepository, branch: string, report: Report) {
    const found = await repo.trailerFixes(branch);
    const config = systems.get(run.system);
    for (const [id, commits] of found) {
      const row = await bugStore.get(db, run.system, id);
      if (!row || !['submitted', 'confirmed', 'planned'].includes(row.status)) continue;
      const bug = toBugView(row, config.timeZone);
      const fresh = commits.filter((c) => !bug.fixRefs.some((f) => f.commit === c));
      if (fresh.length === 0) continue;
      const at = clock.now().toISOString();
      await bugs.note(run.system, id, 'attach_fix', {
        reason: `found "Fixes #${id}" on ${branch}`,
        changes: { fix_refs: JSON.stringify([...bug.fixRefs, ...fresh.map((c) => ({ kind: 'trailer', ref: branch, commit: c, attachedBy: PIPELINE, at }))]) },
        data: { kind: 'trailer', ref: branch, commits: fresh },
        event: 'bug.fix_attached',
      });
      report.step(`#${id}: attached ${fresh.length} commit(s) from "Fixes #${id}" on ${branch}`);
    }
  }

  // ---- T2, Phase 2 / 2a / 2b ------------------------------------------------------------------

  /** "Run T2 now" does what the next scheduled T2 would: the bugs due by then. */
  function t2SlotAt(run: RunView, config: SystemConfig): Date {
    return run.trigger === 'manual' ? nextSlotAfter(new Date(run.scheduledFor), config.timeZone, config.t2) : new Date(run.scheduledFor);
  }

  /** Would the run deploy anything? The pre-deploy checklist runs only then. */
  async function hasDeployWork(run: RunView): Promise<boolean> {
    if (run.slot === 't1') return (await bugStore.inStatuses(db, run.system, ['confirmed', 'planned'])).length > 0;
    const slotAt = t2SlotAt(run, systems.get(run.system));
    return (await bugStore.inStatuses(db, run.system, ['pending_prod', 'pending_uat_merge'])).some((b) => isDue(b.runs_at, slotAt));
  }

  async function runT2(run: RunView, report: Report, frozen: ModuleFreeze): Promise<RunStatus> {
    const config = systems.get(run.system);
    const slotAt = t2SlotAt(run, config);
    const repo = await repositories.open(run.system);
    await repo.refresh();
    let status: RunStatus = 'succeeded';

    // Phase 2 (Flow 1): promote the release UAT runs, as is.
    let envs = await environments.get(db, run.system);
    for (const release of await releases.withBugsIn(db, run.system, 'flow1', ['deployed_uat', 'pending_prod'])) {
      const members = await loadViews(run.system, release.bugs.map((b) => b.id));
      if (release.id !== envs.uat.releaseId) {
        for (const m of members.values()) if (m.releaseId === release.id) report.bug(m.id, 'waiting', `${release.version} is no longer what UAT runs`);
        continue;
      }
      const verdict = promotionVerdict(
        [...members.values()].map((m) => ({ id: m.id, status: m.status, inRelease: m.releaseId === release.id, runsAt: m.runsAt })),
        slotAt,
      );
      if (!verdict.promote) {
        for (const w of verdict.waiting) report.bug(w.id, 'waiting', w.reason);
        for (const id of verdict.ready) report.bug(id, 'held', `${release.version} is held back by ${verdict.waiting.map((w) => `#${w.id}`).join(', ')}`);
        if (verdict.ready.length > 0 || verdict.waiting.length > 0) {
          await announce(run.system, 'release.held', `${release.id}:${run.id}`, {
            release: release.version,
            ready: verdict.ready.map((id) => bugLine(members.get(id)!)),
            waiting: verdict.waiting.map((w) => ({ ...bugLine(members.get(w.id)!), reason: w.reason })),
            ...nextT2(config),
          });
        }
        continue;
      }
      if (holdFrozen(release, verdict.ready.map((id) => members.get(id)!), frozen, report)) continue;
      if (!envs.prod.commit || !(await repo.isAncestor(envs.prod.commit, release.commit))) {
        for (const id of verdict.ready) report.bug(id, 'held', `PROD moved since ${release.version} was built: it would undo what PROD runs`);
        continue;
      }
      const deployed = await deploy(run, release, 'prod', report);
      if (deployed) {
        const done = await moveAll(run, verdict.ready.map((id) => ({ id, action: 'deploy_prod' as const, details: { data: { release: release.version } } })), 'deployed_prod', report);
        await announce(run.system, 't2.flow1.deployed_prod', `${release.id}`, { flow: 'flow1', release: release.version, bugs: done.map(bugLine) });
        if (!(await verify(run, deployed, report))) status = 'failed';
      } else {
        status = 'failed';
        for (const id of verdict.ready) report.bug(id, 'not deployed', 'the PROD deploy failed; the bug stays pending_prod');
      }
      envs = await environments.get(db, run.system);
    }

    // Phase 2a (Flow 2): the PROD-line releases queued at T1.
    for (const release of await releases.withBugsIn(db, run.system, 'flow2', ['pending_prod'])) {
      const members = await loadViews(run.system, release.bugs.map((b) => b.id));
      const due = [...members.values()].filter((m) => m.status === 'pending_prod' && m.releaseId === release.id && isDue(m.runsAt, slotAt));
      if (due.length === 0) continue;
      if (holdFrozen(release, due, frozen, report)) continue;
      if (!envs.prod.commit || !(await repo.isAncestor(envs.prod.commit, release.commit))) {
        for (const m of due) report.bug(m.id, 'held', `PROD moved since ${release.version} was built: it would undo what PROD runs`);
        continue;
      }
      const deployed = await deploy(run, release, 'prod', report);
      if (deployed) {
        const done = await moveAll(run, due.map((m) => ({ id: m.id, action: 'deploy_prod' as const, details: { data: { release: release.version } } })), 'deployed_prod', report);
        await announce(run.system, 't2.flow2.deployed_prod', `${release.id}`, { flow: 'flow2', release: release.version, bugs: done.map(bugToValidate), ...nextT2(config) });
        if (!(await verify(run, deployed, report))) status = 'failed';
      } else {
        status = 'failed';
        for (const m of due) report.bug(m.id, 'not deployed', 'the PROD deploy failed; the bug stays pending_prod');
      }
      envs = await environments.get(db, run.system);
    }

    // Phase 2b (Flow 2): approved fixes cherry-picked back onto what UAT runs.
    const dueForMerge = (await bugStore.inStatuses(db, run.system, ['pending_uat_merge']))
      .map((r) => toBugView(r, config.timeZone))
      .filter((b) => isDue(b.runsAt, slotAt));
    for (const b of dueForMerge) if (frozen.holds(b)) frozen.leave(b, report);
    const merging = dueForMerge.filter((b) => !frozen.holds(b));
    if (merging.length > 0) {
      if (!envs.uat.commit) throw new DomainError('flow_unavailable', 'the commit on UAT is not recorded: cannot merge Flow 2 fixes back');
      const fixes: FixToApply[] = [];
      for (const bug of merging) {
        const source = bug.releaseId ? await releases.get(db, run.system, bug.releaseId) : undefined;
        const commits = source?.bugs.find((b) => b.id === bug.id)?.commits ?? (await fixCommits(repo, bug, envs.uat.commit));
        fixes.push({ bugId: bug.id, commits });
      }
      const views = new Map(merging.map((b) => [b.id, b]));
      const release = await makeRelease(run, repo, { kind: 'flow2b', targetEnv: 'uat', base: envs.uat.commit, baseVersion: envs.uat.version, fixes, views }, report);
      if (release) {
        const deployed = await deploy(run, release, 'uat', report);
        if (deployed) {
          const done = await moveAll(
            run,
            release.bugs.map((b) => ({ id: b.id, action: 'merge_uat' as const, details: { changes: { release_id: release.id }, data: { release: release.version } } })),
            'uat_merged',
            report,
          );
          await announce(run.system, 't2.flow2.uat_merged', `${release.id}`, { flow: 'flow2', release: release.version, bugs: done.map(bugLine) });
          if (!(await verify(run, deployed, report))) status = 'failed';
        } else {
          status = 'failed';
          for (const b of release.bugs) report.bug(b.id, 'not deployed', 'the UAT deploy failed; the bug stays pending_uat_merge');
        }
      }
    }
    if (report.bugs.length === 0) report.step('nothing to do: no approved bug due at this T2');
    return status;
  }

  /**
   * A release is immutable (PROD gets exactly what UAT ran, decision 3): one carrying a bug of a
   * frozen module waits whole until the freeze ends, or until an admin drops that bug from it.
   */
  function holdFrozen(release: ReleaseView, members: readonly BugView[], frozen: ModuleFreeze, report: Report): boolean {
    const blocking = members.filter((m) => frozen.holds(m));
    if (blocking.length === 0) return false;
    for (const m of blocking) frozen.leave(m, report);
    const names = blocking.map((m) => `#${m.id} (${m.module})`).join(', ');
    for (const m of members) {
      if (!frozen.holds(m)) report.bug(m.id, 'held', `${release.version} also carries ${names} of a frozen module: it goes to PROD whole once the freeze ends, or drop the frozen bug from it`);
    }
    return true;
  }

  // ---- Execution: claims, leases, outcome -------------------------------------------------------

  /** Every line logged while the run works carries its id. */
  function execute(run: RunView): Promise<RunView> {
    return withLogContext({ runId: run.id }, () => executeRun(run));
  }

  async function executeRun(run: RunView): Promise<RunView> {
    const report = createReport(clock, logger);
    active.set(run.id, { run, report });
    try {
      return await carryOut(run, report);
    } finally {
      active.delete(run.id);
    }
  }

  async function carryOut(run: RunView, report: Report): Promise<RunView> {
    report.step(`${run.slot.toUpperCase()} for ${run.system}, slot ${run.scheduledFor} (${run.trigger})`);
    // Keep the claim alive while working; a lapsed lease marks the run interrupted (decision 6).
    const renew = setInterval(() => {
      void runs.renew(db, run.id, deps.instance, new Date(clock.now().getTime() + deps.leaseMs)).catch(() => undefined);
    }, Math.max(50, Math.floor(deps.leaseMs / 3)));
    let status: RunStatus;
    let error: string | null = null;
    let frozen: ModuleFreeze | null = null;
    let freeze: RunFreeze | undefined;
    let gate: ChecklistGate | null = null;
    try {
      // Decision 7: before anything else, the freezes in force at the slot's instant.
      const timeZone = systems.get(run.system).timeZone;
      const state = await deps.freezes.at(run.system, new Date(run.scheduledFor));
      if (state.full || state.modules.length > 0) {
        freeze = { full: state.full, modules: state.modules, lunarNewYear: state.lunarNewYear, detail: describeFreezes(state, timeZone), sources: state.sources };
        report.step(state.full ? `skipped: ${freeze.detail}` : `frozen modules left out: ${freeze.detail}`);
      }
      frozen = createModuleFreeze(state, timeZone);
      // Decision 8: the pre-deploy checklist, when the run would deploy anything.
      gate = !state.full && deps.checklist && (await hasDeployWork(run)) ? await deps.checklist.gate(run) : null;
      if (gate) report.step(`pre-deploy checklist ${gate.checklist.id} for ${gate.checklist.env}: ${gate.checklist.verdict}`);
      if (state.full) {
        status = 'skipped';
      } else if (gate?.blocked) {
        status = 'skipped';
        report.step(`skipped, nothing deployed: the pre-deploy checklist blocks it: ${gate.detail}`);
      } else {
        // The whole run holds the system's deploy lock: a rollback or hotfix meanwhile is refused.
        const lockRequest = { system: run.system, holder: PIPELINE, purpose: `${run.slot.toUpperCase()} run ${run.id}`, runId: run.id, waitMs: run.trigger === 'manual' ? 0 : SCHEDULED_LOCK_WAIT_MS };
        const moduleFreeze = frozen;
        status = await deps.lock.withLock(lockRequest, () => (run.slot === 't1' ? runT1(run, report, moduleFreeze) : runT2(run, report, moduleFreeze)));
      }
    } catch (e) {
      status = 'failed';
      error = e instanceof DomainError ? e.message : `unexpected error: ${(e as Error).message}`;
      report.step(`failed: ${error}`);
    } finally {
      clearInterval(renew);
    }
    const saved: RunReport = { steps: report.steps, bugs: report.bugs, releases: report.releases, ...(freeze ? { freeze } : {}) };
    if (gate) saved.checklist = { id: gate.checklist.id, env: gate.checklist.env, verdict: gate.checklist.verdict!, items: gate.checklist.items };
    if (freeze?.full) saved.skipped = { reason: 'freeze', detail: freeze.detail };
    else if (gate?.blocked) saved.skipped = { reason: 'checklist', detail: gate.detail };
    const finished = await runs.finish(db, run.id, deps.instance, status, saved, error, clock.now());
    if (!finished) {
      // Another instance (or this one, shutting down) declared this run interrupted while it
      // worked: keep its verdict and what it recorded about the interruption, keep the report.
      const recorded = (await runs.get(db, run.system, run.id))?.report.interrupted;
      await runs.saveReport(db, run.id, recorded ? { ...saved, interrupted: recorded } : saved);
    }
    logger.info({ status, ...(error ? { error } : {}) }, `${run.slot.toUpperCase()} run ${run.id} of ${run.system}: ${status}`);
    if (saved.skipped?.reason === 'checklist' && gate) {
      const { detail } = saved.skipped;
      await announce(run.system, 'run.skipped', `${run.id}`, { runId: run.id, slot: run.slot, reason: 'checklist', detail, checklistId: gate.checklist.id, checklist: gate.checklist.items });
    }
    if (status === 'failed') {
      await announce(run.system, 'run.failed', `${run.id}`, { runId: run.id, slot: run.slot, error: error ?? 'a deploy failed', steps: report.steps.slice(-5) });
    }
    if (status === 'skipped' && freeze) {
      await announce(run.system, 'run.skipped', `${run.id}`, {
        runId: run.id,
        slot: run.slot,
        scheduledFor: run.scheduledFor,
        reason: 'freeze',
        detail: freeze.detail,
        freezes: freeze.sources.map((s) => ({ source: s.source, label: s.label, scope: s.scope, modules: s.modules, until: s.end })),
      });
    }
    if (frozen && frozen.left.length > 0 && freeze) {
      await announce(run.system, 'run.modules_frozen', `${run.id}`, {
        runId: run.id,
        slot: run.slot,
        scheduledFor: run.scheduledFor,
        modules: freeze.modules,
        bugs: frozen.left.map((b) => ({ id: b.id, title: b.title, severity: b.severity, module: b.module })),
        detail: freeze.detail,
      });
    }
    return (await runs.get(db, run.system, run.id))!;
  }

  /**
   * A deploy the plan foresees, service by service: an existing release (T2), or the one T1 would
   * build on PROD's commit (UAT) / merge onto UAT's (2b) from these bugs' fixes, as they touch now.
   */
  async function deployPlan(config: SystemConfig, slot: RunSlot, env: 'uat' | 'prod', release: ReleaseView | null, bugs: readonly BugView[], envs: Awaited<ReturnType<EnvironmentStore['get']>>) {
    let services = [...new Set(bugs.flatMap((b) => b.services))];
    let commit = release?.commit ?? null;
    if (!release) {
      const base = env === 'uat' && slot === 't2' ? envs.uat.commit : envs.prod.commit;
      commit = base;
      if (repositories.has(config.name) && base) {
        try {
          const repo = await repositories.open(config.name);
          for (const bug of bugs) services = withTouchedServices(services, await repo.filesOf(await fixCommits(repo, bug, base)), config.services!);
        } catch {
          /* the fixes cannot be read now: the bugs' services as recorded */
        }
      }
    }
    const plan = commit
      ? await deployments.planFor({ system: config.name, env, release: { commit, services: release ? [...new Set([...release.services, ...services])] : services } })
      : null;
    const ids = bugs.map((b) => b.id).sort((a, b) => a - b);
    const what = release
      ? `${slot.toUpperCase()} deploys ${release.version} to ${env}`
      : `${slot.toUpperCase()} builds a release of ${ids.map((id) => `#${id}`).join(', ')} and deploys it to ${env}`;
    return { slot, env, what, release: release?.version ?? null, bugs: ids, ...(plan ?? planDeploy(config.services!, services)) };
  }

  return {
    execute,

    /** The runs this process is carrying out now, with the steps done so far. */
    active(): { run: RunView; report: Pick<RunReport, 'steps' | 'bugs' | 'releases'> }[] {
      return [...active.values()].map(({ run, report }) => ({ run, report: { steps: [...report.steps], bugs: [...report.bugs], releases: report.releases.map((r) => ({ ...r })) } }));
    },

    /** `POST …/runs/{slot}`, `tonic run t1|t2`: run a slot now, outside the schedule. */
    async runNow(actor: Actor, system: string, slot: RunSlot): Promise<RunView> {
      systems.get(system);
      assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'releases.manage', system);
      const lock = await deps.lock.current(system);
      if (lock.inProgress) throw new DomainError('deploy_in_progress', lock.message, { holder: lock.holder, purpose: lock.purpose, since: lock.since });
      const at = clock.now();
      const run = await runs.claim(db, { system, slot, scheduledFor: at, trigger: 'manual', instance: deps.instance, leaseUntil: new Date(at.getTime() + deps.leaseMs), at });
      if (!run) throw new DomainError('conflict', `a ${slot} run of ${system} was already claimed for ${at.toISOString()}; try again`);
      return execute(run);
    },

    /**
     * `GET …/plan`, `tonic run --dry-run`: what the next T1 and T2 will do, bug by bug, with the
     * reason for each bug that will be skipped or held. Reads only.
     */
    async plan(actor: Actor, system: string) {
      const config = systems.get(system);
      assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'bugs.read', system);
      const now = clock.now();
      const t1At = nextSlotAfter(now, config.timeZone, config.t1);
      const t2At = nextSlotAfter(now, config.timeZone, config.t2);
      const envs = await environments.get(db, system);
      const relation = await versions.relate(system, envs.uat.commit, envs.prod.commit);
      const choice = chooseFlow(relation, envs.uat, envs.prod);
      const freezeAt = async (at: Date) => {
        const state = await deps.freezes.at(system, at);
        return state.full || state.modules.length > 0 ? { full: state.full, modules: state.modules, detail: describeFreezes(state, config.timeZone) } : null;
      };
      const [t1Freeze, t2Freeze] = [await freezeAt(t1At), await freezeAt(t2At)];
      const flow1Bugs: BugView[] = [];
      const t1 = (await bugStore.inStatuses(db, system, ['confirmed', 'planned'])).map((r) => {
        const bug = toBugView(r, config.timeZone);
        if (t1Freeze && (t1Freeze.full || (bug.module !== null && t1Freeze.modules.includes(bug.module)))) {
          return { id: bug.id, title: bug.title, action: 'skip', reason: t1Freeze.full ? 'T1 is frozen' : `module ${bug.module} is frozen` };
        }
        const d = decideT1({ ...bug, hasFix: bug.fixRefs.length > 0 }, choice);
        if (d.take === 'flow1') flow1Bugs.push(bug);
        return d.take === null
          ? { id: bug.id, title: bug.title, action: 'skip', reason: d.reason }
          : {
              id: bug.id,
              title: bug.title,
              action: d.take === 'flow1' ? 'build and deploy to UAT (Flow 1)' : 'build on the PROD line and queue for T2 (Flow 2)',
              reason: d.reroute ? `re-route from ${d.reroute.from ?? 'no flow'} to ${d.reroute.to}: ${d.reroute.reason}` : null,
            };
      });
      const t2: { id: number; title: string; action: string; reason: string | null }[] = [];
      const t2Deploys: { env: 'uat' | 'prod'; release: ReleaseView | null; bugs: BugView[] }[] = [];
      for (const release of await releases.withBugsIn(db, system, 'flow1', ['deployed_uat', 'pending_prod'])) {
        const members = await loadViews(system, release.bugs.map((b) => b.id));
        const verdict = promotionVerdict(
          [...members.values()].map((m) => ({ id: m.id, status: m.status, inRelease: m.releaseId === release.id, runsAt: m.runsAt })),
          t2At,
        );
        if (verdict.promote && release.id === envs.uat.releaseId && !t2Freeze?.full) {
          t2Deploys.push({ env: 'prod', release, bugs: [...members.values()].filter((m) => verdict.ready.includes(m.id)) });
        }
        for (const m of members.values()) {
          if (m.releaseId !== release.id) continue;
          const waiting = verdict.waiting.find((w) => w.id === m.id);
          t2.push(
            verdict.promote && release.id === envs.uat.releaseId
              ? { id: m.id, title: m.title, action: `deploy ${release.version} to PROD (Flow 1)`, reason: null }
              : { id: m.id, title: m.title, action: 'hold', reason: waiting?.reason ?? `${release.version} is held back by ${verdict.waiting.map((w) => `#${w.id}`).join(', ') || 'UAT running another release'}` },
          );
        }
      }
      for (const r of await bugStore.inStatuses(db, system, ['pending_prod', 'pending_uat_merge'])) {
        const bug = toBugView(r, config.timeZone);
        if (bug.fixFlow !== 'flow2') continue;
        const due = isDue(bug.runsAt, t2At);
        const action = bug.status === 'pending_prod' ? 'deploy to PROD (Flow 2)' : 'cherry-pick onto UAT and deploy (Flow 2 merge)';
        t2.push({ id: bug.id, title: bug.title, action: due ? action : 'wait', reason: due ? null : `runs at ${bug.runsAtLocal}` });
        if (!due || t2Freeze?.full) continue;
        const env = bug.status === 'pending_prod' ? 'prod' : 'uat';
        const release = bug.status === 'pending_prod' && bug.releaseId ? ((await releases.get(db, system, bug.releaseId)) ?? null) : null;
        const same = t2Deploys.find((d) => d.env === env && (d.release?.id ?? null) === (release?.id ?? null));
        if (same) same.bugs.push(bug);
        else t2Deploys.push({ env, release, bugs: [bug] });
      }
      const deploys = config.services
        ? [
            ...(flow1Bugs.length > 0 && !t1Freeze?.full ? [await deployPlan(config, 't1', 'uat', null, flow1Bugs, envs)] : []),
            ...(await Promise.all(t2Deploys.map((d) => deployPlan(config, 't2', d.env, d.release, d.bugs, envs)))),
          ]
        : undefined;
      return {
        system,
        versionCheck: choice,
        t1: { at: t1At.toISOString(), atLocal: formatLocal(t1At, config.timeZone), freeze: t1Freeze, bugs: t1 },
        t2: { at: t2At.toISOString(), atLocal: formatLocal(t2At, config.timeZone), freeze: t2Freeze, bugs: t2 },
        ...(deploys ? { deploys } : {}),
      };
    },

    async list(actor: Actor, system: string, query: { slot?: RunSlot; beforeId?: number; limit: number }) {
      systems.get(system);
      assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'bugs.read', system);
      return runs.list(db, system, query);
    },

    async get(actor: Actor, system: string, id: number) {
      systems.get(system);
      assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'bugs.read', system);
      const run = await runs.get(db, system, id);
      if (!run) throw new DomainError('not_found', `run ${id} does not exist on system ${system}`);
      return run;
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;
