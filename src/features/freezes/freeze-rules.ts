/**
 * Change freezes (SEED.md "Change Freeze Policy", DESIGN.md decision 7): which freezes are in force
 * for a system at an instant, and which windows lie ahead. Pure functions of (instant, time zone,
 * rules, declared freezes): no I/O, no clock.
 *
 * Sources, each a window [start, end) of instants:
 * - `env`: DEPLOY_FREEZE, DEPLOY_FREEZE_MODULES, DEPLOY_FREEZE_UNTIL of the server's environment;
 * - `config`: the same three keys in the system's `freeze` section, and its `windows`;
 * - `declared`: freezes declared by people (API, CLI), until their end or until lifted;
 * - `holiday`: the public holidays of the configured country/region, midnight to midnight;
 * - `lunar-new-year`: the first days of the Lunar New Year (three by default);
 * - `month-end`: from the first of the month's last N business days to the end of the month, for
 *   the named modules;
 * - `go-live`: a client's go-live dates, for this system.
 * A `system` scope freezes everything (the run is skipped); a `modules` scope freezes only the bugs
 * of those modules. UNTIL lifts at 00:00 of that date in the system's zone; given without
 * DEPLOY_FREEZE or DEPLOY_FREEZE_MODULES it means "frozen until then", and DEPLOY_FREEZE=false
 * turns it off.
 */
import { DateTime } from 'luxon';
import { formatLocal } from '../schedule/schedule-rules.ts';
import { addDays, holidaysIn, isLocalDate, lastBusinessDays, lunarNewYearDate, type HolidayCalendar } from './freeze-calendar.ts';

export const FREEZE_SOURCES = ['env', 'config', 'declared', 'holiday', 'lunar-new-year', 'month-end', 'go-live'] as const;
export type FreezeSource = (typeof FREEZE_SOURCES)[number];

export const FREEZE_SCOPES = ['system', 'modules'] as const;
export type FreezeScope = (typeof FREEZE_SCOPES)[number];

/** DEPLOY_FREEZE (`all`; null when not given), DEPLOY_FREEZE_MODULES, DEPLOY_FREEZE_UNTIL ("YYYY-MM-DD"). */
export type FreezeFlags = { all: boolean | null; modules: string[]; until: string | null };

/** A window written in the configuration; instants in UTC. */
export type ConfiguredFreezeWindow = { start: string; end: string; modules: string[]; reason: string };

/** A system's `freeze` section, normalised. */
export type FreezeConfig = {
  flags: FreezeFlags | null;
  holidays: HolidayCalendar | null;
  lunarNewYear: { days: number } | null;
  monthEndClose: { businessDays: number; modules: string[] } | null;
  /** Local dates, both included. */
  goLive: { start: string; end: string; label: string } | null;
  windows: ConfiguredFreezeWindow[];
};

export const NO_FREEZE_CONFIG: FreezeConfig = { flags: null, holidays: null, lunarNewYear: null, monthEndClose: null, goLive: null, windows: [] };

/** SEED.md: "Lunar New Year (3 days) | Full freeze". */
export const LUNAR_NEW_YEAR_DAYS = 3;

/** Everything that decides a system's freezes, except the declared ones (those live in the database). */
export type FreezeRules = { environment: FreezeFlags | null; config: FreezeConfig };

/** A freeze declared by a person; instants in UTC. A lifted freeze ends when it was lifted. */
export type DeclaredFreeze = { id: number; start: string; end: string; modules: string[]; reason: string; by: string; liftedAt: string | null };

/** One window of one source; start null: in force since before anyone can say, end null: until removed. */
export type FreezeWindow = { source: FreezeSource; label: string; scope: FreezeScope; modules: string[]; start: string | null; end: string | null };

/**
 * The freezes in force at an instant. `full`: some source freezes the whole system; `modules`: the
 * modules frozen by module-scoped sources; `lunarNewYear`: the Lunar New Year freeze is one of
 * them (hotfixes then need P1 and a cto sign-off).
 */
export type FreezeState = { at: string; full: boolean; modules: string[]; lunarNewYear: boolean; sources: FreezeWindow[] };

const DAY_MS = 24 * 60 * 60 * 1000;

type Span = { source: FreezeSource; labels: string[]; scope: FreezeScope; modules: string[]; start: number | null; end: number | null };

/** The first instant of a local date in a zone (01:00 where a daylight-saving change skips midnight). */
export function startOfLocalDay(date: string, timeZone: string): Date {
  return DateTime.fromISO(date, { zone: timeZone }).toJSDate();
}

function midnight(date: string, timeZone: string): number {
  return startOfLocalDay(date, timeZone).getTime();
}

function span(source: FreezeSource, label: string, modules: readonly string[], start: number | null, end: number | null): Span {
  const sorted = [...new Set(modules)].sort();
  return { source, labels: [label], scope: sorted.length > 0 ? 'modules' : 'system', modules: sorted, start, end };
}

function flagsSpan(source: 'env' | 'config', flags: FreezeFlags, timeZone: string): Span | null {
  const untilOnly = flags.all === null && flags.modules.length === 0 && flags.until !== null;
  const full = flags.all === true || untilOnly;
  const modules = full ? [] : flags.modules;
  if (!full && modules.length === 0) return null;
  const named =
    source === 'env'
      ? { all: 'DEPLOY_FREEZE=true', modules: `DEPLOY_FREEZE_MODULES=${modules.join(',')}`, until: `DEPLOY_FREEZE_UNTIL=${flags.until}` }
      : { all: 'freeze.all', modules: `freeze.modules [${modules.join(', ')}]`, until: `freeze.until ${flags.until}` };
  const parts = [flags.all === true ? named.all : null, modules.length > 0 ? named.modules : null, flags.until ? named.until : null].filter((p) => p !== null);
  const label = `${source === 'env' ? 'environment' : 'configuration'}: ${parts.join(', ')}`;
  return span(source, label, modules, null, flags.until ? midnight(flags.until, timeZone) : null);
}

function monthName(year: number, month: number): string {
  return DateTime.fromObject({ year, month, day: 1 }, { zone: 'UTC' }).setLocale('en').toFormat('LLLL yyyy');
}

/** Every window of every source that can touch [from, to), unmerged. */
function spans(from: number, to: number, timeZone: string, rules: FreezeRules, declared: readonly DeclaredFreeze[]): Span[] {
  const out: Span[] = [];
  const { config } = rules;
  if (rules.environment) out.push(...[flagsSpan('env', rules.environment, timeZone)].filter((s) => s !== null));
  if (config.flags) out.push(...[flagsSpan('config', config.flags, timeZone)].filter((s) => s !== null));
  for (const w of config.windows) out.push(span('config', `configuration: ${w.reason}`, w.modules, Date.parse(w.start), Date.parse(w.end)));
  for (const d of declared) {
    const end = d.liftedAt ? Math.min(Date.parse(d.end), Date.parse(d.liftedAt)) : Date.parse(d.end);
    if (end > Date.parse(d.start)) out.push(span('declared', `${d.reason} (declared by ${d.by}, #${d.id})`, d.modules, Date.parse(d.start), end));
  }

  const local = (ms: number) => DateTime.fromMillis(ms, { zone: timeZone });
  const first = local(from).minus({ months: 1 });
  const last = local(to);
  for (let year = first.year; year <= last.year; year++) {
    if (config.holidays) {
      for (const h of holidaysIn(config.holidays, year)) out.push(span('holiday', h.name, [], midnight(h.date, timeZone), midnight(addDays(h.date, 1), timeZone)));
    }
    if (config.lunarNewYear) {
      const day = lunarNewYearDate(year);
      const days = config.lunarNewYear.days;
      out.push(span('lunar-new-year', `Lunar New Year ${year} (${day}, first ${days} days)`, [], midnight(day, timeZone), midnight(addDays(day, days), timeZone)));
    }
  }
  if (config.monthEndClose) {
    const { businessDays, modules } = config.monthEndClose;
    for (let month = first.startOf('month'); month <= last; month = month.plus({ months: 1 })) {
      const days = lastBusinessDays(month.year, month.month, businessDays, config.holidays);
      if (days.length === 0) continue;
      const label = `month-end close of ${monthName(month.year, month.month)} (last ${businessDays} business days from ${days[0]})`;
      out.push(span('month-end', label, modules, midnight(days[0]!, timeZone), midnight(month.plus({ months: 1 }).toISODate()!, timeZone)));
    }
  }
  if (config.goLive) {
    const { start, end, label } = config.goLive;
    out.push(span('go-live', `${label} (${start} to ${end})`, [], midnight(start, timeZone), midnight(addDays(end, 1), timeZone)));
  }
  return out;
}

/** Windows of one source, scope and modules that overlap or touch become one, their labels kept. */
function merge(all: Span[]): Span[] {
  const groups = new Map<string, Span[]>();
  for (const s of all) {
    const key = `${s.source}|${s.scope}|${s.modules.join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const merged: Span[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.start ?? -Infinity) - (b.start ?? -Infinity));
    let current: Span | null = null;
    for (const s of group) {
      if (current && (current.end === null || (s.start ?? -Infinity) <= current.end)) {
        current.end = current.end === null || s.end === null ? null : Math.max(current.end, s.end);
        for (const l of s.labels) if (!current.labels.includes(l)) current.labels.push(l);
      } else {
        current = { ...s, labels: [...s.labels] };
        merged.push(current);
      }
    }
  }
  return merged;
}

function toWindow(s: Span, rules: FreezeRules): FreezeWindow {
  const holidays = rules.config.holidays;
  const where = holidays ? `${holidays.country}${holidays.region ? `-${holidays.region}` : ''}` : '';
  const label = s.source === 'holiday' ? `public holiday in ${where}: ${s.labels.join(', ')}` : s.labels.join('; ');
  return {
    source: s.source,
    label,
    scope: s.scope,
    modules: s.modules,
    start: s.start === null ? null : new Date(s.start).toISOString(),
    end: s.end === null ? null : new Date(s.end).toISOString(),
  };
}

function byStart(a: FreezeWindow, b: FreezeWindow): number {
  const start = (w: FreezeWindow) => (w.start === null ? -Infinity : Date.parse(w.start));
  return start(a) - start(b) || FREEZE_SOURCES.indexOf(a.source) - FREEZE_SOURCES.indexOf(b.source) || a.label.localeCompare(b.label);
}

/** Holiday runs and month-end closes are shorter than this: looking this far around an instant finds the whole window it is in. */
const AROUND_MS = 45 * DAY_MS;

/** The declared freezes an evaluation at `at` needs are those touching this range. */
export function evaluationRange(at: Date): { from: Date; to: Date } {
  return { from: new Date(at.getTime() - AROUND_MS), to: new Date(at.getTime() + AROUND_MS) };
}

/**
 * DESIGN.md decision 7: every freeze in force for a system at `at`, from every source, each with
 * the whole window it belongs to (so its end says when it lifts).
 */
export function evaluateFreezes(at: Date, timeZone: string, rules: FreezeRules, declared: readonly DeclaredFreeze[]): FreezeState {
  const t = at.getTime();
  const range = evaluationRange(at);
  const sources = merge(spans(range.from.getTime(), range.to.getTime(), timeZone, rules, declared))
    .filter((s) => (s.start === null || s.start <= t) && (s.end === null || t < s.end))
    .map((s) => toWindow(s, rules))
    .sort(byStart);
  const modules = [...new Set(sources.filter((s) => s.scope === 'modules').flatMap((s) => s.modules))].sort();
  return {
    at: at.toISOString(),
    full: sources.some((s) => s.scope === 'system'),
    modules,
    lunarNewYear: sources.some((s) => s.source === 'lunar-new-year'),
    sources,
  };
}

/**
 * The freeze windows that touch the `days` local days from `from`, merged per source and
 * labelled, in start order: for the dashboard and for people planning.
 */
export function freezeCalendar(from: Date, days: number, timeZone: string, rules: FreezeRules, declared: readonly DeclaredFreeze[]) {
  const to = DateTime.fromJSDate(from, { zone: timeZone }).plus({ days }).toJSDate();
  const [a, b] = [from.getTime(), to.getTime()];
  const windows = merge(spans(a, b, timeZone, rules, declared))
    .filter((s) => (s.start === null || s.start < b) && (s.end === null || s.end > a))
    .map((s) => toWindow(s, rules))
    .sort(byStart);
  return { from: from.toISOString(), to: to.toISOString(), windows };
}

/** One window for people: its label and when it lifts, in the system's zone. */
export function describeFreezeWindow(w: FreezeWindow, timeZone: string): string {
  return `${w.label}${w.end ? `, until ${formatLocal(new Date(w.end), timeZone)}` : ', until it is removed'}`;
}

/** For people and messages: what is frozen, by what, and until when (in the system's zone). */
export function describeFreezes(state: FreezeState, timeZone: string): string {
  const one = (w: FreezeWindow) => describeFreezeWindow(w, timeZone);
  const full = state.sources.filter((s) => s.scope === 'system');
  const partial = state.sources.filter((s) => s.scope === 'modules');
  const parts: string[] = [];
  if (full.length > 0) parts.push(`full freeze: ${full.map(one).join('; ')}`);
  if (partial.length > 0) parts.push(`module${state.modules.length > 1 ? 's' : ''} ${state.modules.join(', ')} frozen: ${partial.map((w) => `${one(w)} [${w.modules.join(', ')}]`).join('; ')}`);
  return parts.join('; ') || 'no freeze in force';
}

// ---- Reading the values people write ---------------------------------------------------------

const SWITCH: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false, on: true, off: false };

/** DEPLOY_FREEZE: true/false (also 1/0, yes/no, on/off); undefined when it is none of those. */
export function parseFreezeSwitch(value: string): boolean | undefined {
  return SWITCH[value.trim().toLowerCase()];
}

/** DEPLOY_FREEZE_MODULES: "financial, billing" → ["billing", "financial"]. */
export function parseModuleList(value: string): string[] {
  return [...new Set(value.split(',').map((m) => m.trim()).filter((m) => m !== ''))].sort();
}

export { isLocalDate };

/**
 * The start or end of a freeze as people write it: a date ("2026-02-05": 00:00 that day in the
 * system's zone), a local date and time ("2026-02-05T18:00", in the system's zone), or an instant
 * with its offset ("2026-02-05T10:00:00Z"). Null when it is none of those.
 */
export function parseFreezeInstant(value: string, timeZone: string): Date | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return isLocalDate(value) ? startOfLocalDay(value, timeZone) : null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) {
    const local = DateTime.fromISO(value, { zone: timeZone });
    return local.isValid ? local.toJSDate() : null;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const exact = DateTime.fromISO(value, { setZone: true });
    return exact.isValid ? exact.toJSDate() : null;
  }
  return null;
}

export const FREEZE_INSTANT_HINT = 'write a date (2026-02-05: 00:00 that day in the system\'s time zone), a local time (2026-02-05T18:00) or an instant with its offset (2026-02-05T10:00:00Z)';
