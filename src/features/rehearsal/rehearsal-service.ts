/**
 * Rehearsal (SEED.md, "Test the full cycle in UAT first — simulate a bug through both flows before
 * going live"): a synthetic bug goes through Flow 1 and Flow 2, a rollback and a freeze check, with
 * the system's real configuration and the real pipeline code (the composition root builds a
 * scratch Tonic), but against a scratch clone of its repository and a scratch database in memory,
 * and with deploy drivers that record what the real deploys would run instead of running it.
 *
 * It changes nothing on the real environments, repository, database or bugs: it only reads them
 * (what UAT and PROD run, the freezes in force) and compares the repository and the environment
 * records before and after, saying so in its report. It also renders the rollback runbook.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, runGit } from '../../adapters/git/git-cli.ts';
import { TONIC_GIT_IDENTITY } from '../../adapters/git/release-builder.ts';
import type { DatabaseHandle } from '../../adapters/db/database.ts';
import type { DeployDrivers } from '../../adapters/deploy/deploy-drivers.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { DEFAULT_ROLLBACK, type SystemConfig, type TonicConfig } from '../../config/load-config.ts';
import { createFakeClock, type Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import type { BugService } from '../bugs/bug-service.ts';
import type { DeploymentStore } from '../deployments/deployment-store.ts';
import type { EnvironmentService } from '../environments/environment-service.ts';
import type { EnvironmentStore } from '../environments/environment-store.ts';
import type { FreezeService } from '../freezes/freeze-service.ts';
import { describeFreezes, NO_FREEZE_CONFIG, type FreezeState } from '../freezes/freeze-rules.ts';
import { ADMIN_USERNAME, type Actor, type IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import { channelsFor } from '../notifications/notification-rules.ts';
import type { Monitor } from '../rollbacks/post-deploy.ts';
import { migrationFiles } from '../rollbacks/rollback-rules.ts';
import type { RollbackService } from '../rollbacks/rollback-service.ts';
import type { RunService } from '../runs/run-service.ts';
import type { RunView } from '../runs/run-store.ts';
import { formatLocal, nextSlotAfter } from '../schedule/schedule-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import { createRecordingDrivers } from './recording-drivers.ts';
import { judgeStep, rehearsalPassed, type RecordedAction, type RehearsalStep, type StepResult } from './rehearsal-rules.ts';
import { rollbackRunbook, runbookServicesOf, type RunbookEnvState } from './runbook-rules.ts';

/** What the rehearsal uses of a Tonic it composes on the scratch database. */
export type ScratchTonic = {
  db: Db;
  environments: EnvironmentService;
  bugs: BugService;
  identity: IdentityService;
  runs: RunService;
  rollbacks: RollbackService;
  freezes: FreezeService;
  close(): Promise<void>;
};

export type ScratchOptions = {
  database: DatabaseHandle;
  config: TonicConfig;
  clock: Clock;
  home: string;
  instance: string;
  drivers: DeployDrivers;
  monitor: Monitor;
  logger: ReturnType<typeof createLogger>;
};

type RehearsalDeps = {
  db: Db;
  systems: SystemRegistry;
  environments: EnvironmentStore;
  deployments: DeploymentStore;
  /** What is frozen at an instant (the real freeze service): read to report tonight's freezes. */
  freezes: { at(system: string, at: Date): Promise<FreezeState> };
  identity: IdentityService;
  clock: Clock;
  /** TONIC_HOME: where a remote repository's clone is kept. */
  home: string;
  /** Where the real deploy commands run (the system's repository). */
  workdirOf(system: string): string;
  /** The composition root, for the scratch Tonic. */
  compose(options: ScratchOptions): ScratchTonic;
  /** The scratch database: an empty SQLite database in memory, migrated. */
  openScratchDatabase(): Promise<DatabaseHandle>;
};

export type RehearsalReport = {
  system: string;
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  /** The promise the rehearsal keeps, and whether the check after it confirmed it. */
  unchanged: { checked: boolean; detail: string };
  steps: RehearsalStep[];
  /** The rollback runbook, as Markdown. */
  runbook: string;
};

type Outcome = { result: StepResult; detail: string; fix?: string | null };

const STEP_MS = 60_000;
const FIX_FILE = '.tonic-rehearsal';

export function createRehearsalService(deps: RehearsalDeps) {
  const { systems, clock } = deps;

  /** The runbook's view of what each environment runs now and ran before (from the real database). */
  async function runbookState(system: string): Promise<Partial<Record<'uat' | 'prod', RunbookEnvState>>> {
    const envs = await deps.environments.get(deps.db, system);
    const out: Partial<Record<'uat' | 'prod', RunbookEnvState>> = {};
    for (const env of ['uat', 'prod'] as const) {
      const last = await deps.deployments.lastSucceeded(deps.db, system, env);
      const current = envs[env];
      const previous = last && last.releaseId === current.releaseId && last.previousVersion ? { version: last.previousVersion, commit: last.previousCommit } : null;
      out[env] = { version: current.version, commit: current.commit, previous };
    }
    return out;
  }

  async function runbook(system: string): Promise<string> {
    const config = systems.get(system);
    return rollbackRunbook({
      system,
      title: config.title,
      timeZone: config.timeZone,
      repository: config.repositoryPath ?? config.repositoryUrl,
      lines: { uat: config.environments.uat.line, prod: config.environments.prod.line },
      services: runbookServicesOf(config),
      workdir: deps.workdirOf(system),
      downMigration: (config.rollback ?? DEFAULT_ROLLBACK).downMigration,
      dbaContact: (config.rollback ?? DEFAULT_ROLLBACK).dbaContact,
      smoke: config.smoke ?? null,
      notified: channelsFor('rollback.executed', config.channels).map((c) => ({ name: c.name, kind: c.kind })),
      state: await runbookState(system),
      renderedAt: formatLocal(clock.now(), config.timeZone),
    });
  }

  /** The repository's refs and the environment records: what the rehearsal promises not to change. */
  async function realState(config: SystemConfig): Promise<string> {
    const repo = config.repositoryPath ?? (config.repositoryUrl ? join(deps.home, 'repos', `${config.name}.git`) : null);
    const refs = repo ? await runGit(repo, ['for-each-ref', '--format=%(refname) %(objectname)']).catch((e: Error) => ({ stdout: e.message })) : { stdout: '' };
    const head = repo ? await runGit(repo, ['rev-parse', 'HEAD']).catch(() => ({ stdout: '' })) : { stdout: '' };
    const status = repo ? await runGit(repo, ['status', '--porcelain']).catch(() => ({ stdout: '' })) : { stdout: '' };
    const envs = await deps.environments.get(deps.db, config.name);
    return JSON.stringify({ refs: refs.stdout, head: head.stdout, status: status.stdout, envs });
  }

  async function rehearse(actor: Actor, system: string): Promise<RehearsalReport> {
    const real = systems.get(system);
    assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'releases.manage', system);
    const startedAt = clock.now();
    const before = await realState(real);
    const steps: RehearsalStep[] = [];
    const recorded: RecordedAction[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'tonic-rehearsal-'));
    let scratch: ScratchTonic | null = null;

    /**
     * Runs one step, collecting what it would have run; a thrown error is the step's failure.
     * True when the pipeline did its part, so that the next steps run even when what the step
     * would have run has problems: one rehearsal names them all.
     */
    const step = async (name: string, run: () => Promise<Outcome>): Promise<boolean> => {
      const mark = recorded.length;
      let outcome: Outcome;
      try {
        outcome = await run();
      } catch (error) {
        outcome = { result: 'fail', detail: (error as Error).message, fix: error instanceof DomainError ? null : 'see the detail' };
      }
      steps.push(judgeStep(name, outcome, recorded.slice(mark)));
      return outcome.result === 'pass' || outcome.result === 'warn';
    };
    const skip = (name: string, why: string) => steps.push(judgeStep(name, { result: 'skipped', detail: `not run: ${why}` }, []));

    try {
      // ---- The scratch clone ---------------------------------------------------------------
      const clone = join(dir, 'repository.git');
      const found: { base?: { commit: string; version: string | null } } = {};
      const cloned = await step('scratch clone of the repository', async () => {
        const cached = real.repositoryUrl ? join(deps.home, 'repos', `${real.name}.git`) : null;
        const source = real.repositoryPath ?? ((cached && (await runGit(cached, ['rev-parse', '--git-dir']).catch(() => ({ code: 1 }))).code === 0 ? cached : real.repositoryUrl));
        if (!source) return { result: 'fail', detail: `${system} has no repository configured`, fix: 'set systems[].repository.path or .url' };
        await git(dir, ['clone', '--quiet', '--bare', '--', source, clone], { timeoutMs: 600_000 });
        const missing: string[] = [];
        for (const env of ['uat', 'prod'] as const) {
          const line = real.environments[env].line;
          if ((await runGit(clone, ['rev-parse', '--verify', '--quiet', `refs/heads/${line}`])).code !== 0) missing.push(`branch ${line} (the ${env} line) does not exist: create it, or fix systems[].environments.${env}.line`);
        }
        if (missing.length > 0) return { result: 'fail', detail: `cloned ${source}, but ${missing.join('; ')}`, fix: missing.join('; ') };
        // Where PROD is: as recorded, else the tip of its line.
        const envs = await deps.environments.get(deps.db, system);
        const recordedProd = envs.prod.commit && (await runGit(clone, ['rev-parse', '--verify', '--quiet', `${envs.prod.commit}^{commit}`])).code === 0 ? envs.prod : null;
        if (recordedProd) {
          found.base = { commit: recordedProd.commit!, version: recordedProd.version };
          return { result: 'pass', detail: `cloned ${source} into a scratch folder; PROD runs ${recordedProd.version ?? recordedProd.commit!.slice(0, 10)} as recorded` };
        }
        const tip = await git(clone, ['rev-parse', `refs/heads/${real.environments.prod.line}^{commit}`]);
        const tag = await runGit(clone, ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*.[0-9]*.[0-9]*', tip]);
        const base = { commit: tip, version: tag.code === 0 ? tag.stdout.trim() : null };
        found.base = base;
        return {
          result: 'warn',
          detail: `cloned ${source}; ${envs.prod.commit ? `the commit recorded for PROD (${envs.prod.commit.slice(0, 10)}) is not in the repository` : 'what PROD runs is not recorded'}, so the rehearsal starts from the tip of ${real.environments.prod.line} (${base.version ?? tip.slice(0, 10)})`,
          fix: `record what PROD runs: tonic env record --system ${system} --env prod --commit SHA --version TAG`,
        };
      });
      if (!cloned || !found.base) {
        for (const name of ['Flow 1: T1 deploys to UAT', 'Flow 1: T2 deploys to PROD', 'rollback of PROD', 'freeze check', 'Flow 2: T1 queues for PROD', 'Flow 2: T2 deploys to PROD', 'Flow 2: T2 merges back to UAT', 'notifications']) {
          skip(name, 'the scratch clone failed');
        }
        return await finish();
      }
      const prod = found.base;

      // ---- The scratch Tonic -----------------------------------------------------------------
      const scratchConfig: SystemConfig = {
        ...real,
        repositoryPath: clone,
        repositoryUrl: null,
        fixBranch: null,
        push: false,
        environments: {
          uat: { ...real.environments.uat, health: null },
          prod: { ...real.environments.prod, health: null },
        },
        // Services deploy through the recording drivers too; their health checks, smoke steps and
        // down migrations are described by those drivers, never run against the real environments.
        services: real.services?.map((service) => ({
          ...service,
          downMigration: null,
          smoke: null,
          environments: { uat: { ...service.environments.uat, health: null }, prod: { ...service.environments.prod, health: null } },
        })),
        // Freezes are rehearsed by the freeze check below; the flows run as on an unfrozen night.
        freeze: NO_FREEZE_CONFIG,
        smoke: null,
        monitoring: undefined,
        checklist: null,
        channels: [],
        analyzer: { provider: 'builtin' },
        rollback: { ...(real.rollback ?? DEFAULT_ROLLBACK), downMigration: null },
      };
      const fake = createFakeClock(clock.now());
      const database = await deps.openScratchDatabase();
      scratch = deps.compose({
        database,
        config: { file: '(rehearsal)', systems: [scratchConfig] },
        clock: fake,
        home: dir,
        instance: `rehearsal:${process.pid}`,
        drivers: createRecordingDrivers({ real, workdir: deps.workdirOf(system), recorder: { record: (a) => recorded.push(a) } }),
        monitor: { enabledFor: () => false, baseline: async () => null, watch: async () => ({ outcome: 'clean', breaches: [], samples: 0 }) },
        logger: createLogger({ level: 'silent' }),
      });
      const t = scratch;
      await t.identity.bootstrap(null);
      const admin: Actor = { username: ADMIN_USERNAME, role: 'admin' };
      await t.identity.createUser(admin, { username: 'rehearsal-developer', role: 'developer' });
      const developer: Actor = { username: 'rehearsal-developer', role: 'developer' };
      const severity = real.pipelineSeverities[0];
      const module = real.modules[0] ?? null;
      const later = () => fake.advance(STEP_MS);
      const commit = (parent: string, name: string, message: string) => commitFile(clone, dir, parent, `${FIX_FILE}/${name}.txt`, `${message}\n`, message);
      const runOf = async (slot: 't1' | 't2') => {
        later();
        return t.runs.runNow(admin, system, slot);
      };
      const statusOf = async (id: number) => (await t.bugs.get(admin, system, id)).status;
      const runFailure = (run: RunView) => `run ${run.id} ended ${run.status}${run.error ? `: ${run.error}` : ''}; its last steps: ${run.report.steps.slice(-3).map((s) => s.message).join(' / ')}`;

      if (!severity) {
        for (const name of ['Flow 1: T1 deploys to UAT', 'Flow 1: T2 deploys to PROD', 'rollback of PROD', 'freeze check', 'Flow 2: T1 queues for PROD', 'Flow 2: T2 deploys to PROD', 'Flow 2: T2 merges back to UAT']) {
          skip(name, 'no severity enters the pipeline (severityPolicy.pipeline is empty)');
        }
        return await finish();
      }

      // ---- Flow 1 ------------------------------------------------------------------------------
      let flow1Bug = 0;
      const flow1 = await step('Flow 1: T1 deploys to UAT', async () => {
        for (const env of ['prod', 'uat'] as const) await t.environments.record(admin, system, env, { commit: prod.commit, version: prod.version });
        const fix = await commit(prod.commit, 'flow1', 'Rehearsal: synthetic fix (Flow 1)');
        const bug = await t.bugs.report(admin, system, { title: 'Rehearsal: synthetic bug (Flow 1)', description: 'Made by tonic rehearse in a scratch database.', severity, foundInEnv: 'uat', module });
        flow1Bug = bug.id;
        const confirmed = await t.bugs.confirm(admin, system, bug.id, { flow: 'auto' });
        if (confirmed.fixFlow !== 'flow1') return { result: 'fail', detail: `with UAT and PROD on the same commit the version check chose ${confirmed.fixFlow ?? 'no flow'}`, fix: 'report this: the version check should choose Flow 1' };
        await t.bugs.attachFix(developer, system, bug.id, { commit: fix });
        const run = await runOf('t1');
        const status = await statusOf(bug.id);
        if (run.status !== 'succeeded' || status !== 'deployed_uat') return { result: 'fail', detail: `the bug is ${status}, expected deployed_uat; ${runFailure(run)}` };
        const built = run.report.releases.find((r) => r.env === 'uat');
        return { result: 'pass', detail: `confirmed as Flow 1 (same commit on both), fix attached by a developer, T1 built ${built?.version} on ${prod.version ?? prod.commit.slice(0, 10)} and deployed it to UAT: deployed_uat` };
      });

      const flow1Prod = flow1
        ? await step('Flow 1: T2 deploys to PROD', async () => {
            await t.bugs.approveProd(admin, system, flow1Bug);
            const run = await runOf('t2');
            const status = await statusOf(flow1Bug);
            if (run.status !== 'succeeded' || status !== 'deployed_prod') return { result: 'fail', detail: `the bug is ${status}, expected deployed_prod; ${runFailure(run)}` };
            return { result: 'pass', detail: `approved by another person (pending_prod), T2 promoted ${run.report.releases.find((r) => r.env === 'prod')?.version} to PROD as UAT ran it: deployed_prod` };
          })
        : (skip('Flow 1: T2 deploys to PROD', 'Flow 1 did not reach UAT'), false);

      // ---- Rollback ------------------------------------------------------------------------------
      if (flow1Prod) {
        await step('rollback of PROD', async () => {
          later();
          const deployed = (await t.environments.describe(admin, system)).environments.find((e) => e.env === 'prod')!;
          const r = await t.rollbacks.request(admin, system, { env: 'prod', impact: 'regression', reason: 'rehearsal: the synthetic fix is rolled back' });
          const down = (real.rollback ?? DEFAULT_ROLLBACK).downMigration;
          if (down) {
            const changed = await git(clone, ['diff', '--name-only', prod.commit, deployed.commit!]);
            const files = migrationFiles(changed.split('\n').filter(Boolean), down.migrationPaths);
            recorded.push({
              env: 'prod',
              kind: 'migration',
              text: `down migration: would run $ ${down.command.join(' ')} (in ${down.workdir ?? deps.workdirOf(system)}) when the rolled-back release changed files matching ${down.migrationPaths.join(', ')}; ${files.length > 0 ? `this one changed ${files.join(', ')}` : `the rehearsal's release changed none (only ${FIX_FILE}/flow1.txt)`}`,
              problems: [],
            });
          }
          const envs = await t.environments.describe(admin, system);
          const prodNow = envs.environments.find((e) => e.env === 'prod')!;
          const bug = await statusOf(flow1Bug);
          if (r.status !== 'stable' || prodNow.commit !== prod.commit || bug === 'deployed_prod') {
            return { result: 'fail', detail: `rollback ${r.id} is ${r.status}${r.detail ? ` (${r.detail})` : ''}; PROD runs ${prodNow.version ?? prodNow.commit?.slice(0, 10)}, the bug is ${bug}` };
          }
          return { result: 'pass', detail: `rolled PROD back from ${deployed.version} to ${r.target.version} through the deploy driver; the bug went back to ${bug}; the HISTORY entry and its checklist were written` };
        });
      } else skip('rollback of PROD', 'Flow 1 did not reach PROD');

      // ---- Flow 2, with the freeze check on its first T1 -------------------------------------------
      let flow2Bug = 0;
      const aheadVersion = prod.version ? bumpMinor(prod.version) : null;
      const flow2Ready = await step('freeze check', async () => {
        const uatAhead = await commit(prod.commit, 'uat-ahead', 'Rehearsal: UAT ahead of PROD');
        await t.environments.record(admin, system, 'prod', { commit: prod.commit, version: prod.version });
        await t.environments.record(admin, system, 'uat', { commit: uatAhead, version: aheadVersion });
        const fix = await commit(prod.commit, 'flow2', 'Rehearsal: synthetic fix (Flow 2)');
        const bug = await t.bugs.report(admin, system, { title: 'Rehearsal: synthetic bug (Flow 2)', description: 'Made by tonic rehearse in a scratch database.', severity, foundInEnv: 'prod', module });
        flow2Bug = bug.id;
        const confirmed = await t.bugs.confirm(admin, system, bug.id, { flow: 'auto' });
        if (confirmed.fixFlow !== 'flow2') return { result: 'fail', detail: `with UAT ahead of PROD the version check chose ${confirmed.fixFlow ?? 'no flow'}`, fix: 'report this: the version check should choose Flow 2' };
        await t.bugs.attachFix(developer, system, bug.id, { commit: fix });
        // A declared freeze must stop the T1 and leave the bug where it is.
        const now = fake.now();
        const freeze = await t.freezes.declare(admin, system, { start: now.toISOString(), end: new Date(now.getTime() + 3 * STEP_MS).toISOString(), reason: 'rehearsal freeze' });
        const frozen = await runOf('t1');
        await t.freezes.lift(admin, system, freeze.id, { reason: 'rehearsal' });
        const status = await statusOf(bug.id);
        if (frozen.status !== 'skipped' || frozen.report.skipped?.reason !== 'freeze' || status !== 'confirmed') {
          return { result: 'fail', detail: `in a declared freeze T1 ended ${frozen.status} and the bug is ${status}; expected skipped, confirmed` };
        }
        // Tonight, for real: what the system's freezes say about its next T1 and T2.
        const t1At = nextSlotAfter(clock.now(), real.timeZone, real.t1);
        const t2At = nextSlotAfter(clock.now(), real.timeZone, real.t2);
        const tonight = [];
        for (const [slot, at] of [['T1', t1At], ['T2', t2At]] as const) {
          const state = await deps.freezes.at(system, at);
          if (state.full || state.modules.length > 0) tonight.push(`the next ${slot} (${formatLocal(at, real.timeZone)}) is frozen: ${describeFreezes(state, real.timeZone)}`);
        }
        const detail = `a declared freeze skipped T1 and left the Flow 2 bug confirmed; ${tonight.length > 0 ? tonight.join('; ') : `nothing freezes the next T1 (${formatLocal(t1At, real.timeZone)}) or T2 (${formatLocal(t2At, real.timeZone)})`}`;
        return tonight.length > 0 ? { result: 'warn', detail, fix: 'the flows below run as on an unfrozen night; a real run tonight would be skipped or leave frozen modules out' } : { result: 'pass', detail };
      });

      const flow2Queued = flow2Ready
        ? await step('Flow 2: T1 queues for PROD', async () => {
            const run = await runOf('t1');
            const status = await statusOf(flow2Bug);
            if (run.status !== 'succeeded' || status !== 'pending_prod') return { result: 'fail', detail: `the bug is ${status}, expected pending_prod; ${runFailure(run)}` };
            const built = run.report.releases.find((r) => r.env === 'prod');
            return { result: 'pass', detail: `confirmed as Flow 2 (UAT ahead), T1 built ${built?.version} on the PROD line and queued it for T2, deploying nothing: pending_prod` };
          })
        : (skip('Flow 2: T1 queues for PROD', 'the freeze check did not pass'), false);

      const flow2Prod = flow2Queued
        ? await step('Flow 2: T2 deploys to PROD', async () => {
            const run = await runOf('t2');
            const status = await statusOf(flow2Bug);
            if (status !== 'deployed_prod') return { result: 'fail', detail: `the bug is ${status}, expected deployed_prod; ${runFailure(run)}` };
            return { result: 'pass', detail: `T2 deployed ${run.report.releases.find((r) => r.env === 'prod' && r.deployed)?.version} to PROD: deployed_prod` };
          })
        : (skip('Flow 2: T2 deploys to PROD', 'Flow 2 was not queued'), false);

      if (flow2Prod) {
        await step('Flow 2: T2 merges back to UAT', async () => {
          await t.bugs.approveUatMerge(admin, system, flow2Bug);
          const run = await runOf('t2');
          const status = await statusOf(flow2Bug);
          if (status !== 'uat_merged') return { result: 'fail', detail: `the bug is ${status}, expected uat_merged; ${runFailure(run)}` };
          return { result: 'pass', detail: `approved (pending_uat_merge), T2 cherry-picked the fix onto UAT's ${aheadVersion ?? 'commit'}, built ${run.report.releases.find((r) => r.env === 'uat')?.version} and deployed it to UAT: uat_merged` };
        });
      } else skip('Flow 2: T2 merges back to UAT', 'Flow 2 did not reach PROD');

      // ---- Notifications -------------------------------------------------------------------------
      await step('notifications', async () => {
        const events = await t.db.selectFrom('outbox').select(['event']).where('system', '=', system).orderBy('id').execute();
        const counts = new Map<string, number>();
        for (const e of events) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
        const lines = [...counts].map(([event, n]) => `${event} ×${n} → ${channelsFor(event, real.channels).map((c) => c.name).join(', ') || 'no channel'}`);
        if (real.channels.length === 0) {
          return { result: 'warn', detail: `${events.length} messages would be written to the outbox and sent nowhere: ${lines.join('; ')}`, fix: 'configure systems[].channels so that people hear of T1, T2, approvals and rollbacks' };
        }
        return { result: 'pass', detail: `${events.length} messages, none sent (channels are not contacted in a rehearsal; tonic config check --send-test does that): ${lines.join('; ')}` };
      });
      return await finish();
    } finally {
      await scratch?.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }

    async function finish(): Promise<RehearsalReport> {
      const after = await realState(real);
      const same = before === after;
      const unchanged = {
        checked: same,
        detail: same
          ? `nothing changed on the real system: its repository (refs and working tree), the environment records and the database were only read; the scratch clone and database are deleted`
          : 'the real repository or environment records changed while the rehearsal ran (someone else deployed or pushed meanwhile?): compare them by hand',
      };
      const config = systems.get(system);
      return {
        system,
        ok: rehearsalPassed(steps) && same,
        startedAt: startedAt.toISOString(),
        finishedAt: clock.now().toISOString(),
        unchanged,
        steps,
        runbook: await runbook(config.name),
      };
    }
  }

  return {
    /** `POST …/rehearsals`, `tonic rehearse` (admin). */
    rehearse,

    /** `GET …/rollback-runbook.md`: the rollback runbook of a system, as Markdown. */
    async runbook(actor: Actor, system: string): Promise<string> {
      systems.get(system);
      assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, 'bugs.read', system);
      return runbook(system);
    },
  };
}

export type RehearsalService = ReturnType<typeof createRehearsalService>;

/** vX.Y.Z → vX.(Y+1).0: the version a UAT "ahead of PROD" is given when the rehearsal makes one. */
function bumpMinor(version: string): string {
  const m = /^(v?)(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m ? `${m[1]}${m[2]}.${Number(m[3]) + 1}.0` : `${version}-ahead`;
}

/** A commit on `parent` adding one file, made in the bare clone without a working tree. */
async function commitFile(repo: string, dir: string, parent: string, path: string, content: string, message: string): Promise<string> {
  const file = join(dir, 'blob.txt');
  writeFileSync(file, content);
  const blob = await git(repo, ['hash-object', '-w', '--', file]);
  const env = { GIT_INDEX_FILE: join(dir, 'index') };
  await git(repo, ['read-tree', parent], { env });
  await git(repo, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env });
  const tree = await git(repo, ['write-tree'], { env });
  return git(repo, [...TONIC_GIT_IDENTITY, 'commit-tree', tree, '-p', parent, '-m', message]);
}
