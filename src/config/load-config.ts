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
import type { Severity } from '../features/bugs/bug-statuses.ts';
import { ROLES, type Role } from '../features/identity/roles.ts';
import { monitoringProblems, resolveMonitoringSettings, type MonitoringSettings } from '../features/monitoring/monitoring-rules.ts';
import { isValidTimeZone, minutesBetween } from '../features/schedule/schedule-rules.ts';
import { splitCommand } from '../shared/split-command.ts';
import { ConfigSchema, DEFAULT_NEVER_SEND, MonitoringSchema, type ConfigInput, type SystemConfigInput } from './config-schema.ts';

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
  /** Post-deploy monitoring with SEED.md's defaults filled in; absent means all defaults. */
  monitoring?: MonitoringSettings;
  /** Who analyses a bug's fix at T1: the built-in diff analysis, or a language model with it as fallback. */
  analyzer: AnalyzerConfig;
};

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

export type TonicConfig = { file: string; systems: SystemConfig[] };

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
  if (Array.isArray(systems)) {
    const seen = new Set<string>();
    systems.forEach((s: Partial<SystemConfigInput> | null, i) => {
      if (!s || typeof s !== 'object') return;
      if (typeof s.name === 'string') {
        if (seen.has(s.name)) problems.push(`systems[${i}].name: "${s.name}" is declared twice; system names must be unique`);
        seen.add(s.name);
      }
      checkSystem(s, `systems[${i}]`, problems);
    });
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  const input = raw as ConfigInput;
  const baseDir = dirname(resolve(file));
  return { file: resolve(file), systems: input.systems.map((s) => normalise(s, baseDir)) };
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
  if (s.environments?.uat?.url && s.environments.uat.url === s.environments.prod?.url) {
    problems.push(`${at}.environments: uat and prod have the same url; they must be two environments`);
  }
  // Only a well-formed section: its shape problems are already reported by the schema.
  if (s.monitoring && Value.Check(MonitoringSchema, s.monitoring)) {
    for (const problem of monitoringProblems(s.monitoring)) problems.push(`${at}.monitoring.${problem}`);
  }
  checkAnalyzer(s.analyzer, `${at}.analyzer`, problems);
  const modules = Array.isArray(s.modules) ? s.modules : [];
  const dup = modules.find((m, i) => modules.indexOf(m) !== i);
  if (dup) problems.push(`${at}.modules: "${dup}" is listed twice`);
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

function normalise(s: SystemConfigInput, baseDir: string): SystemConfig {
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
    ...(s.monitoring ? { monitoring: resolveMonitoringSettings(s.monitoring) } : {}),
    analyzer: analyzer(s.analyzer),
  };
}

function environment(e: SystemConfigInput['environments']['uat'], baseDir: string): EnvironmentConfig {
  const d = e.deploy;
  const deploy: DeployConfig | null = !d
    ? null
    : d.driver === 'command'
      ? {
          driver: 'command',
          command: typeof d.command === 'string' ? splitCommand(d.command) : [...d.command],
          workdir: d.workdir ? resolve(baseDir, d.workdir) : null,
          timeoutMs: (d.timeoutSeconds ?? 600) * 1000,
          env: { ...d.env },
        }
      : { driver: 'webhook', url: d.url, secret: d.secret, timeoutMs: (d.timeoutSeconds ?? 600) * 1000, pollIntervalMs: (d.pollIntervalSeconds ?? 5) * 1000 };
  const h = e.health;
  const health: HealthConfig | null = h
    ? { url: h.url, expectStatus: h.expectStatus ?? 200, expectVersion: h.expectVersion ?? true, timeoutMs: (h.timeoutSeconds ?? 60) * 1000 }
    : null;
  return { url: e.url, line: e.line, deploy, health };
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
