/**
 * Reads and validates tonic.config.yaml. Every problem is reported at once, each naming the file,
 * the key path and what is wrong; nothing starts on an invalid file.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseDocument } from 'yaml';
import { DEFAULT_PIPELINE_SEVERITIES } from '../features/bugs/bug-rules.ts';
import { checkChecklist, normaliseChecklist, type ChecklistConfig } from '../features/checklists/checklist-config.ts';
import type { Severity } from '../features/bugs/bug-statuses.ts';
import { holidayCalendarProblem, isLocalDate } from '../features/freezes/freeze-calendar.ts';
import { FREEZE_INSTANT_HINT, LUNAR_NEW_YEAR_DAYS, NO_FREEZE_CONFIG, parseFreezeInstant, type FreezeConfig } from '../features/freezes/freeze-rules.ts';
import { DEFAULT_HOTFIX_POLICY, type HotfixPolicy } from '../features/hotfixes/hotfix-rules.ts';
import { ROLES, type Role } from '../features/identity/roles.ts';
import { monitoringProblems, resolveMonitoringSettings, type MonitoringSettings } from '../features/monitoring/monitoring-rules.ts';
import { isValidTimeZone, minutesBetween } from '../features/schedule/schedule-rules.ts';
import { checkServices } from '../features/services/service-config.ts';
import { smokeStepProblems, type SmokeConfig, type SmokeExpect, type SmokeMethod, type SmokePlan, type SmokeStep } from '../features/smoke/smoke-rules.ts';
import { splitCommand } from '../shared/split-command.ts';
import { ConfigSchema, DEFAULT_NEVER_SEND, MonitoringSchema, type ConfigInput, type ServiceInput, type SystemConfigInput } from './config-schema.ts';
import { checkChannelDefaults, checkChannels, normaliseChannelDefaults, normaliseChannels, type ChannelConfig, type ChannelDefaults } from './channels-config.ts';

export type SystemConfig = {
  name: string;
  title: string;
  timeZone: string;
  t1: string;
  t2: string;
  /** Absolute path of the system's local git repository, when configured. */
  repositoryPath: string | null;
  /** A remote to clone (into TONIC_HOME/repos/<system>) instead of a local path. */
  repositoryUrl: string | null;
  fixBranch: string | null;
  push: boolean;
  environments: Record<'uat' | 'prod', EnvironmentConfig>;
  minGapMinutes: number;
  graceMinutes: number;
  modules: string[];
  pipelineSeverities: Severity[];
  people: Record<Role, string[]>;
  allowSelfApproval: boolean;
  /** Change freezes of this system (section `freeze`); the environment's DEPLOY_FREEZE* apply too. */
  freeze: FreezeConfig;
  /** Smoke steps after every deploy and rollback; absent or null when none are configured. */
  smoke?: SmokeConfig | null;
  rollback?: RollbackConfig;
  /** Emergency hotfixes: priorities, SLA, incident reviews (section `hotfix`). */
  hotfix: HotfixPolicy;
  /** The pre-deploy checklist; absent or null: no checklist runs. */
  checklist?: ChecklistConfig | null;
  /** Where the system's notifications go (empty: kept in the outbox, delivered nowhere). */
  channels: ChannelConfig[];
  /** Who analyses a bug's fix at T1: the built-in diff analysis, or a language model with it as fallback. */
  analyzer: AnalyzerConfig;
  /** Post-deploy monitoring with SEED.md's defaults filled in; absent means all defaults. */
  monitoring?: MonitoringSettings;
  /**
   * The system's services (section `services`), when it declares them: releases then deploy service
   * by service. Absent: the system is one service, deployed by its environments' driver as before.
   */
  services?: ServiceConfig[];
};

/** One service of a multi-service system, with the environment's driver filled in where it has none. */
export type ServiceConfig = {
  name: string;
  /** Globs of its files in the repository. */
  paths: string[];
  dependsOn: string[];
  /** It holds the database migrations: deploys first, rolled back last with `downMigration`. */
  migrations: boolean;
  downMigration: { command: string[]; workdir: string | null; timeoutMs: number } | null;
  environments: Record<'uat' | 'prod', ServiceEnvironmentConfig>;
  /** Its own smoke steps per environment (base URL resolved); null when it has none. */
  smoke: Record<'uat' | 'prod', SmokePlan> | null;
};

export type ServiceEnvironmentConfig = { url: string; deploy: DeployConfig | null; health: HealthConfig | null };

export type DownMigrationConfig = { command: string[]; migrationPaths: string[]; workdir: string | null; timeoutMs: number };

export type RollbackConfig = { dbaContact: string | null; downMigration: DownMigrationConfig | null; validationMs: number };

/** What a system without a `rollback` section gets. */
export const DEFAULT_ROLLBACK: RollbackConfig = { dbaContact: null, downMigration: null, validationMs: 5 * 60_000 };

export type AnalyzerConfig =
  | { provider: 'builtin' }
  | {
      provider: 'openai-compatible';
      /** Without a trailing slash; requests go to `${baseUrl}/chat/completions`. */
      baseUrl: string;
      model: string;
      apiKey: string | null;
      /** Azure OpenAI: the api-version query parameter; the key then goes in the api-key header. */
      apiVersion: string | null;
      timeoutMs: number;
      maxInputChars: number;
      /** The configured globs plus DEFAULT_NEVER_SEND. */
      neverSend: string[];
      responseFormat: 'json_object' | 'json_schema';
    };

export type DeployConfig =
  | { driver: 'command'; command: string[]; workdir: string | null; timeoutMs: number; env: Record<string, string> }
  | { driver: 'webhook'; url: string; secret: string; timeoutMs: number; pollIntervalMs: number };

export type HealthConfig = { url: string; expectStatus: number; expectVersion: boolean; timeoutMs: number };

export type EnvironmentConfig = { url: string; line: string; deploy: DeployConfig | null; health: HealthConfig | null };

export type TonicConfig = {
  file: string;
  systems: SystemConfig[];
  /** What every system's channels share (bots, SMTP, retries); defaults when absent. */
  channels?: ChannelDefaults;
};

if (!FormatRegistry.Has('uri')) {
  FormatRegistry.Set('uri', (value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  });
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Minimum gap between T1 and T2 so that people can validate (SEED.md: 1 to 2 hours). */
export const MIN_T1_T2_GAP_MINUTES = 60;

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): TonicConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found (run `tonic init` to write a starter file)' : String(error);
    throw new ConfigError(file, [reason]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): TonicConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
  }
  const problems: string[] = [];
  const raw = interpolate(doc.toJS(), '', env, problems);

  // One problem per key is enough to act on.
  const reported = new Set(problems.map((p) => p.slice(0, p.indexOf(': '))));
  for (const e of Value.Check(ConfigSchema, raw) ? [] : Value.Errors(ConfigSchema, raw)) {
    const path = keyPath(e.path);
    if (reported.has(path)) continue;
    reported.add(path);
    problems.push(`${path}: ${describe(e)}`);
    if (reported.size >= 20) break;
  }
  // The rules a schema cannot say run on whatever parts of the file are well-formed, so that one
  // pass reports every kind of problem.
  const systems = (raw as { systems?: unknown } | null)?.systems;
  const channelDefaults = (raw as { channels?: ConfigInput['channels'] } | null)?.channels;
  checkChannelDefaults(channelDefaults, problems);
  if (Array.isArray(systems)) {
    const seen = new Set<string>();
    systems.forEach((s: Partial<SystemConfigInput> | null, i) => {
      if (!s || typeof s !== 'object') return;
      if (typeof s.name === 'string') {
        if (seen.has(s.name)) problems.push(`systems[${i}].name: "${s.name}" is declared twice; system names must be unique`);
        seen.add(s.name);
      }
      checkSystem(s, `systems[${i}]`, problems);
      checkChannels(s.channels, `systems[${i}].channels`, channelDefaults, problems);
    });
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  const input = raw as ConfigInput;
  const baseDir = dirname(resolve(file));
  const channels = normaliseChannelDefaults(input.channels);
  return { file: resolve(file), systems: input.systems.map((s) => normalise(s, baseDir, channels)), channels };
}

function checkSystem(s: Partial<SystemConfigInput>, at: string, problems: string[]): void {
  if (typeof s.timeZone === 'string' && !isValidTimeZone(s.timeZone)) {
    problems.push(`${at}.timeZone: "${s.timeZone}" is not an IANA time zone (for example Asia/Hong_Kong, Europe/London)`);
  }
  const gap = s.schedule ? (minutesBetween(s.schedule.t1, s.schedule.t2) + 24 * 60) % (24 * 60) : Number.NaN;
  const minGap = s.schedule?.minGapMinutes ?? MIN_T1_T2_GAP_MINUTES;
  if (s.schedule && gap < minGap) {
    problems.push(
      `${at}.schedule: T1 ${s.schedule.t1} and T2 ${s.schedule.t2} are ${gap} minutes apart; ` +
        `leave at least ${minGap} minutes for people to validate UAT (schedule.minGapMinutes)`,
    );
  }
  if (s.repository && typeof s.repository === 'object' && !s.repository.path === !s.repository.url) {
    problems.push(`${at}.repository: give either path (a local repository) or url (a remote to clone), not ${s.repository.path ? 'both' : 'neither'}`);
  }
  for (const env of ['uat', 'prod'] as const) {
    const deploy = s.environments?.[env]?.deploy;
    if (deploy?.driver === 'command') {
      try {
        if (typeof deploy.command === 'string' && splitCommand(deploy.command).length === 0) throw new Error('it is empty');
      } catch (error) {
        problems.push(`${at}.environments.${env}.deploy.command: cannot be split into a program and arguments: ${(error as Error).message}`);
      }
    }
  }
  const down = s.rollback?.downMigration;
  if (down && typeof down.command === 'string') {
    try {
      if (splitCommand(down.command).length === 0) throw new Error('it is empty');
    } catch (error) {
      problems.push(`${at}.rollback.downMigration.command: cannot be split into a program and arguments: ${(error as Error).message}`);
    }
  }
  if (s.smoke && typeof s.smoke === 'object') {
    problems.push(...smokeStepProblems(s.smoke.steps, `${at}.smoke.steps`));
    for (const env of ['uat', 'prod'] as const) problems.push(...smokeStepProblems(s.smoke[env]?.steps, `${at}.smoke.${env}.steps`));
    if (!s.smoke.steps && !s.smoke.uat?.steps && !s.smoke.prod?.steps) problems.push(`${at}.smoke: give steps (shared by both environments) or uat.steps / prod.steps`);
    for (const step of [...(s.smoke.steps ?? []), ...(s.smoke.uat?.steps ?? []), ...(s.smoke.prod?.steps ?? [])]) {
      if (step && typeof step.command === 'string') {
        try {
          splitCommand(step.command);
        } catch (error) {
          problems.push(`${at}.smoke: step "${step.name}" command cannot be split into a program and arguments: ${(error as Error).message}`);
        }
      }
    }
  }
  if (s.environments?.uat?.url && s.environments.uat.url === s.environments.prod?.url) {
    problems.push(`${at}.environments: uat and prod have the same url; they must be two environments`);
  }
  checkAnalyzer(s.analyzer, `${at}.analyzer`, problems);
  checkChecklist(s.checklist, `${at}.checklist`, problems);
  checkServices(s, at, problems);
  // Only a well-formed section: its shape problems are already reported by the schema.
  if (s.monitoring && Value.Check(MonitoringSchema, s.monitoring)) {
    for (const problem of monitoringProblems(s.monitoring)) problems.push(`${at}.monitoring.${problem}`);
  }
  const modules = Array.isArray(s.modules) ? s.modules : [];
  const dup = modules.find((m, i) => modules.indexOf(m) !== i);
  if (dup) problems.push(`${at}.modules: "${dup}" is listed twice`);
  if (s.freeze && typeof s.freeze === 'object') checkFreeze(s, `${at}.freeze`, problems);
}

/** The freeze rules a schema cannot say: modules of this system, real dates, known holiday calendars, windows in order. */
function checkFreeze(s: Partial<SystemConfigInput>, at: string, problems: string[]): void {
  const f = s.freeze!;
  const known = Array.isArray(s.modules) ? s.modules : [];
  const zone = typeof s.timeZone === 'string' && isValidTimeZone(s.timeZone) ? s.timeZone : null;
  const checkModules = (list: unknown, path: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((m, i) => {
      if (typeof m === 'string' && !known.includes(m)) {
        problems.push(`${path}[${i}]: "${m}" is not a module of this system; ${known.length ? `its modules: ${known.join(', ')}` : 'declare it in modules first'}`);
      }
    });
  };
  checkModules(f.modules, `${at}.modules`);
  checkModules(f.monthEndClose?.modules, `${at}.monthEndClose.modules`);
  if (typeof f.until === 'string' && !isLocalDate(f.until)) {
    problems.push(`${at}.until: "${f.until}" is not a date: write YYYY-MM-DD, the day the freeze lifts at 00:00 in the system's time zone (or remove the key)`);
  }
  if (f.holidays && typeof f.holidays.country === 'string') {
    const region = typeof f.holidays.region === 'string' ? f.holidays.region : null;
    const problem = holidayCalendarProblem(f.holidays.country, region);
    if (problem) problems.push(`${at}.holidays.${region !== null && problem.startsWith(`"${region}"`) ? 'region' : 'country'}: ${problem}`);
  }
  const live = f.goLive;
  if (live && typeof live.start === 'string' && typeof live.end === 'string') {
    for (const key of ['start', 'end'] as const) {
      if (!isLocalDate(live[key])) problems.push(`${at}.goLive.${key}: "${live[key]}" is not a date: write YYYY-MM-DD`);
    }
    if (isLocalDate(live.start) && isLocalDate(live.end) && live.end < live.start) {
      problems.push(`${at}.goLive: end ${live.end} is before start ${live.start}`);
    }
  }
  if (Array.isArray(f.windows) && zone) {
    f.windows.forEach((w, i) => {
      if (!w || typeof w !== 'object') return;
      checkModules(w.modules, `${at}.windows[${i}].modules`);
      const start = typeof w.start === 'string' ? parseFreezeInstant(w.start, zone) : null;
      const end = typeof w.end === 'string' ? parseFreezeInstant(w.end, zone) : null;
      if (typeof w.start === 'string' && !start) problems.push(`${at}.windows[${i}].start: "${w.start}" is not a date or time: ${FREEZE_INSTANT_HINT}`);
      if (typeof w.end === 'string' && !end) problems.push(`${at}.windows[${i}].end: "${w.end}" is not a date or time: ${FREEZE_INSTANT_HINT}`);
      if (start && end && end <= start) problems.push(`${at}.windows[${i}]: end ${w.end} is not after start ${w.start}`);
    });
  }
}

function freezeConfig(f: SystemConfigInput['freeze'], timeZone: string): FreezeConfig {
  if (!f) return NO_FREEZE_CONFIG;
  const hasFlags = f.all !== undefined || (f.modules?.length ?? 0) > 0 || f.until !== undefined;
  return {
    flags: hasFlags ? { all: f.all ?? null, modules: [...new Set(f.modules ?? [])].sort(), until: f.until ?? null } : null,
    holidays: f.holidays ? { country: f.holidays.country, region: f.holidays.region ?? null, types: [...new Set(f.holidays.types ?? ['public' as const])] } : null,
    lunarNewYear: f.lunarNewYear ? { days: f.lunarNewYear.days ?? LUNAR_NEW_YEAR_DAYS } : null,
    monthEndClose: f.monthEndClose ? { businessDays: f.monthEndClose.businessDays, modules: [...new Set(f.monthEndClose.modules)].sort() } : null,
    goLive: f.goLive ? { start: f.goLive.start, end: f.goLive.end, label: f.goLive.label ?? 'client go-live' } : null,
    windows: (f.windows ?? []).map((w) => ({
      start: parseFreezeInstant(w.start, timeZone)!.toISOString(),
      end: parseFreezeInstant(w.end, timeZone)!.toISOString(),
      modules: [...new Set(w.modules ?? [])].sort(),
      reason: w.reason,
    })),
  };
}

/** What the schema cannot say about `analyzer`: the keys a model endpoint needs, and a usable base URL. */
function checkAnalyzer(a: SystemConfigInput['analyzer'] | null | undefined, at: string, problems: string[]): void {
  if (!a || typeof a !== 'object' || a.provider !== 'openai-compatible') return;
  if (a.baseUrl === undefined) {
    problems.push(`${at}.baseUrl: required when provider is openai-compatible: the endpoint base, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama)`);
  } else if (typeof a.baseUrl === 'string') {
    if (/\/chat\/completions\/?$/.test(a.baseUrl)) problems.push(`${at}.baseUrl: give the base without /chat/completions (Tonic adds it), e.g. https://api.openai.com/v1`);
    else if (/[?#]/.test(a.baseUrl)) problems.push(`${at}.baseUrl: must not carry a query string or fragment; for Azure OpenAI set apiVersion instead`);
  }
  if (a.model === undefined) problems.push(`${at}.model: required when provider is openai-compatible: the model name the endpoint serves, e.g. gpt-4o-mini or llama3.1`);
  if (a.apiKey === '') problems.push(`${at}.apiKey: is empty (an environment variable set to nothing?); remove the key for a server that needs none`);
}

function analyzer(a: SystemConfigInput['analyzer']): AnalyzerConfig {
  if (!a || a.provider === 'builtin') return { provider: 'builtin' };
  return {
    provider: 'openai-compatible',
    baseUrl: a.baseUrl!.replace(/\/+$/, ''),
    model: a.model!,
    apiKey: a.apiKey ?? null,
    apiVersion: a.apiVersion ?? null,
    timeoutMs: (a.timeoutSeconds ?? 60) * 1000,
    maxInputChars: a.maxInputChars ?? 40_000,
    neverSend: [...new Set([...DEFAULT_NEVER_SEND, ...(a.neverSend ?? [])])],
    responseFormat: a.responseFormat ?? 'json_object',
  };
}

function normalise(s: SystemConfigInput, baseDir: string, channels: ChannelDefaults): SystemConfig {
  const people = Object.fromEntries(ROLES.map((r) => [r, [...(s.people?.[r] ?? [])]])) as Record<Role, string[]>;
  return {
    name: s.name,
    title: s.title ?? s.name,
    timeZone: s.timeZone,
    t1: s.schedule.t1,
    t2: s.schedule.t2,
    repositoryPath: s.repository?.path ? resolve(baseDir, s.repository.path) : null,
    repositoryUrl: s.repository?.url ?? null,
    fixBranch: s.repository?.fixBranch ?? null,
    push: s.repository?.push ?? Boolean(s.repository?.url),
    environments: { uat: environment(s.environments.uat, baseDir), prod: environment(s.environments.prod, baseDir) },
    minGapMinutes: s.schedule.minGapMinutes ?? MIN_T1_T2_GAP_MINUTES,
    graceMinutes: s.schedule.graceMinutes ?? 30,
    modules: [...(s.modules ?? [])],
    pipelineSeverities: [...new Set(s.severityPolicy?.pipeline ?? DEFAULT_PIPELINE_SEVERITIES)],
    people,
    allowSelfApproval: s.approvals?.allowSelfApproval ?? false,
    freeze: freezeConfig(s.freeze, s.timeZone),
    hotfix: {
      priorities: { ...DEFAULT_HOTFIX_POLICY.priorities, ...s.hotfix?.priorities },
      slaMinutes: { ...DEFAULT_HOTFIX_POLICY.slaMinutes, ...s.hotfix?.slaMinutes },
      reviewWithinHours: { ...(s.hotfix?.reviewWithinHours ?? DEFAULT_HOTFIX_POLICY.reviewWithinHours) },
    },
    ...(s.checklist ? { checklist: normaliseChecklist(s.checklist, baseDir) } : {}),
    channels: normaliseChannels(s.channels, channels),
    analyzer: analyzer(s.analyzer),
    // Only when configured: a system without these sections gets none (DEFAULT_ROLLBACK applies).
    ...(s.smoke ? { smoke: smoke(s) } : {}),
    ...(s.rollback ? { rollback: rollback(s.rollback, baseDir) } : {}),
    ...(s.monitoring ? { monitoring: resolveMonitoringSettings(s.monitoring) } : {}),
    ...(s.services ? { services: s.services.map((svc) => service(svc, s, baseDir)) } : {}),
  };
}

type SmokeInput = NonNullable<SystemConfigInput['smoke']>;
type SmokeStepInput = NonNullable<SmokeInput['steps']>[number];

function smoke(s: SystemConfigInput): SmokeConfig | null {
  const input = s.smoke;
  if (!input) return null;
  const plan = (env: 'uat' | 'prod') => {
    const url = s.environments[env].url.replace(/\/$/, '');
    const base = input[env]?.baseUrl ?? input.baseUrl ?? '{url}';
    return { baseUrl: base.replaceAll('{env}', env).replaceAll('{url}', url).replace(/\/$/, ''), steps: (input[env]?.steps ?? input.steps ?? []).map(smokeStep) };
  };
  return { onFailure: input.onFailure ?? 'rollback', environments: { uat: plan('uat'), prod: plan('prod') } };
}

function smokeStep(step: SmokeStepInput): SmokeStep {
  const e = step.expect ?? {};
  const expect: SmokeExpect = {
    status: e.status === undefined ? null : Array.isArray(e.status) ? [...e.status] : [e.status],
    json: (e.json ?? []).map((j) => ({ ...j })),
    text: e.text ?? null,
    maxLatencyMs: e.maxLatencyMs ?? null,
    exitCode: e.exitCode ?? null,
  };
  const timeoutMs = (step.timeoutSeconds ?? 15) * 1000;
  if (step.request) {
    const r = step.request;
    return { kind: 'http', name: step.name, method: (r.method ?? 'GET') as SmokeMethod, path: r.path, headers: { ...r.headers }, json: r.json, capture: { ...step.capture }, expect, timeoutMs };
  }
  const command = typeof step.command === 'string' ? splitCommand(step.command) : [...(step.command ?? [])];
  return { kind: 'command', name: step.name, command, expect, timeoutMs };
}

function rollback(r: SystemConfigInput['rollback'], baseDir: string): RollbackConfig {
  const d = r?.downMigration;
  return {
    dbaContact: r?.dbaContact ?? null,
    downMigration: d
      ? {
          command: typeof d.command === 'string' ? splitCommand(d.command) : [...d.command],
          migrationPaths: [...d.migrationPaths],
          workdir: d.workdir ? resolve(baseDir, d.workdir) : null,
          timeoutMs: (d.timeoutSeconds ?? 600) * 1000,
        }
      : null,
    validationMs: (r?.validationMinutes ?? 5) * 60_000,
  };
}

type DeployInput = NonNullable<SystemConfigInput['environments']['uat']['deploy']>;
type HealthInput = NonNullable<SystemConfigInput['environments']['uat']['health']>;

function deployConfig(d: DeployInput, baseDir: string): DeployConfig {
  return d.driver === 'command'
    ? {
        driver: 'command',
        command: typeof d.command === 'string' ? splitCommand(d.command) : [...d.command],
        workdir: d.workdir ? resolve(baseDir, d.workdir) : null,
        timeoutMs: (d.timeoutSeconds ?? 600) * 1000,
        env: { ...d.env },
      }
    : { driver: 'webhook', url: d.url, secret: d.secret, timeoutMs: (d.timeoutSeconds ?? 600) * 1000, pollIntervalMs: (d.pollIntervalSeconds ?? 5) * 1000 };
}

function healthConfig(h: HealthInput): HealthConfig {
  return { url: h.url, expectStatus: h.expectStatus ?? 200, expectVersion: h.expectVersion ?? true, timeoutMs: (h.timeoutSeconds ?? 60) * 1000 };
}

function environment(e: SystemConfigInput['environments']['uat'], baseDir: string): EnvironmentConfig {
  return { url: e.url, line: e.line, deploy: e.deploy ? deployConfig(e.deploy, baseDir) : null, health: e.health ? healthConfig(e.health) : null };
}

/**
 * A service with what it does not say filled in from its system: the environment's deploy driver
 * (its command gets {service}), the environment's url, and (a system of one service) its health check.
 */
function service(svc: ServiceInput, s: SystemConfigInput, baseDir: string): ServiceConfig {
  const env = (name: 'uat' | 'prod'): ServiceEnvironmentConfig => {
    const own = svc.environments?.[name];
    const system = environment(s.environments[name], baseDir);
    return {
      url: (own?.url ?? system.url).replace(/\/$/, ''),
      deploy: own?.deploy ? deployConfig(own.deploy, baseDir) : system.deploy,
      health: own?.health ? healthConfig(own.health) : s.services!.length === 1 ? system.health : null,
    };
  };
  const environments = { uat: env('uat'), prod: env('prod') };
  const input = svc.smoke;
  const plan = (name: 'uat' | 'prod'): SmokePlan => {
    const url = environments[name].url;
    const base = input?.[name]?.baseUrl ?? input?.baseUrl ?? '{url}';
    return { baseUrl: base.replaceAll('{env}', name).replaceAll('{url}', url).replace(/\/$/, ''), steps: (input?.[name]?.steps ?? input?.steps ?? []).map(smokeStep) };
  };
  const d = svc.downMigration;
  return {
    name: svc.name,
    paths: [...svc.paths],
    dependsOn: [...new Set(svc.dependsOn ?? [])],
    migrations: svc.migrations ?? false,
    downMigration: d
      ? { command: typeof d.command === 'string' ? splitCommand(d.command) : [...d.command], workdir: d.workdir ? resolve(baseDir, d.workdir) : null, timeoutMs: (d.timeoutSeconds ?? 600) * 1000 }
      : null,
    environments,
    smoke: input ? { uat: plan('uat'), prod: plan('prod') } : null,
  };
}

/** `${NAME}` in a string value is replaced by that environment variable: secrets stay out of the file. */
function interpolate(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) {
        problems.push(`${path || '(root)'}: uses \${${name}} but the environment variable ${name} is not set`);
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${path}[${i}]`, env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, path ? `${path}.${k}` : k, env, problems)]));
  }
  return value;
}

/** "/systems/0/timeZone" → "systems[0].timeZone" */
function keyPath(pointer: string): string {
  if (!pointer) return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(e: { message: string; value: unknown; schema: { format?: string; description?: string; anyOf?: { const?: unknown }[] } }): string {
  if (e.message === 'Unexpected property') return 'unknown key: remove it or check its spelling';
  if (e.value === undefined) return `required key is missing${e.schema.description ? ` (${e.schema.description})` : ''}`;
  const choices = e.schema.anyOf?.every((o) => o.const !== undefined) ? e.schema.anyOf.map((o) => String(o.const)) : null;
  const message = choices ? `must be one of ${choices.join(', ')}` : e.schema.format === 'uri' ? 'expected an http(s) URL' : e.message.toLowerCase();
  const hint = e.schema.description ? ` (${e.schema.description})` : '';
  return `${message}, got ${JSON.stringify(e.value)?.slice(0, 80)}${hint}`;
}
