/**
 * The `checklist` section of a system in tonic.config.yaml: which of the seven probes run, how
 * each measures, and whether its failure blocks the deploy or warns. The schema validates the
 * file (with a description for every key, for the generated reference); `checkChecklist` reports
 * what a schema cannot say; `normaliseChecklist` turns it into the `ChecklistConfig` the probes use.
 */
import { resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { splitCommand } from '../../shared/split-command.ts';
import { parseLocalTime } from '../schedule/schedule-rules.ts';
import type { OnCallPerson, OnCallRotation, ProbeMode } from './checklist-rules.ts';

type Env = 'uat' | 'prod';

const Mode = Type.Union([Type.Literal('block'), Type.Literal('warn')], {
  description: 'block: a failure stops the deploy; warn: it is recorded and the deploy goes on. Default block.',
});
const Timeout = Type.Integer({ minimum: 1, maximum: 3600, examples: [30], description: 'How long the probe may take, in seconds. Default the checklist’s timeoutSeconds (20).' });
const Envs = Type.Array(Type.Union([Type.Literal('uat'), Type.Literal('prod')]), {
  minItems: 1,
  description: 'Which deploys the probe guards: uat (T1), prod (T2). Default both.',
});
const Command = (what: string, example: string[]) =>
  Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
    examples: [example],
    description: `${what} Program and arguments, run without a shell (use sh -c for pipes); placeholders {system} {env}.`,
  });
const Common = { mode: Type.Optional(Mode), timeoutSeconds: Type.Optional(Timeout), envs: Type.Optional(Envs) };

const BackupSchema = Type.Object(
  {
    ...Common,
    maxAgeHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 8760, description: 'The newest backup must be younger than this many hours. Default 24.' })),
    file: Type.Optional(Type.String({ minLength: 1, examples: ['/var/backups/shop.dump'], description: 'A backup file: its modification time is the backup time (relative to this file’s folder).' })),
    folder: Type.Optional(Type.String({ minLength: 1, examples: ['/var/backups/shop'], description: 'A folder of backups: the newest file matching pattern counts.' })),
    pattern: Type.Optional(Type.String({ minLength: 1, examples: ['shop-*.dump'], description: 'With folder: the file names to consider, a glob (*, ?, [abc], {a,b}). Default "*".' })),
    command: Type.Optional(Command('Prints the time of the newest backup (ISO-8601 or epoch seconds, last line).', ['./last-backup-time.sh', '{system}'])),
    url: Type.Optional(Type.String({ format: 'uri', examples: ['https://backups.example/shop/latest'], description: 'Answers the backup time: its Last-Modified header, or jsonField of its JSON body.' })),
    jsonField: Type.Optional(Type.String({ minLength: 1, examples: ['backup.finishedAt'], description: 'With url: dotted path of the field holding the time (ISO-8601 or epoch seconds).' })),
    backupCommand: Type.Optional(Command('Makes a backup now; runs when the newest is too old.', ['/usr/local/bin/backup-shop'])),
    backupTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'How long backupCommand may run. Default 3600.' })),
  },
  {
    additionalProperties: false,
    description:
      'DB backup confirmed: give one of file, folder, command (prints an ISO-8601 time or epoch seconds) or url. When the backup is too old, backupCommand runs now and the probe looks again.',
  },
);

const MonitoringSchema = Type.Object(
  {
    ...Common,
    prometheus: Type.Optional(Type.String({ format: 'uri', examples: ['http://prometheus.internal:9090'], description: 'Prometheus base URL: its rules API must answer with at least one healthy alerting rule group.' })),
    requireGroups: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { examples: [['shop-alerts']], description: 'With prometheus: rule groups that must be loaded.' })),
    url: Type.Optional(Type.String({ format: 'uri', examples: ['http://alertmanager.internal:9093/-/healthy'], description: 'Instead of prometheus: any URL that must answer 2xx (e.g. Alertmanager /-/healthy).' })),
  },
  { additionalProperties: false, description: 'Monitoring alerts active: give prometheus or url.' },
);

const PersonSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, examples: ['Alice'], description: 'Who this is, as messages name them.' }),
    user: Type.Optional(Type.String({ minLength: 1, examples: ['alice'], description: 'Their Tonic username, to acknowledge through the API. Default name.' })),
    telegram: Type.Optional(Type.String({ minLength: 1, examples: ['123456789'], description: 'Telegram chat id or @username.' })),
    email: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', examples: ['alice@example.com'], description: 'E-mail address.' })),
    slack: Type.Optional(Type.String({ minLength: 1, examples: ['U024BE7LH'], description: 'Slack member id or channel.' })),
    phone: Type.Optional(Type.String({ minLength: 1, examples: ['+852 5555 0100'], description: 'Phone number.' })),
  },
  { additionalProperties: false, description: 'A person and the channels they can be reached on (at least one).' },
);

const OnCallSchema = Type.Object(
  {
    ...Common,
    person: Type.Optional(PersonSchema),
    rotation: Type.Optional(
      Type.Object(
        {
          start: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', examples: ['2026-01-05'], description: 'Local date (YYYY-MM-DD) the first person’s first shift starts.' }),
          handoverAt: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', examples: ['09:00'], description: 'Local time shifts change, HH:MM. Default 09:00.' })),
          everyDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'Length of a shift in days. Default 7.' })),
          people: Type.Array(PersonSchema, { minItems: 1, description: 'In shift order; the rotation repeats.' }),
        },
        { additionalProperties: false, description: 'A rotation: each person in turn for everyDays days.' },
      ),
    ),
    acknowledgeWithinMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1440,
        examples: [30],
        description: 'When set: this many minutes before T1 the on-call person is asked to acknowledge a "deploy tonight" message, and must do so before T1.',
      }),
    ),
  },
  { additionalProperties: false, description: 'On-call admin reachable: give person or rotation.' },
);

const DependencySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, examples: ['payments'], description: 'What the service is, in reports.' }),
    http: Type.Optional(Type.String({ format: 'uri', examples: ['https://payments.example/health'], description: 'GET this URL; it must answer expectStatus, or any 2xx.' })),
    expectStatus: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, examples: [204], description: 'With http: the status it must answer.' })),
    tcp: Type.Optional(Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$', examples: ['db.internal:5432'], description: 'host:port that must accept a TCP connection.' })),
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3600, examples: [2], description: 'How long this target may take to answer, in seconds. Default the dependencies’ timeoutSeconds, else 5.' }),
    ),
  },
  { additionalProperties: false, description: 'Give http or tcp.' },
);

const HeadroomSchema = Type.Object(
  {
    ...Common,
    minDiskFreePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Free disk must be more than this. Default 20.' })),
    maxMemoryUsedPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Memory used must be less than this. Default 80.' })),
    path: Type.Optional(Type.String({ minLength: 1, examples: ['/var/lib/postgresql'], description: 'With the default command: the filesystem to measure. Default "/".' })),
    command: Type.Optional(
      Command(
        'Prints `df -Pk` output and /proc/meminfo, or disk_free_percent=N and memory_used_percent=N lines. Default this machine’s own df and meminfo.',
        ['ssh', 'deploy@app-1', 'df -Pk / && cat /proc/meminfo'],
      ),
    ),
    prometheus: Type.Optional(
      Type.Object(
        {
          url: Type.String({ format: 'uri', examples: ['http://prometheus.internal:9090'], description: 'Prometheus base URL with node exporter metrics.' }),
          instance: Type.Optional(Type.String({ minLength: 1, examples: ['web-1:9100'], description: 'The instance label of the host in node exporter metrics.' })),
          mountpoint: Type.Optional(Type.String({ minLength: 1, examples: ['/data'], description: 'The filesystem to measure. Default "/".' })),
          diskQuery: Type.Optional(Type.String({ minLength: 1, examples: ['min(100 * node_filesystem_avail_bytes / node_filesystem_size_bytes)'], description: 'PromQL giving free disk in percent, instead of the default on node_filesystem_avail_bytes.' })),
          memoryQuery: Type.Optional(Type.String({ minLength: 1, examples: ['100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)'], description: 'PromQL giving memory used in percent, instead of the default on node_memory_MemAvailable_bytes.' })),
        },
        { additionalProperties: false, description: 'Read headroom from Prometheus node metrics instead of a command.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Disk + memory OK: from a command on the host (default: this machine) or from Prometheus.' },
);

export const ChecklistSchema = Type.Object(
  {
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'Time limit of each probe in seconds, unless the probe sets its own. Default 20.' })),
    backup: Type.Optional(BackupSchema),
    monitoring: Type.Optional(MonitoringSchema),
    onCall: Type.Optional(OnCallSchema),
    freeze: Type.Optional(Type.Object(Common, { additionalProperties: false, description: 'Change freeze check: the freezes in force at the deploy instant.' })),
    rollbackPath: Type.Optional(
      Type.Object(Common, { additionalProperties: false, description: 'Rollback path clear: what the environment runs is recorded and its tag exists in the repository.' }),
    ),
    dependencies: Type.Optional(
      Type.Object(
        { ...Common, targets: Type.Array(DependencySchema, { minItems: 1, description: 'Upstream and downstream services, databases, queues.' }) },
        { additionalProperties: false, description: 'Dependent services healthy: HTTP and TCP probes.' },
      ),
    ),
    headroom: Type.Optional(HeadroomSchema),
  },
  {
    additionalProperties: false,
    description: 'The pre-deploy checklist (SEED.md), run before every T1 and T2 deploy and by `tonic check`. Only the probes given here run.',
  },
);

export type ChecklistInput = Static<typeof ChecklistSchema>;

// ---- Normalised ------------------------------------------------------------------------------------

export type ProbeCommon = { mode: ProbeMode; timeoutMs: number; envs: Env[] };

export type BackupSource =
  | { kind: 'file'; path: string }
  | { kind: 'folder'; path: string; pattern: string }
  | { kind: 'command'; command: string[] }
  | { kind: 'url'; url: string; jsonField: string | null };

export type BackupProbeConfig = ProbeCommon & { maxAgeMinutes: number; source: BackupSource; backupCommand: string[] | null; backupTimeoutMs: number; workdir: string };
export type MonitoringProbeConfig = ProbeCommon & ({ kind: 'prometheus'; url: string; requireGroups: string[] } | { kind: 'url'; url: string });
export type OnCallProbeConfig = ProbeCommon & { person: OnCallPerson | null; rotation: OnCallRotation | null; acknowledgeWithinMinutes: number | null };
export type DependencyTarget = { name: string; timeoutMs: number } & ({ kind: 'http'; url: string; expectStatus: number | null } | { kind: 'tcp'; host: string; port: number });
export type DependenciesProbeConfig = ProbeCommon & { targets: DependencyTarget[] };
export type HeadroomSource =
  | { kind: 'command'; command: string[]; label: string }
  | { kind: 'prometheus'; url: string; instance: string | null; mountpoint: string; diskQuery: string | null; memoryQuery: string | null };
export type HeadroomProbeConfig = ProbeCommon & { minDiskFreePercent: number; maxMemoryUsedPercent: number; source: HeadroomSource; workdir: string };

export type ChecklistConfig = {
  backup: BackupProbeConfig | null;
  monitoring: MonitoringProbeConfig | null;
  onCall: OnCallProbeConfig | null;
  freeze: ProbeCommon | null;
  rollbackPath: ProbeCommon | null;
  dependencies: DependenciesProbeConfig | null;
  headroom: HeadroomProbeConfig | null;
};

export const DEFAULT_PROBE_TIMEOUT_SECONDS = 20;

/** Measures the local machine: `df -Pk PATH` then /proc/meminfo. */
export function defaultHeadroomCommand(path: string): string[] {
  return ['sh', '-c', 'df -Pk "$1" && cat /proc/meminfo', 'headroom', path];
}

/** The rules a schema cannot say; `at` is the key path of the section ("systems[0].checklist"). */
export function checkChecklist(c: Partial<ChecklistInput> | null | undefined, at: string, problems: string[]): void {
  if (!c || typeof c !== 'object') return;
  const commands: [string, unknown][] = [
    [`${at}.backup.command`, c.backup?.command],
    [`${at}.backup.backupCommand`, c.backup?.backupCommand],
    [`${at}.headroom.command`, c.headroom?.command],
  ];
  for (const [path, command] of commands) {
    if (typeof command !== 'string') continue;
    try {
      if (splitCommand(command).length === 0) throw new Error('it is empty');
    } catch (error) {
      problems.push(`${path}: cannot be split into a program and arguments: ${(error as Error).message}`);
    }
  }
  const b = c.backup;
  if (b && typeof b === 'object') {
    const given = (['file', 'folder', 'command', 'url'] as const).filter((k) => b[k] !== undefined);
    if (given.length !== 1) {
      problems.push(
        `${at}.backup: give exactly one of file, folder, command or url to find the newest backup (${given.length === 0 ? 'none given' : `got ${given.join(' and ')}`})`,
      );
    }
    if (b.pattern !== undefined && b.folder === undefined) problems.push(`${at}.backup.pattern: only means something with folder`);
    if (b.jsonField !== undefined && b.url === undefined) problems.push(`${at}.backup.jsonField: only means something with url`);
  }
  const m = c.monitoring;
  if (m && typeof m === 'object') {
    if ((m.prometheus === undefined) === (m.url === undefined)) problems.push(`${at}.monitoring: give either prometheus (its rules API is checked) or url (must answer 2xx), not ${m.url ? 'both' : 'neither'}`);
    if (m.requireGroups !== undefined && m.prometheus === undefined) problems.push(`${at}.monitoring.requireGroups: only means something with prometheus`);
  }
  const o = c.onCall;
  if (o && typeof o === 'object') {
    if ((o.person === undefined) === (o.rotation === undefined)) {
      problems.push(`${at}.onCall: give either person (always on call) or rotation, not ${o.person ? 'both' : 'neither'}`);
    }
    const rotation = o.rotation;
    if (rotation && typeof rotation.start === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(rotation.start)) {
      const [y, mo, d] = rotation.start.split('-').map(Number) as [number, number, number];
      const date = new Date(Date.UTC(y, mo - 1, d));
      if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) problems.push(`${at}.onCall.rotation.start: "${rotation.start}" is not a calendar date`);
    }
    if (rotation?.handoverAt !== undefined && parseLocalTime(rotation.handoverAt) === null) problems.push(`${at}.onCall.rotation.handoverAt: expected HH:MM`);
  }
  const targets = c.dependencies?.targets;
  if (Array.isArray(targets)) {
    targets.forEach((t, i) => {
      if (!t || typeof t !== 'object') return;
      if ((t.http === undefined) === (t.tcp === undefined)) problems.push(`${at}.dependencies.targets[${i}]: give either http (a URL) or tcp (host:port), not ${t.http ? 'both' : 'neither'}`);
      if (t.expectStatus !== undefined && t.http === undefined) problems.push(`${at}.dependencies.targets[${i}].expectStatus: only means something with http`);
      if (typeof t.tcp === 'string') {
        const port = Number(t.tcp.slice(t.tcp.lastIndexOf(':') + 1));
        if (port < 1 || port > 65535) problems.push(`${at}.dependencies.targets[${i}].tcp: port ${port} is not from 1 to 65535`);
      }
    });
    const names = targets.map((t) => t?.name);
    const dup = names.find((n, i) => n !== undefined && names.indexOf(n) !== i);
    if (dup) problems.push(`${at}.dependencies.targets: the name "${dup}" is used twice`);
  }
  const h = c.headroom;
  if (h && typeof h === 'object') {
    if (h.command !== undefined && h.prometheus !== undefined) problems.push(`${at}.headroom: give command or prometheus, not both`);
    if (h.path !== undefined && (h.command !== undefined || h.prometheus !== undefined)) problems.push(`${at}.headroom.path: only means something with the default command`);
  }
}

function command(value: string | string[]): string[] {
  return typeof value === 'string' ? splitCommand(value) : [...value];
}

function person(p: Static<typeof PersonSchema>): OnCallPerson {
  return { name: p.name, user: p.user ?? p.name, telegram: p.telegram ?? null, email: p.email ?? null, slack: p.slack ?? null, phone: p.phone ?? null };
}

/** The validated section as the probes use it; file paths relative to the configuration's folder. */
export function normaliseChecklist(c: ChecklistInput | undefined, baseDir: string): ChecklistConfig | null {
  if (!c) return null;
  const defaultTimeout = (c.timeoutSeconds ?? DEFAULT_PROBE_TIMEOUT_SECONDS) * 1000;
  const common = (p: { mode?: ProbeMode; timeoutSeconds?: number; envs?: Env[] }): ProbeCommon => ({
    mode: p.mode ?? 'block',
    timeoutMs: p.timeoutSeconds ? p.timeoutSeconds * 1000 : defaultTimeout,
    envs: p.envs ? [...new Set(p.envs)] : ['uat', 'prod'],
  });
  const b = c.backup;
  const m = c.monitoring;
  const o = c.onCall;
  const h = c.headroom;
  return {
    backup: b
      ? {
          ...common(b),
          maxAgeMinutes: (b.maxAgeHours ?? 24) * 60,
          source: b.file
            ? { kind: 'file', path: resolve(baseDir, b.file) }
            : b.folder
              ? { kind: 'folder', path: resolve(baseDir, b.folder), pattern: b.pattern ?? '*' }
              : b.command
                ? { kind: 'command', command: command(b.command) }
                : { kind: 'url', url: b.url!, jsonField: b.jsonField ?? null },
          backupCommand: b.backupCommand ? command(b.backupCommand) : null,
          backupTimeoutMs: (b.backupTimeoutSeconds ?? 3600) * 1000,
          workdir: baseDir,
        }
      : null,
    monitoring: m
      ? m.prometheus
        ? { ...common(m), kind: 'prometheus', url: m.prometheus, requireGroups: [...(m.requireGroups ?? [])] }
        : { ...common(m), kind: 'url', url: m.url! }
      : null,
    onCall: o
      ? {
          ...common(o),
          person: o.person ? person(o.person) : null,
          rotation: o.rotation
            ? { start: o.rotation.start, handoverAt: o.rotation.handoverAt ?? '09:00', everyDays: o.rotation.everyDays ?? 7, people: o.rotation.people.map(person) }
            : null,
          acknowledgeWithinMinutes: o.acknowledgeWithinMinutes ?? null,
        }
      : null,
    freeze: c.freeze ? common(c.freeze) : null,
    rollbackPath: c.rollbackPath ? common(c.rollbackPath) : null,
    dependencies: c.dependencies
      ? {
          ...common(c.dependencies),
          targets: c.dependencies.targets.map((t): DependencyTarget => {
            const timeoutMs = t.timeoutSeconds ? t.timeoutSeconds * 1000 : (c.dependencies!.timeoutSeconds ?? 5) * 1000;
            if (t.http) return { name: t.name, timeoutMs, kind: 'http', url: t.http, expectStatus: t.expectStatus ?? null };
            const colon = t.tcp!.lastIndexOf(':');
            return { name: t.name, timeoutMs, kind: 'tcp', host: t.tcp!.slice(0, colon), port: Number(t.tcp!.slice(colon + 1)) };
          }),
        }
      : null,
    headroom: h
      ? {
          ...common(h),
          minDiskFreePercent: h.minDiskFreePercent ?? 20,
          maxMemoryUsedPercent: h.maxMemoryUsedPercent ?? 80,
          source: h.prometheus
            ? {
                kind: 'prometheus',
                url: h.prometheus.url,
                instance: h.prometheus.instance ?? null,
                mountpoint: h.prometheus.mountpoint ?? '/',
                diskQuery: h.prometheus.diskQuery ?? null,
                memoryQuery: h.prometheus.memoryQuery ?? null,
              }
            : h.command
              ? { kind: 'command', command: command(h.command), label: `\`${command(h.command).join(' ').slice(0, 60)}\`` }
              : { kind: 'command', command: defaultHeadroomCommand(h.path ?? '/'), label: `this host (df -Pk ${h.path ?? '/'}, /proc/meminfo)` },
          workdir: baseDir,
        }
      : null,
  };
}
