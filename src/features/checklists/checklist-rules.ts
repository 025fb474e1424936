/**
 * The pre-deploy checklist's policy (DESIGN.md decision 8, SEED.md "Pre-Deploy Checklist"): the
 * seven probes, how each one judges what it measured, and the verdict of a whole list. Pure: no
 * I/O, no clock; instants come in as parameters. The probes (./probes/) measure; these rules judge.
 */
import { DateTime } from 'luxon';
import type { FreezeState, FreezeWindow } from '../freezes/freeze-rules.ts';
import { formatLocal, latestSlotAtOrBefore, type LocalTime } from '../schedule/schedule-rules.ts';

export const PROBES = ['backup', 'monitoring', 'onCall', 'freeze', 'rollbackPath', 'dependencies', 'headroom'] as const;
export type ProbeName = (typeof PROBES)[number];

/** SEED.md's wording of each item, for reports and messages. */
export const PROBE_TITLES: Record<ProbeName, string> = {
  backup: 'DB backup confirmed',
  monitoring: 'Monitoring alerts active',
  onCall: 'On-call admin reachable',
  freeze: 'Change freeze check',
  rollbackPath: 'Rollback path clear',
  dependencies: 'Dependent services healthy',
  headroom: 'Disk + memory OK',
};

export const PROBE_RESULTS = ['pass', 'warn', 'fail'] as const;
export type ProbeResult = (typeof PROBE_RESULTS)[number];

/** What a failure of the probe does: `block` stops the run, `warn` records it and lets the run go on. */
export const PROBE_MODES = ['block', 'warn'] as const;
export type ProbeMode = (typeof PROBE_MODES)[number];

export const CHECKLIST_VERDICTS = ['pass', 'warn', 'blocked'] as const;
export type ChecklistVerdict = (typeof CHECKLIST_VERDICTS)[number];

export type Measured = Record<string, string | number | boolean | null>;

/** What a probe saw: the numbers, when it measured them, and a sentence for people. */
export type Evidence = { measured: Measured; at: string; detail: string };

export type ProbeOutcome = { result: ProbeResult; evidence: Evidence };

export type ChecklistItem = { probe: ProbeName; result: ProbeResult; mode: ProbeMode; evidence: Evidence };

/** A judgement before it is stamped with the instant of measurement. */
export type Judgement = { result: ProbeResult; measured: Measured; detail: string };

export function outcome(judgement: Judgement, at: Date): ProbeOutcome {
  return { result: judgement.result, evidence: { measured: judgement.measured, at: at.toISOString(), detail: judgement.detail } };
}

// ---- The whole list ----------------------------------------------------------------------------

/**
 * A failing item in `block` mode blocks the deploy. Anything else that is not a pass (a warning,
 * or a failure in `warn` mode) lets it go on and is recorded as a warning.
 */
export function checklistVerdict(items: readonly ChecklistItem[]): { verdict: ChecklistVerdict; blocking: ChecklistItem[]; warnings: ChecklistItem[] } {
  const blocking = items.filter((i) => i.result === 'fail' && i.mode === 'block');
  const warnings = items.filter((i) => i.result !== 'pass' && !blocking.includes(i));
  return { verdict: blocking.length > 0 ? 'blocked' : warnings.length > 0 ? 'warn' : 'pass', blocking, warnings };
}

/** "backup: newest backup is 30 h old …; headroom: …": why a list blocked, in one line. */
export function describeItems(items: readonly ChecklistItem[]): string {
  return items.map((i) => `${i.probe}: ${i.evidence.detail}`).join('; ');
}

/** A probe that threw or did not answer in time still yields an item: a failure that says so. */
export function probeCrashed(error: unknown): Judgement {
  const message = error instanceof Error ? error.message : String(error);
  return { result: 'fail', measured: {}, detail: `the probe could not run: ${message}` };
}

export function probeTimedOut(timeoutMs: number): Judgement {
  return { result: 'fail', measured: { timeoutSeconds: timeoutMs / 1000 }, detail: `no answer within ${formatSeconds(timeoutMs)}: the probe was stopped` };
}

// ---- 1. DB backup --------------------------------------------------------------------------------

/**
 * The time a backup command printed: the last non-empty line, an ISO-8601 instant (with a zone)
 * or a Unix epoch in seconds (or milliseconds, when it has 13 digits or more).
 */
export function parseBackupTime(text: string): Date | null {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  if (!line) return null;
  if (/^\d+(\.\d+)?$/.test(line)) {
    const n = Number(line);
    const date = new Date(line.split('.')[0]!.length >= 13 ? n : n * 1000);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(line)) return null;
  const date = new Date(line.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A value inside parsed JSON by a dotted path ("backup.finishedAt", "items.0.time"). */
export function jsonField(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A JSON field's value as an instant: ISO text or an epoch number (seconds, or ms when large). */
export function instantFromJsonValue(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value >= 1e12 ? value : value * 1000);
  if (typeof value === 'string') return parseBackupTime(value);
  return null;
}

/** What the backup probe found: the newest backup's instant, or why none was found. */
export type BackupSighting = { newest: Date; where: string } | { newest: null; why: string };

/** Judges the newest backup's age against the limit; `ranBackup` says what the backup command did. */
export function judgeBackup(
  sighting: BackupSighting,
  at: Date,
  maxAgeMinutes: number,
  ranBackup: { before: BackupSighting; exitCode: number | null; detail: string } | null = null,
): Judgement {
  const limit = formatMinutes(maxAgeMinutes);
  const prefix = ranBackup ? `${describeSighting(ranBackup.before, at)}; ran the backup command (${ranBackup.detail}); now ` : '';
  if (sighting.newest === null) {
    return { result: 'fail', measured: { newestAt: null, ageMinutes: null, maxAgeMinutes, ranBackupCommand: ranBackup !== null }, detail: `${prefix}${sighting.why}` };
  }
  const ageMinutes = Math.round(((at.getTime() - sighting.newest.getTime()) / 60_000) * 10) / 10;
  const measured = { newestAt: sighting.newest.toISOString(), ageMinutes: Math.max(0, ageMinutes), maxAgeMinutes, ranBackupCommand: ranBackup !== null };
  if (ageMinutes < -5) {
    return { result: 'warn', measured, detail: `${prefix}the newest backup (${sighting.where}) is dated ${formatMinutes(-ageMinutes)} in the future: check the clocks` };
  }
  if (ageMinutes >= maxAgeMinutes) {
    return { result: 'fail', measured, detail: `${prefix}the newest backup (${sighting.where}) is ${formatMinutes(ageMinutes)} old; the limit is ${limit}` };
  }
  return { result: 'pass', measured, detail: `${prefix}the newest backup (${sighting.where}) is ${formatMinutes(Math.max(0, ageMinutes))} old (limit ${limit})` };
}

function describeSighting(s: BackupSighting, at: Date): string {
  if (s.newest === null) return s.why;
  return `the newest backup (${s.where}) was ${formatMinutes((at.getTime() - s.newest.getTime()) / 60_000)} old`;
}

/** Is the backup too old (or missing), so that the backup command should run now? */
export function backupIsStale(sighting: BackupSighting, at: Date, maxAgeMinutes: number): boolean {
  return sighting.newest === null || (at.getTime() - sighting.newest.getTime()) / 60_000 >= maxAgeMinutes;
}

// ---- 2. Monitoring alerts active -----------------------------------------------------------------

type RuleApiRule = { type?: string; name?: string; health?: string; state?: string; lastError?: string };
type RuleApiGroup = { name?: string; rules?: RuleApiRule[] };

/**
 * Prometheus's `/api/v1/rules` answer: at least one group of alerting rules must be loaded (each
 * `requireGroups` entry by name), and every alerting rule healthy. A rule that has not been
 * evaluated yet is a warning; a rule in error fails. Alerts already firing are a warning: the
 * system is in trouble before the deploy.
 */
export function judgeAlertRules(body: unknown, requireGroups: readonly string[], source: string): Judgement {
  const data = (body as { status?: string; data?: { groups?: RuleApiGroup[] } } | null) ?? {};
  if (data.status !== 'success' || !Array.isArray(data.data?.groups)) {
    return { result: 'fail', measured: {}, detail: `${source} did not answer like Prometheus's rules API (status ${JSON.stringify(data.status ?? null)})` };
  }
  const groups = data.data.groups.map((g) => ({ name: String(g.name ?? ''), rules: (g.rules ?? []).filter((r) => r.type === 'alerting') }));
  const alerting = groups.filter((g) => g.rules.length > 0);
  const rules = alerting.flatMap((g) => g.rules);
  const broken = rules.filter((r) => r.health === 'err');
  const unknown = rules.filter((r) => r.health !== 'ok' && r.health !== 'err');
  const firing = rules.filter((r) => r.state === 'firing');
  const missing = requireGroups.filter((name) => !alerting.some((g) => g.name === name));
  const measured = { alertingGroups: alerting.length, alertingRules: rules.length, unhealthyRules: broken.length, firingAlerts: firing.length };
  const counted = `${rules.length} alerting rule${rules.length === 1 ? '' : 's'} in ${alerting.length} group${alerting.length === 1 ? '' : 's'}`;
  if (alerting.length === 0) return { result: 'fail', measured, detail: `${source} answers but has no alerting rules loaded: nobody would be alerted` };
  if (missing.length > 0) return { result: 'fail', measured, detail: `${source} has ${counted}, but not the required group${missing.length === 1 ? '' : 's'} ${missing.join(', ')}` };
  if (broken.length > 0) {
    const names = broken.map((r) => `${r.name}${r.lastError ? ` (${r.lastError})` : ''}`).join(', ');
    return { result: 'fail', measured, detail: `${source}: ${broken.length} of ${counted} fail to evaluate: ${names}` };
  }
  if (unknown.length > 0) return { result: 'warn', measured, detail: `${source}: ${unknown.length} of ${counted} not evaluated yet (${unknown.map((r) => r.name).join(', ')})` };
  if (firing.length > 0) return { result: 'warn', measured, detail: `${source}: ${counted}, all healthy, but already firing: ${firing.map((r) => r.name).join(', ')}` };
  return { result: 'pass', measured, detail: `${source}: ${counted}, all healthy, none firing` };
}

// ---- 3. On-call reachable -------------------------------------------------------------------------

export type OnCallPerson = { name: string; user: string; telegram: string | null; email: string | null; slack: string | null; phone: string | null };

export type OnCallRotation = {
  /** The local date ("YYYY-MM-DD") on which people[0]'s first shift starts. */
  start: string;
  handoverAt: LocalTime;
  everyDays: number;
  people: OnCallPerson[];
};

export type OnCallPlan = { person: OnCallPerson | null; rotation: OnCallRotation | null };

/** The channels a person can be reached on, as "telegram 12345". */
export function channelsOf(person: OnCallPerson): string[] {
  const out: string[] = [];
  if (person.telegram) out.push(`telegram ${person.telegram}`);
  if (person.email) out.push(`email ${person.email}`);
  if (person.slack) out.push(`slack ${person.slack}`);
  if (person.phone) out.push(`phone ${person.phone}`);
  return out;
}

/**
 * Who is on call at `at`: the fixed person, or the rotation's person for that shift. Shifts are
 * counted in calendar days of the system's zone, so a handover stays at its local time across
 * daylight-saving changes. Null before the rotation starts.
 */
export function onCallAt(plan: OnCallPlan, at: Date, timeZone: string): { person: OnCallPerson; shiftStart: Date | null } | null {
  if (plan.person) return { person: plan.person, shiftStart: null };
  const rotation = plan.rotation;
  if (!rotation || rotation.people.length === 0) return null;
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const [h, m] = rotation.handoverAt.split(':').map(Number) as [number, number];
  const first = DateTime.fromISO(rotation.start, { zone: timeZone }).set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (local < first) return null;
  // Whole local days since the first handover, then back one day when today's handover is still ahead.
  let days = Math.floor(local.startOf('day').diff(first.startOf('day'), 'days').days + 0.5);
  const todaysHandover = local.set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (local < todaysHandover) days -= 1;
  const shift = Math.floor(days / rotation.everyDays);
  const person = rotation.people[shift % rotation.people.length]!;
  const shiftStart = first.plus({ days: shift * rotation.everyDays }).toJSDate();
  return { person, shiftStart };
}

/** The "deploy tonight" acknowledgement of one night: asked for, and perhaps given. */
export type AckState = { requestedAt: string; deadline: string; person: string; acknowledgedAt: string | null; acknowledgedBy: string | null } | null;

/**
 * The night a deploy belongs to is named by its T1: T1 itself, or for T2 the latest T1 at or
 * before it. The on-call acknowledgement is asked for once per night, `minutes` before that T1.
 */
export function nightT1(slot: 't1' | 't2', slotAt: Date, timeZone: string, t1: LocalTime): Date {
  return slot === 't1' ? slotAt : latestSlotAtOrBefore(slotAt, timeZone, t1);
}

export function ackWindow(t1At: Date, minutes: number): { opensAt: Date; deadline: Date } {
  return { opensAt: new Date(t1At.getTime() - minutes * 60_000), deadline: t1At };
}

/**
 * On-call reachable: somebody is on call for the slot, they have a channel, and (when an
 * acknowledgement is configured) they acknowledged the night's "deploy tonight" message before
 * its deadline. Before the deadline, a missing acknowledgement is only a warning.
 */
export function judgeOnCall(input: {
  onCall: { person: OnCallPerson; shiftStart: Date | null } | null;
  slotAt: Date;
  at: Date;
  timeZone: string;
  acknowledgeWithinMinutes: number | null;
  t1At: Date;
  ack: AckState;
}): Judgement {
  const { onCall, at, timeZone } = input;
  const local = (d: Date | string) => formatLocal(new Date(d), timeZone);
  if (!onCall) {
    return { result: 'fail', measured: { person: null }, detail: `nobody is on call at ${local(input.slotAt)}: set checklist.onCall.person, or a rotation that covers it` };
  }
  const { person } = onCall;
  const channels = channelsOf(person);
  const measured: Measured = { person: person.name, channels: channels.join(', ') || null, acknowledgedAt: input.ack?.acknowledgedAt ?? null };
  if (channels.length === 0) {
    return { result: 'fail', measured, detail: `${person.name} is on call but has no channel: add telegram, email, slack or phone to them in checklist.onCall` };
  }
  const who = `${person.name} (${channels.join(', ')})`;
  const minutes = input.acknowledgeWithinMinutes;
  if (minutes === null) return { result: 'pass', measured, detail: `${who} is on call` };
  const { opensAt, deadline } = ackWindow(input.t1At, minutes);
  measured.deadline = deadline.toISOString();
  const ack = input.ack && input.ack.person === person.name ? input.ack : null;
  if (ack?.acknowledgedAt) {
    return { result: 'pass', measured, detail: `${who} is on call and acknowledged the deploy at ${local(ack.acknowledgedAt)}` };
  }
  if (at.getTime() >= deadline.getTime()) {
    const asked = ack ? `the message sent at ${local(ack.requestedAt)}` : 'the message (it went out only now)';
    return { result: 'fail', measured, detail: `${who} did not acknowledge ${asked} by ${local(deadline)}` };
  }
  if (ack) return { result: 'warn', measured, detail: `waiting for ${who} to acknowledge, until ${local(deadline)}` };
  return { result: 'warn', measured, detail: `${who} is on call; the acknowledgement is asked for at ${local(opensAt)}, ${minutes} min before T1` };
}

// ---- 4. Change freeze ------------------------------------------------------------------------------

export function judgeFreeze(state: FreezeState, at: Date, timeZone: string, evaluatedBy: string): Judgement {
  const measured: Measured = { full: state.full, modules: state.modules.join(',') || null, lunarNewYear: state.lunarNewYear, evaluatedBy };
  const until = (s: FreezeWindow) => (s.end ? ` until ${formatLocal(new Date(s.end), timeZone)}` : '');
  if (state.full) {
    const why = state.sources.filter((s) => s.scope === 'system').map((s) => `${s.label}${until(s)}`);
    return { result: 'fail', measured, detail: `frozen at ${formatLocal(at, timeZone)}: ${why.join('; ')}` };
  }
  if (state.modules.length > 0) {
    const why = state.sources.filter((s) => s.scope === 'modules').map((s) => `${s.label}${until(s)}`);
    return { result: 'warn', measured, detail: `modules ${state.modules.join(', ')} are frozen (${why.join('; ')}): their bugs wait, the others deploy` };
  }
  return { result: 'pass', measured, detail: `no freeze in force at ${formatLocal(at, timeZone)}` };
}

// ---- 5. Rollback path ---------------------------------------------------------------------------------

export type RollbackPathFacts = {
  env: 'uat' | 'prod';
  version: string | null;
  commit: string | null;
  /** The tag the environment's release carries (its release's tag, else the recorded version). */
  tag: string | null;
  /** What the tag points at in the repository; null when the tag does not exist. */
  tagCommit: string | null;
  repository: string | null;
};

export function judgeRollbackPath(f: RollbackPathFacts): Judgement {
  const env = f.env.toUpperCase();
  const measured: Measured = { version: f.version, commit: f.commit, tag: f.tag, tagCommit: f.tagCommit };
  if (!f.commit) return { result: 'fail', measured, detail: `what ${env} runs is not recorded: there is nothing known to roll back to (tonic env record, or deploy once)` };
  if (!f.tag) return { result: 'fail', measured, detail: `${env} runs ${f.commit.slice(0, 10)} with no version recorded: no tag to roll back to` };
  if (!f.repository) return { result: 'fail', measured, detail: `no repository is configured, so the tag ${f.tag} cannot be checked (set repository.path or .url)` };
  if (!f.tagCommit) return { result: 'fail', measured, detail: `${env} runs ${f.tag}, but the tag ${f.tag} does not exist in the repository: create it or record the right version` };
  if (f.tagCommit !== f.commit) {
    return { result: 'fail', measured, detail: `the tag ${f.tag} points at ${f.tagCommit.slice(0, 10)}, but ${env} runs ${f.commit.slice(0, 10)}: rolling back to the tag would deploy something else` };
  }
  return { result: 'pass', measured, detail: `${env} runs ${f.tag} (${f.commit.slice(0, 10)}); the tag exists, so the way back is known` };
}

// ---- 6. Dependent services healthy ---------------------------------------------------------------------

export type DependencyCheck = { name: string; target: string; ok: boolean; detail: string; ms: number | null };

export function judgeDependencies(checks: readonly DependencyCheck[]): Judgement {
  const down = checks.filter((c) => !c.ok);
  const measured: Measured = { checked: checks.length, down: down.length };
  for (const c of checks) measured[c.name] = c.ok ? 'ok' : 'down';
  if (checks.length === 0) return { result: 'warn', measured, detail: 'no dependent services are configured (checklist.dependencies.targets)' };
  const all = checks.map((c) => `${c.name} ${c.detail}`).join('; ');
  if (down.length > 0) return { result: 'fail', measured, detail: `${down.length} of ${checks.length} down: ${down.map((c) => `${c.name} ${c.detail}`).join('; ')}` };
  return { result: 'pass', measured, detail: `all ${checks.length} healthy: ${all}` };
}

// ---- 7. Host headroom ----------------------------------------------------------------------------------

export type HostMeasure = { diskFreePercent: number | null; memoryUsedPercent: number | null; notes: string[] };

/**
 * Reads what a host command printed: `df -Pk` output (the first filesystem row: available over
 * size), `/proc/meminfo` (MemTotal and MemAvailable), or explicit
 * `disk_free_percent=N` / `memory_used_percent=N` lines from a script of one's own.
 */
export function parseHostReport(text: string): HostMeasure {
  const notes: string[] = [];
  let diskFreePercent: number | null = null;
  let memoryUsedPercent: number | null = null;
  const explicit = (key: string) => {
    const m = new RegExp(`^\\s*${key}\\s*[=:]\\s*([0-9.]+)\\s*%?\\s*$`, 'mi').exec(text);
    return m ? Number(m[1]) : null;
  };
  diskFreePercent = explicit('disk_free_percent');
  memoryUsedPercent = explicit('memory_used_percent');

  if (diskFreePercent === null) {
    const lines = text.split('\n');
    const header = lines.findIndex((l) => /^Filesystem\s+\S+\s+Used\s+Avail(able)?\s+(Capacity|Use%)\s+Mounted on/i.test(l.trim()));
    if (header !== -1) {
      const row = lines.slice(header + 1).find((l) => l.trim() !== '');
      const cols = row?.trim().split(/\s+/) ?? [];
      // Filesystem, 1024-blocks, used, available, capacity, mounted on (the mount point may hold spaces).
      const size = Number(cols[1]);
      const avail = Number(cols[3]);
      if (cols.length >= 6 && Number.isFinite(size) && Number.isFinite(avail) && size > 0) {
        // Available over size, as node exporter's node_filesystem_avail_bytes / size_bytes: the
        // space reserved for root does not count as free.
        diskFreePercent = Math.round((avail / size) * 1000) / 10;
        notes.push(`disk ${cols.slice(5).join(' ')}: ${formatKib(avail)} available of ${formatKib(size)}`);
      }
    }
  }
  if (memoryUsedPercent === null) {
    const kib = (key: string) => {
      const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'mi').exec(text);
      return m ? Number(m[1]) : null;
    };
    const total = kib('MemTotal');
    const available = kib('MemAvailable') ?? (kib('MemFree') !== null ? (kib('MemFree') ?? 0) + (kib('Buffers') ?? 0) + (kib('Cached') ?? 0) : null);
    if (total && available !== null) {
      memoryUsedPercent = Math.round((1 - available / total) * 1000) / 10;
      notes.push(`memory: ${formatKib(total - available)} used of ${formatKib(total)}`);
    }
  }
  return { diskFreePercent, memoryUsedPercent, notes };
}

export function judgeHeadroom(m: HostMeasure, limits: { minDiskFreePercent: number; maxMemoryUsedPercent: number }, source: string): Judgement {
  const measured: Measured = {
    diskFreePercent: m.diskFreePercent,
    memoryUsedPercent: m.memoryUsedPercent,
    minDiskFreePercent: limits.minDiskFreePercent,
    maxMemoryUsedPercent: limits.maxMemoryUsedPercent,
  };
  const missing = [m.diskFreePercent === null ? 'free disk' : null, m.memoryUsedPercent === null ? 'memory use' : null].filter(Boolean);
  if (missing.length > 0) return { result: 'fail', measured, detail: `${source} did not give ${missing.join(' or ')}: ${m.notes.join('; ') || 'nothing readable in its output'}` };
  const problems: string[] = [];
  if (m.diskFreePercent! <= limits.minDiskFreePercent) problems.push(`disk ${m.diskFreePercent}% free (needs more than ${limits.minDiskFreePercent}%)`);
  if (m.memoryUsedPercent! >= limits.maxMemoryUsedPercent) problems.push(`memory ${m.memoryUsedPercent}% used (needs less than ${limits.maxMemoryUsedPercent}%)`);
  const facts = `disk ${m.diskFreePercent}% free, memory ${m.memoryUsedPercent}% used (${[source, ...m.notes].join('; ')})`;
  if (problems.length > 0) return { result: 'fail', measured, detail: `not enough headroom: ${problems.join(', ')}; ${facts}` };
  return { result: 'pass', measured, detail: facts };
}

// ---- Formatting ---------------------------------------------------------------------------------

export function formatMinutes(minutes: number): string {
  const m = Math.abs(minutes);
  if (m < 1) return 'under a minute';
  if (m < 120) return `${Math.round(m)} min`;
  if (m < 48 * 60) return `${Math.round((m / 60) * 10) / 10} h`;
  return `${Math.round((m / 1440) * 10) / 10} days`;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

function formatKib(kib: number): string {
  const gib = kib / 1024 / 1024;
  return gib >= 1 ? `${Math.round(gib * 10) / 10} GiB` : `${Math.round(kib / 1024)} MiB`;
}
