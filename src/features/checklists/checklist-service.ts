/**
 * The pre-deploy checklist's use cases (DESIGN.md decision 8): run a system's probes before a
 * deploy (for a run, on demand, or early before T1 to ask the on-call person to acknowledge),
 * store the report with its verdict, announce failures, and record acknowledgements.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import { formatLocal, nextSlotAfter } from '../schedule/schedule-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { ChecklistConfig } from './checklist-config.ts';
import {
  PROBES,
  ackWindow,
  channelsOf,
  checklistVerdict,
  describeItems,
  nightT1,
  onCallAt,
  outcome,
  probeCrashed,
  probeTimedOut,
  type AckState,
  type ChecklistItem,
  type ProbeName,
} from './checklist-rules.ts';
import type { AckView, ChecklistStore, ChecklistTrigger, ChecklistView } from './checklist-store.ts';
import type { Probe, ProbeContext } from './probes/probe.ts';

type Env = 'uat' | 'prod';
type Slot = 't1' | 't2';

type ChecklistDeps = {
  db: Db;
  store: ChecklistStore;
  systems: SystemRegistry;
  identity: IdentityService;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  /** The probes a system's checklist configures (built once per system). */
  probesOf(system: SystemConfig): Map<ProbeName, Probe>;
};

/** What a run learns from its checklist: whether it may deploy, and the stored report. */
export type ChecklistGate = { blocked: boolean; detail: string; checklist: ChecklistView };

const PIPELINE = 'tonic';

/** The environment a slot deploys to: T1 puts Flow 1 releases on UAT; T2 deploys to PROD. */
export function envOfSlot(slot: Slot): Env {
  return slot === 't1' ? 'uat' : 'prod';
}

export function createChecklistService(deps: ChecklistDeps) {
  const { db, store, systems, audit, outbox, clock } = deps;

  function checklistOf(config: SystemConfig): ChecklistConfig {
    if (!config.checklist) {
      throw new DomainError('not_found', `${config.name} has no pre-deploy checklist configured: add a checklist section to its configuration (tonic init shows an example)`);
    }
    return config.checklist;
  }

  const toAckState = (a: AckView | undefined): AckState =>
    a ? { requestedAt: a.requestedAt, deadline: a.deadline, person: a.person, acknowledgedAt: a.acknowledgedAt, acknowledgedBy: a.acknowledgedBy } : null;

  /**
   * The night's acknowledgement: read it, or ask for it when its window is open and nobody asked
   * yet (the message carries this checklist's id, which the acknowledgement names).
   */
  async function nightAck(config: SystemConfig, c: ChecklistConfig, input: { slot: Slot; slotAt: Date; checklistId: number; at: Date }): Promise<AckState> {
    const minutes = c.onCall?.acknowledgeWithinMinutes;
    if (!c.onCall || !minutes) return null;
    const t1At = nightT1(input.slot, input.slotAt, config.timeZone, config.t1);
    const existing = await store.ackForNight(db, config.name, t1At);
    if (existing) return toAckState(existing);
    const { opensAt, deadline } = ackWindow(t1At, minutes);
    const onCall = onCallAt(c.onCall, input.slotAt, config.timeZone);
    if (input.at < opensAt || !onCall || channelsOf(onCall.person).length === 0) return null;
    const person = onCall.person;
    await db.transaction().execute(async (trx) => {
      const asked = await store.requestAck(trx, {
        system: config.name,
        t1At,
        person: person.name,
        username: person.user,
        channels: channelsOf(person),
        checklistId: input.checklistId,
        requestedAt: input.at,
        deadline,
      });
      if (!asked) return;
      const payload = {
        system: config.name,
        person: person.name,
        username: person.user,
        channels: channelsOf(person),
        telegram: person.telegram,
        email: person.email,
        slack: person.slack,
        t1At: t1At.toISOString(),
        t1Local: formatLocal(t1At, config.timeZone),
        deadline: deadline.toISOString(),
        deadlineLocal: formatLocal(deadline, config.timeZone),
        checklistId: input.checklistId,
        ackPath: `/api/v1/systems/${config.name}/checks/${input.checklistId}/ack`,
      };
      await outbox.enqueue(trx, { system: config.name, event: 'oncall.ack_requested', payload, idempotencyKey: `oncall.ack_requested:${config.name}:${t1At.toISOString()}`, at: input.at });
      await audit.append(trx, { stream: config.name, actor: PIPELINE, action: 'oncall.ack_requested', subject: `checklist:${input.checklistId}`, data: payload, at: input.at });
    });
    return toAckState(await store.ackForNight(db, config.name, t1At));
  }

  /** One probe, never longer than its budget; a crash or overrun is a failure that says so. */
  async function runProbe(name: ProbeName, probe: Probe, mode: ChecklistItem['mode'], ctx: Omit<ProbeContext, 'signal'>): Promise<ChecklistItem> {
    const controller = new AbortController();
    const abort = setTimeout(() => controller.abort(), probe.budgetMs);
    let overrun: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (overrun = setTimeout(() => resolve('late'), probe.budgetMs + 2_000)));
    try {
      const result = await Promise.race([probe.run({ ...ctx, signal: controller.signal }), late]);
      const done = result === 'late' ? outcome(probeTimedOut(probe.budgetMs), clock.now()) : result;
      return { probe: name, mode, ...done };
    } catch (error) {
      return { probe: name, mode, ...outcome(probeCrashed(error), clock.now()) };
    } finally {
      clearTimeout(abort);
      clearTimeout(overrun);
    }
  }

  async function run(input: { system: string; env: Env; slot: Slot; slotAt: Date; trigger: ChecklistTrigger; runId: number | null; requestedBy: string }): Promise<ChecklistView> {
    const config = systems.get(input.system);
    const c = checklistOf(config);
    const at = clock.now();
    const id = await store.start(db, { ...input, at });
    const probes = deps.probesOf(config);
    const applicable = PROBES.filter((name) => probes.has(name) && c[name]!.envs.includes(input.env));
    const notChecked = PROBES.filter((name) => !applicable.includes(name));
    const ack = applicable.includes('onCall') ? await nightAck(config, c, { slot: input.slot, slotAt: input.slotAt, checklistId: id, at }) : null;
    const ctx = { system: config, env: input.env, slot: input.slot, slotAt: input.slotAt, at, ack };
    const items = await Promise.all(applicable.map((name) => runProbe(name, probes.get(name)!, c[name]!.mode, ctx)));
    const { verdict, blocking } = checklistVerdict(items);
    const failed = items.filter((i) => i.result === 'fail');
    const finishedAt = clock.now();
    await db.transaction().execute(async (trx) => {
      await store.finish(trx, id, { verdict, items, notChecked, at: finishedAt });
      const summary = { checklistId: id, env: input.env, slot: input.slot, slotAt: input.slotAt.toISOString(), trigger: input.trigger, runId: input.runId, verdict };
      await audit.append(trx, {
        stream: config.name,
        actor: input.requestedBy,
        action: 'checklist.completed',
        subject: `checklist:${id}`,
        data: { ...summary, results: Object.fromEntries(items.map((i) => [i.probe, `${i.result} (${i.mode})`])) },
        at: finishedAt,
      });
      // People asked for this list themselves; a run's or the early check's failures are announced.
      if (failed.length > 0 && input.trigger !== 'manual') {
        await outbox.enqueue(trx, {
          system: config.name,
          event: 'checklist.failed',
          payload: { ...summary, blocked: blocking.length > 0, detail: describeItems(failed), items, slotLocal: formatLocal(input.slotAt, config.timeZone) },
          idempotencyKey: `checklist.failed:${id}`,
          at: finishedAt,
        });
      }
    });
    return (await store.get(db, config.name, id))!;
  }

  function authorize(actor: Actor, system: string, permission: 'bugs.read' | 'bugs.approve') {
    systems.get(system);
    assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, system) }, permission, system);
  }

  return {
    /**
     * Before a run deploys anything: the checklist for its slot. Null when the system has no
     * checklist. A manual run acts as the next slot of its kind, for the on-call window.
     */
    async gate(runInfo: { id: number; system: string; slot: Slot; scheduledFor: string; trigger: string }): Promise<ChecklistGate | null> {
      const config = systems.get(runInfo.system);
      if (!config.checklist) return null;
      const scheduled = new Date(runInfo.scheduledFor);
      const slotAt = runInfo.trigger === 'manual' ? nextSlotAfter(new Date(scheduled.getTime() - 1), config.timeZone, runInfo.slot === 't1' ? config.t1 : config.t2) : scheduled;
      const checklist = await run({ system: runInfo.system, env: envOfSlot(runInfo.slot), slot: runInfo.slot, slotAt, trigger: 'run', runId: runInfo.id, requestedBy: PIPELINE });
      const { blocking, verdict } = checklistVerdict(checklist.items);
      return { blocked: verdict === 'blocked', detail: describeItems(blocking), checklist };
    },

    /**
     * `POST …/checks`, `tonic check`: the list now, for the next deploy to `env` (default: the
     * environment of the next slot). Managers and admins.
     */
    async checkNow(actor: Actor, system: string, options: { env?: Env } = {}): Promise<ChecklistView> {
      authorize(actor, system, 'bugs.approve');
      const config = systems.get(system);
      checklistOf(config);
      const now = clock.now();
      const nextT1 = nextSlotAfter(now, config.timeZone, config.t1);
      const nextT2 = nextSlotAfter(now, config.timeZone, config.t2);
      const env = options.env ?? (nextT1 <= nextT2 ? 'uat' : 'prod');
      const slot: Slot = env === 'uat' ? 't1' : 't2';
      return run({ system, env, slot, slotAt: slot === 't1' ? nextT1 : nextT2, trigger: 'manual', runId: null, requestedBy: actor.username });
    },

    async get(actor: Actor, system: string, id: number): Promise<ChecklistView> {
      authorize(actor, system, 'bugs.read');
      const found = await store.get(db, system, id);
      if (!found) throw new DomainError('not_found', `checklist ${id} does not exist on system ${system}`);
      return found;
    },

    async list(actor: Actor, system: string, query: { runId?: number; beforeId?: number; limit: number }): Promise<ChecklistView[]> {
      authorize(actor, system, 'bugs.read');
      return store.list(db, system, query);
    },

    /**
     * `POST …/checks/{id}/ack`: the on-call person acknowledges the "deploy tonight" message the
     * checklist `id` sent, before its deadline. The Telegram button calls this too. Saying it
     * twice is harmless.
     */
    async acknowledge(actor: Actor, system: string, id: number, input: { note?: string } = {}): Promise<ChecklistView> {
      authorize(actor, system, 'bugs.read');
      const config = systems.get(system);
      const ack = await store.ackOfChecklist(db, system, id);
      if (!ack) {
        const exists = await store.get(db, system, id);
        throw new DomainError('not_found', exists ? `checklist ${id} did not ask anyone to acknowledge a deploy` : `checklist ${id} does not exist on system ${system}`);
      }
      const night = formatLocal(new Date(ack.t1At), config.timeZone);
      if (actor.username !== ack.username) {
        throw new DomainError('forbidden', `the deploy message for ${night} is for ${ack.person} (user ${ack.username}); only they can acknowledge it`);
      }
      if (ack.acknowledgedAt) return (await store.get(db, system, id))!;
      const now = clock.now();
      if (now.getTime() >= new Date(ack.deadline).getTime()) {
        throw new DomainError('conflict', `too late: the deploy of ${night} had to be acknowledged before ${formatLocal(new Date(ack.deadline), config.timeZone)}`);
      }
      await db.transaction().execute(async (trx) => {
        if (!(await store.acknowledge(trx, ack.id, { by: actor.username, at: now, note: input.note ?? null }))) return;
        const data = { checklistId: id, person: ack.person, username: actor.username, t1At: ack.t1At, at: now.toISOString(), note: input.note ?? null };
        await audit.append(trx, { stream: system, actor: actor.username, action: 'oncall.acknowledged', subject: `checklist:${id}`, data, at: now });
        await outbox.enqueue(trx, { system, event: 'oncall.acknowledged', payload: data, idempotencyKey: `oncall.acknowledged:${system}:${ack.t1At}`, at: now });
      });
      return (await store.get(db, system, id))!;
    },

    /**
     * Called by the scheduler on every tick: when a night's acknowledgement window opens, runs the
     * checklist early for the coming slot. That asks the on-call person to acknowledge, and any
     * failing probe is announced while there is still time to fix it.
     */
    async beforeSlots(now: Date): Promise<ChecklistView[]> {
      const done: ChecklistView[] = [];
      for (const config of systems.list()) {
        const onCall = config.checklist?.onCall;
        if (!onCall?.acknowledgeWithinMinutes) continue;
        const t1At = nextSlotAfter(now, config.timeZone, config.t1);
        if (now < ackWindow(t1At, onCall.acknowledgeWithinMinutes).opensAt) continue;
        const slot: Slot = onCall.envs.includes('uat') ? 't1' : 't2';
        const slotAt = slot === 't1' ? t1At : nextSlotAfter(t1At, config.timeZone, config.t2);
        if (await store.hasPrecheck(db, config.name, slotAt)) continue;
        done.push(await run({ system: config.name, env: envOfSlot(slot), slot, slotAt, trigger: 'precheck', runId: null, requestedBy: PIPELINE }));
      }
      return done;
    },
  };
}

export type ChecklistService = ReturnType<typeof createChecklistService>;
