/**
 * The bug use cases: report, confirm (with flow selection), reject, approve (with the cutoff),
 * close. Each runs in one transaction that also writes the bug's history, an audit event and the
 * outbox message it calls for.
 */
import type { BugRow, Db, Reader, Tx } from '../../adapters/db/schema.ts';
import { writeTogether } from '../../adapters/db/write-together.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, type ErrorCode } from '../../shared/errors.ts';
import type { AuditInput, AuditStore } from '../audit/audit-store.ts';
import type { EnvironmentService } from '../environments/environment-service.ts';
import { SYSTEM_ACTOR, type Actor, type IdentityService } from '../identity/identity-service.ts';
import { assertCan, type Permission } from '../identity/roles.ts';
import type { OutboxEvent, OutboxMessage, OutboxStore } from '../outbox/outbox-store.ts';
import { formatLocal, nextSlotAfter } from '../schedule/schedule-rules.ts';
import { withTouchedServices } from '../services/service-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import {
  actionName,
  allowedActions,
  allowedActionsFor,
  FIXABLE_STATUSES,
  assertNotSelfApproval,
  assertRollback,
  assertPipelineEligible,
  assertTransition,
  decideFlow,
  isBugNote,
  ROLLBACK_ACTION,
  TRANSITIONS,
  type BugAction,
  type BugNote,
  type Caller,
  type ConfirmInput,
  type FlowDecision,
  type PersonAction,
} from './bug-rules.ts';
import { QUEUED_STATUSES } from './bug-statuses.ts';
import type { BugStatus, EnvironmentName, Severity } from './bug-statuses.ts';
import type { BugChanges, BugFilters, BugStore, HistoryEntry } from './bug-store.ts';
import { bugPageJson, decodeCursor, encodeCursor, toBugSummary, toBugView, type BugSummary, type BugView } from './bug-view.ts';

type BugDeps = {
  db: Db;
  bugs: BugStore;
  environments: EnvironmentService;
  systems: SystemRegistry;
  identity: IdentityService;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  /** Absent when no system has a repository. */
  fixes?: FixResolver;
};

export type ReportInput = {
  title: string;
  description: string;
  severity: Severity;
  foundInEnv: EnvironmentName;
  module?: string | null;
  services?: string[];
};

/** What a caller knows about the bug it acts on: the version it saw (If-Match), if any. */
export type Precondition = { expectedVersion?: number };

/** A list page's filters, the cursor from the previous page and the page size. */
export type ListQuery = Omit<BugFilters, 'beforeId' | 'limit'> & { cursor?: string; limit?: number };

export type BatchResult = { id: number; ok: true; bug: BugView } | { id: number; ok: false; error: { code: ErrorCode; message: string } };

const MAX_BATCH = 100;
/** Pipeline steps per transaction in advanceMany. */
const BATCH_CHUNK = 200;

export type PipelineDetails = { reason?: string; data?: Record<string, unknown>; changes?: BugChanges; event?: OutboxEvent };

function pipelineStep(action: BugAction | BugNote, details: PipelineDetails) {
  return { action, event: details.event, reason: details.reason ?? null, changes: () => details.changes ?? {}, data: () => details.data ?? {} };
}

/** How the bug service checks a fix someone attaches; the git adapter implements it. */
export interface FixResolver {
  /** The full commit id, or a DomainError saying why the ref cannot be a fix. */
  resolve(system: string, ref: string, kind: 'commit' | 'branch'): Promise<string>;
  /**
   * The files a fix touches: the commit's, or those of the branch's commits PROD's line lacks.
   * Multi-service systems derive the bug's services from them.
   */
  touchedFiles?(system: string, ref: string, kind: 'commit' | 'branch'): Promise<string[]>;
}

export function createBugService({ db, bugs, environments, systems, identity, audit, outbox, clock, fixes }: BugDeps) {
  function callerOn(actor: Actor, config: SystemConfig): Caller {
    return { username: actor.username, roles: identity.rolesOn(actor, config.name), allowSelfApproval: config.allowSelfApproval, pipelineSeverities: config.pipelineSeverities };
  }

  /** The view as `actor` sees it: with the actions they may take on it now. */
  function forCaller<T extends BugSummary>(actor: Actor, config: SystemConfig, view: T, caller = callerOn(actor, config)): T & { allowedActions: PersonAction[] } {
    return { ...view, allowedActions: allowedActions(view, caller) };
  }

  /** What a list query asks for: the system's settings, the filters (one bug more than the page, which says that there is a next page), the caller's actions. */
  function listRequest(actor: Actor, system: string, query: ListQuery) {
    const config = authorize(actor, system, 'bugs.read');
    let beforeId: number | undefined;
    if (query.cursor !== undefined) {
      const decoded = decodeCursor(query.cursor);
      if (decoded === null) throw new DomainError('validation_failed', 'cursor is not one this server issued: pass nextCursor from the previous page as it was', { field: 'cursor' });
      beforeId = decoded;
    }
    const limit = query.limit ?? 50;
    const filters: BugFilters = { status: query.status, severity: query.severity, fixFlow: query.fixFlow, module: query.module, search: query.search, beforeId, limit: limit + 1 };
    return { config, limit, filters, actionsOf: allowedActionsFor(callerOn(actor, config)) };
  }

  function authorize(actor: Actor, system: string, permission: Permission): SystemConfig {
    const config = systems.get(system);
    assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, permission, system);
    return config;
  }

  async function load(trx: Reader, system: string, id: number, pre: Precondition): Promise<BugRow> {
    const bug = await bugs.get(trx, system, id);
    if (!bug) throw new DomainError('not_found', `bug ${id} does not exist on system ${system}`);
    if (pre.expectedVersion !== undefined && pre.expectedVersion !== bug.version) {
      throw new DomainError(
        'precondition_failed',
        `bug ${id} is at version ${bug.version}, not ${pre.expectedVersion} as the request expected: someone changed it; reload and decide again`,
        { version: bug.version },
      );
    }
    return bug;
  }

  type Step = {
    action: BugAction | BugNote | typeof ROLLBACK_ACTION;
    /** A rollback: the environment rolled back and the status the bug had before that deployment. */
    rollback?: { to: BugStatus; env: EnvironmentName };
    /** The message the change calls for; scheduled steps are announced per run instead. */
    event?: OutboxEvent;
    reason?: string | null;
    /** Rules beyond the transition table, checked on the freshly read bug. */
    guard?: (bug: BugView) => void;
    /** Columns to change besides the status. */
    changes?: (bug: BugView, at: Date) => BugChanges;
    data?: (bug: BugView, at: Date) => Record<string, unknown>;
  };

  /** What a change writes besides the bug row; written together at the end of its transaction. */
  type Pending = { history: { bugId: number; entry: HistoryEntry }[]; audit: AuditInput[]; outbox: OutboxMessage[] };
  const nothingPending = (): Pending => ({ history: [], audit: [], outbox: [] });

  /**
   * Checks every rule on the freshly read bug and updates its row (only if nobody changed it since
   * it was read); its history, audit event and outbox message go to `pending`.
   */
  async function applyStep(trx: Tx, actor: Actor, config: SystemConfig, row: BugRow, step: Step, pending: Pending): Promise<BugView> {
    const bug = toBugView(row, config.timeZone);
    const note = isBugNote(step.action);
    const to = isBugNote(step.action)
      ? bug.status
      : step.action === ROLLBACK_ACTION
        ? assertRollback(bug, step.rollback)
        : assertTransition(bug, step.action, config.pipelineSeverities);
    step.guard?.(bug);
    const at = clock.now();
    // A queued bug always knows the T2 that will act on it (decision 5: the first T2 after now).
    const queued = !note && QUEUED_STATUSES.includes(to) ? cutoff(config, at) : null;
    const moved: BugChanges = note ? {} : { status: to, runs_at: queued?.runsAt ?? null, conflict: null };
    const changes: BugChanges = { ...step.changes?.(bug, at), ...moved };
    if (!(await bugs.update(trx, bug.id, bug.version, changes, at))) {
      throw new DomainError('stale_version', `bug ${bug.id} was changed by someone else while this request ran; reload it and try again`);
    }
    const data = { ...step.data?.(bug, at), ...queued };
    const reason = step.reason ?? null;
    const iso = at.toISOString();
    pending.history.push({ bugId: bug.id, entry: { action: step.action, from: bug.status, to, actor: actor.username, reason, data, at: iso } });
    pending.audit.push({ stream: config.name, actor: actor.username, action: `bug.${step.action}`, subject: `bug:${bug.id}`, data: { from: bug.status, to, reason, ...data }, at });
    // The row as the update left it, without reading it back.
    const view = toBugView({ ...row, ...changes, version: row.version + 1, updated_at: iso }, config.timeZone, changes.analysis === undefined ? bug.analysis : undefined);
    if (step.event) {
      pending.outbox.push({
        system: config.name,
        event: step.event,
        payload: { bug: summary(view), actor: actor.username, reason, ...data },
        idempotencyKey: `${step.event}:${bug.id}:v${view.version}`,
        at,
      });
    }
    return view;
  }

  /** The history, audit events and outbox messages together: one statement on PostgreSQL (write-together.ts). */
  async function flush(trx: Tx, pending: Pending): Promise<void> {
    const events = await audit.appendWrites(trx, pending.audit);
    await writeTogether(trx, [bugs.historyWrite(trx, pending.history), ...events.writes, outbox.enqueueWrite(trx, pending.outbox)]);
    events.appended();
  }

  /** One bug, one transaction: the change, its history, audit event and outbox message together. */
  async function transition(actor: Actor, system: string, id: number, pre: Precondition, step: Step): Promise<BugView> {
    const config = systems.get(system);
    return db.transaction().execute(async (trx) => {
      const pending = nothingPending();
      const view = await applyStep(trx, actor, config, await load(trx, system, id, pre), step, pending);
      await flush(trx, pending);
      return view;
    });
  }

  function cutoff(config: SystemConfig, at: Date) {
    const runsAt = nextSlotAfter(at, config.timeZone, config.t2);
    return { runsAt: runsAt.toISOString(), runsAtLocal: formatLocal(runsAt, config.timeZone) };
  }

  function approval(action: 'approve_prod' | 'approve_uat_merge', event: OutboxEvent) {
    return async (actor: Actor, system: string, id: number, pre: Precondition = {}): Promise<BugView> => {
      const config = authorize(actor, system, 'bugs.approve');
      const view = await transition(actor, system, id, pre, {
        action,
        event,
        guard: (bug) => assertNotSelfApproval(bug, actor.username, config.allowSelfApproval),
      });
      return forCaller(actor, config, view);
    };
  }

  function batch(single: (actor: Actor, system: string, id: number) => Promise<BugView>) {
    return async (actor: Actor, system: string, ids: readonly number[]): Promise<BatchResult[]> => {
      authorize(actor, system, 'bugs.approve');
      if (ids.length === 0 || ids.length > MAX_BATCH) {
        throw new DomainError('validation_failed', `ids must list 1 to ${MAX_BATCH} bugs; got ${ids.length}`);
      }
      const results: BatchResult[] = [];
      for (const id of new Set(ids)) {
        try {
          results.push({ id, ok: true, bug: await single(actor, system, id) });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          results.push({ id, ok: false, error: { code: error.code, message: error.message } });
        }
      }
      return results;
    };
  }

  const approveProd = approval('approve_prod', 'bug.approved_prod');
  const approveUatMerge = approval('approve_uat_merge', 'bug.approved_uat_merge');

  return {
    async report(actor: Actor, system: string, input: ReportInput): Promise<BugView> {
      const config = authorize(actor, system, 'bugs.report');
      const module = input.module ?? null;
      if (module !== null && !config.modules.includes(module)) {
        const known = config.modules.length ? `known modules: ${config.modules.join(', ')}` : 'this system declares no modules';
        throw new DomainError('validation_failed', `module "${module}" is not a module of ${system}; ${known}`, { field: 'module' });
      }
      // Named by hand; the fix's files add the rest when it is attached (multi-service systems).
      const unknownService = config.services && (input.services ?? []).find((name) => !config.services!.some((s) => s.name === name));
      if (unknownService) {
        throw new DomainError('validation_failed', `service "${unknownService}" is not a service of ${system}; its services: ${config.services!.map((s) => s.name).join(', ')}`, { field: 'services' });
      }
      return db.transaction().execute(async (trx) => {
        const at = clock.now();
        const iso = at.toISOString();
        const row = await bugs.insert(trx, {
          system,
          title: input.title.trim(),
          description: input.description,
          severity: input.severity,
          status: 'submitted',
          found_in_env: input.foundInEnv,
          module,
          services: JSON.stringify([...new Set(input.services ?? [])]),
          reporter: actor.username,
          version: 1,
          created_at: iso,
          updated_at: iso,
        });
        await bugs.appendHistory(trx, [{ bugId: row.id, entry: { action: 'report', from: null, to: 'submitted', actor: actor.username, reason: null, data: null, at: iso } }]);
        const view = toBugView(row, config.timeZone);
        await audit.append(trx, { stream: system, actor: actor.username, action: 'bug.reported', subject: `bug:${row.id}`, data: { title: view.title, severity: view.severity, foundInEnv: view.foundInEnv }, at });
        await outbox.enqueue(trx, { system, event: 'bug.reported', payload: { bug: summary(view), actor: actor.username }, idempotencyKey: `bug.reported:${row.id}`, at });
        return forCaller(actor, config, view);
      });
    },

    async get(actor: Actor, system: string, id: number) {
      const config = authorize(actor, system, 'bugs.read');
      const bug = await load(db, system, id, {});
      return { ...forCaller(actor, config, toBugView(bug, config.timeZone)), history: await bugs.history(db, bug.id) };
    },

    async list(actor: Actor, system: string, query: ListQuery) {
      const { config, limit, filters, actionsOf } = listRequest(actor, system, query);
      const rows = await bugs.list(db, system, filters);
      const last = rows[limit - 1];
      const nextCursor = rows.length > limit && last ? encodeCursor(last.id) : null;
      const items = rows.slice(0, limit).map((r) => {
        const summary = toBugSummary(r, config.timeZone);
        return { ...summary, allowedActions: actionsOf(summary) };
      });
      return { items, nextCursor };
    },

    /** The same page as `list`, as JSON (UTF-8 bytes) mostly written by the database (the API's hot path). */
    async listJson(actor: Actor, system: string, query: ListQuery): Promise<Buffer> {
      const { config, limit, filters, actionsOf } = listRequest(actor, system, query);
      const rows = await bugs.listPage(db, system, filters, actor.username);
      return bugPageJson(rows, { limit, timeZone: config.timeZone, me: actor.username, actionsOf });
    },

    async confirm(actor: Actor, system: string, id: number, input: ConfirmInput, pre: Precondition = {}): Promise<BugView> {
      const config = authorize(actor, system, 'bugs.triage');
      // Ancestry is git I/O: settle it before the transaction opens.
      const choice = await environments.flowChoice(system);
      let decision: FlowDecision = { flow: null, hold: null, override: null };
      const view = await transition(actor, system, id, pre, {
        action: 'confirm',
        event: 'bug.confirmed',
        reason: input.reason?.trim() || null,
        guard: (bug) => {
          assertPipelineEligible(bug, config.pipelineSeverities);
          decision = decideFlow(choice, input);
          if (decision.override) {
            assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, 'flow.override', system);
          }
        },
        changes: () => ({
          fix_flow: decision.flow,
          flow_reason: choice.reason,
          flow_hold: decision.hold,
          flow_override_reason: decision.override ? decision.override.reason : null,
        }),
        data: () => ({
          fixFlow: decision.flow,
          relation: choice.relation,
          flowReason: choice.reason,
          ...(choice.warning ? { warning: choice.warning } : {}),
          ...(decision.hold ? { hold: decision.hold } : {}),
          ...(decision.override ? { override: decision.override } : {}),
        }),
      });
      return forCaller(actor, config, view);
    },

    async reject(actor: Actor, system: string, id: number, input: { reason: string }, pre: Precondition = {}): Promise<BugView> {
      const config = authorize(actor, system, 'bugs.triage');
      const reason = input.reason.trim();
      if (!reason) throw new DomainError('validation_failed', 'reason must say why the bug is not valid', { field: 'reason' });
      return forCaller(actor, config, await transition(actor, system, id, pre, { action: 'reject', event: 'bug.rejected', reason }));
    },

    async close(actor: Actor, system: string, id: number, input: { reason?: string }, pre: Precondition = {}): Promise<BugView> {
      const config = authorize(actor, system, 'bugs.triage');
      return forCaller(actor, config, await transition(actor, system, id, pre, { action: 'close', event: 'bug.closed', reason: input.reason?.trim() || null }));
    },

    approveProd,
    approveUatMerge,

    /**
     * A step the scheduled pipeline takes (T1 Phase 1, T2 Phase 2/2a/2b): the same table, the same
     * history and audit, with the pipeline as the actor. People's steps are refused here.
     */
    async advance(system: string, id: number, action: BugAction, details: PipelineDetails = {}): Promise<BugView> {
      systems.get(system);
      if (TRANSITIONS[action].by !== 'system') {
        throw new DomainError('invalid_transition', `${actionName(action)} is a person's decision, not a pipeline step`);
      }
      return transition(SYSTEM_ACTOR, system, id, {}, pipelineStep(action, details));
    },

    /**
     * Many pipeline steps in few transactions (a night can move a thousand bugs): each bug is
     * checked and changed exactly as `advance` would; the history, audit events and messages of a
     * chunk are written together. A bug the step no longer applies to (changed meanwhile) is
     * returned as refused, and the others go on.
     */
    async advanceMany(
      system: string,
      items: readonly { id: number; action: BugAction; details?: PipelineDetails }[],
    ): Promise<{ moved: BugView[]; refused: { id: number; error: DomainError }[] }> {
      const config = systems.get(system);
      const moved: BugView[] = [];
      const refused: { id: number; error: DomainError }[] = [];
      for (const item of items) {
        if (TRANSITIONS[item.action].by !== 'system') {
          throw new DomainError('invalid_transition', `${actionName(item.action)} is a person's decision, not a pipeline step`);
        }
      }
      for (let i = 0; i < items.length; i += BATCH_CHUNK) {
        const chunk = items.slice(i, i + BATCH_CHUNK);
        await db.transaction().execute(async (trx) => {
          const rows = new Map((await bugs.getMany(trx, system, chunk.map((c) => c.id))).map((r) => [r.id, r]));
          const pending = nothingPending();
          for (const item of chunk) {
            const row = rows.get(item.id);
            try {
              if (!row) throw new DomainError('not_found', `bug ${item.id} does not exist on system ${system}`);
              moved.push(await applyStep(trx, SYSTEM_ACTOR, config, row, pipelineStep(item.action, item.details ?? {}), pending));
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              refused.push({ id: item.id, error });
            }
          }
          await flush(trx, pending);
        });
      }
      return { moved, refused };
    },

    /**
     * A rollback returns the bugs its deployment moved, each to the status it had before
     * (`statusBeforeDeployment`), in one transaction with their history and audit events. A bug
     * that moved on since (closed, say) is returned as refused, with why, and left as it is.
     */
    async revertForRollback(
      actor: Actor,
      system: string,
      env: EnvironmentName,
      items: readonly { id: number; to: BugStatus; reason: string; data: Record<string, unknown> }[],
    ): Promise<{ moved: BugView[]; refused: { id: number; error: DomainError }[] }> {
      const config = systems.get(system);
      const moved: BugView[] = [];
      const refused: { id: number; error: DomainError }[] = [];
      if (items.length === 0) return { moved, refused };
      await db.transaction().execute(async (trx) => {
        const rows = new Map((await bugs.getMany(trx, system, items.map((c) => c.id))).map((r) => [r.id, r]));
        const pending = nothingPending();
        for (const item of items) {
          const row = rows.get(item.id);
          try {
            if (!row) throw new DomainError('not_found', `bug ${item.id} does not exist on system ${system}`);
            // Back before the release: the bug is no longer in it, and the next T1 builds it again.
            const leavesRelease = item.to === 'confirmed' || item.to === 'planned' || item.to === 'submitted';
            moved.push(
              await applyStep(trx, actor, config, row, {
                action: ROLLBACK_ACTION,
                rollback: { to: item.to, env },
                reason: item.reason,
                changes: () => (leavesRelease ? { release_id: null } : {}),
                data: () => item.data,
              }, pending),
            );
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            refused.push({ id: item.id, error });
          }
        }
        await flush(trx, pending);
      });
      return { moved, refused };
    },

    /** A bug's history, for the pipeline's own decisions (what a rollback returns it to). */
    async historyOf(system: string, id: number): Promise<HistoryEntry[]> {
      const row = await bugs.get(db, system, id);
      return row ? bugs.history(db, row.id) : [];
    },

    /**
     * Records what the pipeline (or a person's request it carried out, such as an analysis on
     * demand) found about a bug without moving it: re-route, conflict, missing fix, analysis.
     */
    async note(system: string, id: number, note: BugNote, details: PipelineDetails = {}, actor: Actor = SYSTEM_ACTOR): Promise<BugView> {
      systems.get(system);
      return transition(actor, system, id, {}, pipelineStep(note, details));
    },

    /**
     * A person's step (or note) taken inside another use case's transaction: the emergency hotfix
     * moves its bug together with its incident (DESIGN.md decision 7). The same table, guards,
     * history, audit and message as every other step; nothing is written if the caller rolls back.
     */
    async stepInTransaction(trx: Tx, actor: Actor, system: string, id: number, action: BugAction | BugNote, details: PipelineDetails = {}): Promise<BugView> {
      const config = systems.get(system);
      const pending = nothingPending();
      const view = await applyStep(trx, actor, config, await load(trx, system, id, {}), pipelineStep(action, details), pending);
      await flush(trx, pending);
      return view;
    },

    /** Attaches a fix by commit id or branch (DESIGN.md decision 2); the pipeline cherry-picks it. */
    async attachFix(actor: Actor, system: string, id: number, input: { commit?: string; branch?: string }, pre: Precondition = {}): Promise<BugView> {
      const config = authorize(actor, system, 'bugs.report');
      const given = [input.commit, input.branch].filter((v) => v !== undefined);
      if (given.length !== 1) throw new DomainError('validation_failed', 'give exactly one of commit (a commit id) or branch (a branch name)', { field: 'commit' });
      const kind = input.commit !== undefined ? 'commit' : 'branch';
      const ref = (input.commit ?? input.branch)!.trim();
      if (!fixes) throw new DomainError('validation_failed', `${system} has no repository configured: fixes are attached as git commits`);
      const commit = await fixes.resolve(system, ref, kind);
      // Multi-service systems: the services the fix's files belong to join the bug's services.
      const files = config.services && fixes.touchedFiles ? await fixes.touchedFiles(system, ref, kind) : null;
      const servicesOf = (bug: BugView) => (files && config.services ? withTouchedServices(bug.services, files, config.services) : bug.services);
      const view = await transition(actor, system, id, pre, {
        action: 'attach_fix',
        event: 'bug.fix_attached',
        guard: (bug) => {
          if (!FIXABLE_STATUSES.includes(bug.status)) {
            throw new DomainError('invalid_transition', `bug ${bug.id} is ${bug.status}; a fix can be attached while it is ${FIXABLE_STATUSES.join(', ')}`);
          }
          if (bug.fixRefs.some((f) => f.commit === commit && f.ref === ref)) {
            throw new DomainError('conflict', `bug ${bug.id} already has ${kind} ${ref} attached`);
          }
        },
        changes: (bug, at) => ({
          fix_refs: JSON.stringify([...bug.fixRefs, { kind, ref, commit, attachedBy: actor.username, at: at.toISOString() }]),
          fix_attached_by: actor.username,
          ...(files ? { services: JSON.stringify(servicesOf(bug)) } : {}),
        }),
        data: (bug) => ({ kind, ref, commit, ...(files ? { services: servicesOf(bug) } : {}) }),
      });
      return forCaller(actor, config, view);
    },

    /**
     * DESIGN.md decision 3: an admin takes an unapproved bug out of the UAT release so the rest can
     * go on; the bug returns to confirmed and the next T1 rebuilds the release without it.
     */
    async dropFromRelease(actor: Actor, system: string, id: number, input: { reason?: string }, pre: Precondition = {}): Promise<BugView> {
      const config = authorize(actor, system, 'releases.manage');
      const view = await transition(actor, system, id, pre, {
        action: 'drop_from_release',
        event: 'bug.dropped_from_release',
        reason: input.reason?.trim() || null,
        changes: () => ({ release_id: null }),
        data: (bug) => ({ releaseId: bug.releaseId }),
      });
      return forCaller(actor, config, view);
    },
    approveProdBatch: batch(approveProd),
    approveUatMergeBatch: batch(approveUatMerge),
  };
}

export type BugService = ReturnType<typeof createBugService>;

function summary(bug: BugView) {
  return { id: bug.id, title: bug.title, severity: bug.severity, status: bug.status, fixFlow: bug.fixFlow, module: bug.module, services: bug.services };
}
