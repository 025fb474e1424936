/**
 * Change freezes as use cases: what is frozen for a system at an instant (`at`, which the runs,
 * hotfixes and checklists ask), the calendar ahead, and declaring and lifting freezes (admin; each
 * in one transaction with its audit event and its announcement).
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import { assertCan, type Permission } from '../identity/roles.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import { formatLocal } from '../schedule/schedule-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import {
  evaluateFreezes,
  evaluationRange,
  FREEZE_INSTANT_HINT,
  freezeCalendar,
  parseFreezeInstant,
  type FreezeFlags,
  type FreezeRules,
  type FreezeScope,
  type FreezeState,
  type FreezeWindow,
} from './freeze-rules.ts';
import type { FreezeRecord, FreezeStore } from './freeze-store.ts';

export type { FreezeState, FreezeWindow } from './freeze-rules.ts';

type FreezeDeps = {
  db: Db;
  store: FreezeStore;
  systems: SystemRegistry;
  identity: IdentityService;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  /** DEPLOY_FREEZE* of the server's environment (settings.ts); null when none is set. */
  environment: FreezeFlags | null;
};

export const FREEZE_STATES = ['upcoming', 'active', 'ended', 'lifted'] as const;
export type DeclaredFreezeState = (typeof FREEZE_STATES)[number];

export type FreezeView = FreezeRecord & { scope: FreezeScope; state: DeclaredFreezeState; startLocal: string; endLocal: string };

const scopeOf = (f: { modules: readonly string[] }): FreezeScope => (f.modules.length > 0 ? 'modules' : 'system');

/** The calendar's maximum look-ahead, in days. */
export const MAX_CALENDAR_DAYS = 366;

export function createFreezeService(deps: FreezeDeps) {
  const { db, store, systems, identity, audit, outbox, clock } = deps;

  function allow(actor: Actor, system: string, permission: Permission) {
    assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, permission, system);
  }

  /** The environment's freeze as it concerns one system: modules it does not have do not freeze it. */
  function environmentFor(config: SystemConfig): FreezeFlags | null {
    const env = deps.environment;
    if (!env || env.modules.length === 0) return env;
    const modules = env.modules.filter((m) => config.modules.includes(m));
    if (modules.length === 0 && env.all !== true) return null;
    return { ...env, modules };
  }

  function rulesFor(config: SystemConfig): FreezeRules {
    return { environment: environmentFor(config), config: config.freeze };
  }

  function view(f: FreezeRecord, config: SystemConfig, now: Date): FreezeView {
    const state: DeclaredFreezeState = f.liftedAt ? 'lifted' : Date.parse(f.end) <= now.getTime() ? 'ended' : Date.parse(f.start) <= now.getTime() ? 'active' : 'upcoming';
    return {
      ...f,
      scope: scopeOf(f),
      state,
      startLocal: formatLocal(new Date(f.start), config.timeZone),
      endLocal: formatLocal(new Date(f.end), config.timeZone),
    };
  }

  function localWindow(w: FreezeWindow, timeZone: string) {
    return { ...w, startLocal: w.start ? formatLocal(new Date(w.start), timeZone) : null, endLocal: w.end ? formatLocal(new Date(w.end), timeZone) : null };
  }

  /** The announcement of a declared or lifted freeze: what the templates need, nothing to look up. */
  function payload(f: FreezeRecord, config: SystemConfig) {
    return {
      id: f.id,
      system: f.system,
      start: f.start,
      end: f.end,
      startLocal: formatLocal(new Date(f.start), config.timeZone),
      endLocal: formatLocal(new Date(f.end), config.timeZone),
      scope: scopeOf(f),
      modules: f.modules,
      reason: f.reason,
    };
  }

  function instant(field: 'start' | 'end', value: string, timeZone: string): Date {
    const parsed = parseFreezeInstant(value, timeZone);
    if (!parsed) throw new DomainError('validation_failed', `${field} "${value}" is not a date or time: ${FREEZE_INSTANT_HINT}`, { field });
    return parsed;
  }

  /**
   * What is frozen for `system` at `instant`, from every source (environment, configuration,
   * declared freezes, calendar rules). Runs ask it at their scheduled instant before anything else;
   * hotfixes and checklists ask it too.
   */
  async function at(system: string, instant: Date): Promise<FreezeState> {
    const config = systems.get(system);
    const range = evaluationRange(instant);
    const declared = await store.touching(db, system, range.from, range.to);
    return evaluateFreezes(instant, config.timeZone, rulesFor(config), declared);
  }

  return {
    at,

    /** `GET …/freezes/calendar`: the windows of the next `days` days, merged per source and labelled. */
    async calendar(actor: Actor, system: string, days: number) {
      const config = systems.get(system);
      allow(actor, system, 'bugs.read');
      if (!Number.isInteger(days) || days < 1 || days > MAX_CALENDAR_DAYS) {
        throw new DomainError('validation_failed', `days ${days} is out of range: ask for 1 to ${MAX_CALENDAR_DAYS} days`, { field: 'days' });
      }
      const from = clock.now();
      // A day or two more than asked covers daylight-saving days; the rules clip to the exact end.
      const declared = await store.touching(db, system, from, new Date(from.getTime() + (days + 2) * 86_400_000));
      const cal = freezeCalendar(from, days, config.timeZone, rulesFor(config), declared);
      return { system, timeZone: config.timeZone, days, from: cal.from, to: cal.to, windows: cal.windows.map((w) => localWindow(w, config.timeZone)) };
    },

    /** `GET …/freezes`: what is frozen now, and the declared freezes (without `all`: those not lifted or ended). */
    async list(actor: Actor, system: string, query: { all?: boolean; cursor?: number; limit: number }) {
      const config = systems.get(system);
      allow(actor, system, 'bugs.read');
      const now = clock.now();
      const state = await at(system, now);
      const rows = await store.list(db, system, { all: query.all ?? false, now, beforeId: query.cursor, limit: query.limit });
      return {
        system,
        now: { ...state, sources: state.sources.map((w) => localWindow(w, config.timeZone)) },
        items: rows.map((f) => view(f, config, now)),
        nextCursor: rows.length === query.limit ? rows[rows.length - 1]!.id : null,
      };
    },

    async get(actor: Actor, system: string, id: number): Promise<FreezeView> {
      const config = systems.get(system);
      allow(actor, system, 'bugs.read');
      const found = await store.get(db, system, id);
      if (!found) throw new DomainError('not_found', `freeze ${id} does not exist on system ${system}`);
      return view(found, config, clock.now());
    },

    /** `POST …/freezes` (admin): a freeze from `start` (default now) to `end`, of the system or some modules. */
    async declare(actor: Actor, system: string, input: { start?: string; end: string; modules?: string[]; reason: string }): Promise<FreezeView> {
      const config = systems.get(system);
      allow(actor, system, 'freezes.manage');
      const now = clock.now();
      const start = input.start === undefined ? now : instant('start', input.start, config.timeZone);
      const end = instant('end', input.end, config.timeZone);
      const local = (d: Date) => formatLocal(d, config.timeZone);
      if (end.getTime() <= start.getTime()) {
        throw new DomainError('validation_failed', `end ${local(end)} is not after start ${local(start)}: a freeze ends after it starts`, { field: 'end' });
      }
      if (end.getTime() <= now.getTime()) {
        throw new DomainError('validation_failed', `end ${local(end)} is already past (now ${local(now)}): the freeze would never be in force`, { field: 'end' });
      }
      const modules = [...new Set(input.modules ?? [])].sort();
      const unknown = modules.find((m) => !config.modules.includes(m));
      if (unknown !== undefined) {
        const known = config.modules.length ? `known modules: ${config.modules.join(', ')}` : 'this system declares no modules';
        throw new DomainError('validation_failed', `module "${unknown}" is not a module of ${system}; ${known}`, { field: 'modules' });
      }
      const reason = input.reason.trim();
      if (!reason) throw new DomainError('validation_failed', 'reason is empty: say why deploys are frozen (it is shown in run reports and messages)', { field: 'reason' });
      const declared = await db.transaction().execute(async (trx) => {
        const f = await store.insert(trx, { system, start, end, modules, reason, by: actor.username, at: now });
        const data = { ...payload(f, config), by: actor.username };
        await audit.append(trx, { stream: system, actor: actor.username, action: 'freeze.declared', subject: `freeze:${f.id}`, data, at: now });
        await outbox.enqueue(trx, { system, event: 'freeze.declared', payload: data, idempotencyKey: `freeze.declared:${system}:${f.id}`, at: now });
        return f;
      });
      return view(declared, config, now);
    },

    /** `DELETE …/freezes/{id}` (admin): ends a freeze now; the row stays, with who lifted it and why. */
    async lift(actor: Actor, system: string, id: number, input: { reason?: string } = {}): Promise<FreezeView> {
      const config = systems.get(system);
      allow(actor, system, 'freezes.manage');
      const now = clock.now();
      const lifted = await db.transaction().execute(async (trx) => {
        const f = await store.get(trx, system, id);
        if (!f) throw new DomainError('not_found', `freeze ${id} does not exist on system ${system}`);
        if (f.liftedAt) {
          throw new DomainError('invalid_transition', `freeze ${id} was already lifted by ${f.liftedBy} at ${formatLocal(new Date(f.liftedAt), config.timeZone)}`);
        }
        if (Date.parse(f.end) <= now.getTime()) {
          throw new DomainError('invalid_transition', `freeze ${id} already ended at ${formatLocal(new Date(f.end), config.timeZone)}: there is nothing to lift`);
        }
        const liftReason = input.reason?.trim() || null;
        if (!(await store.lift(trx, system, id, { by: actor.username, at: now, reason: liftReason }))) {
          throw new DomainError('conflict', `freeze ${id} was lifted by someone else meanwhile`);
        }
        const data = { ...payload(f, config), by: actor.username, declaredBy: f.by, liftedAt: now.toISOString(), liftReason };
        await audit.append(trx, { stream: system, actor: actor.username, action: 'freeze.lifted', subject: `freeze:${id}`, data, at: now });
        await outbox.enqueue(trx, { system, event: 'freeze.lifted', payload: data, idempotencyKey: `freeze.lifted:${system}:${id}`, at: now });
        return (await store.get(trx, system, id))!;
      });
      return view(lifted, config, now);
    },
  };
}

export type FreezeService = ReturnType<typeof createFreezeService>;
