/**
 * What a rehearsal prints instead of doing (pure: no I/O, no clock). For one deploy of one release
 * to one environment: the deploy command with its placeholders filled (or the webhook's body), the
 * health check, each smoke step and the monitoring watch, each with the problems that can be seen
 * from the configuration alone (a placeholder no deploy fills, a missing deploy driver).
 */
import { placeholders, type DeployTarget } from '../../adapters/deploy/deploy-driver.ts';
import type { DeployConfig, HealthConfig, ServiceConfig, SystemConfig } from '../../config/load-config.ts';
import { MONITOR_METRICS, METRIC_DEFAULTS, type MonitoringSettings } from '../monitoring/monitoring-rules.ts';
import type { SmokeExpect, SmokePlan, SmokeStep } from '../smoke/smoke-rules.ts';

export type Env = 'uat' | 'prod';

/** One thing a real deploy would do, as the rehearsal recorded it. */
export type RecordedAction = {
  env: Env;
  kind: 'deploy' | 'health' | 'smoke' | 'monitoring' | 'migration';
  /** Exactly what would run or be sent. */
  text: string;
  /** What is wrong with it, each saying what to fix; empty when nothing is. */
  problems: string[];
};

/** `{name}` placeholders a deploy command or workdir uses that no deploy fills. */
export function unknownPlaceholders(template: string, known: readonly string[]): string[] {
  return [...template.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]!).filter((name) => !known.includes(name));
}

/** argv as a person would type it: words with spaces or shell characters in single quotes. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[A-Za-z0-9_@%+=:,./{}<>-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{([a-z]+)\}/g, (whole, name: string) => values[name] ?? whole);

/**
 * The deploy step of one environment, as it would run for `target` (whose workdir is the real
 * repository's, not the rehearsal's clone).
 */
export function describeDeploy(system: Pick<SystemConfig, 'name'>, env: Env, deploy: DeployConfig | null, target: DeployTarget): RecordedAction {
  const where = `systems[].environments.${env}.deploy`;
  if (!deploy) {
    return { env, kind: 'deploy', text: `no deploy driver is configured for ${env}`, problems: [`a run cannot deploy to ${env} of ${system.name}: set ${where} (driver command or webhook)`] };
  }
  const values = placeholders(target);
  const known = Object.keys(values);
  if (deploy.driver === 'command') {
    const problems = [...deploy.command, deploy.workdir ?? ''].flatMap((part) => unknownPlaceholders(part, known)).map(
      (name) => `{${name}} in ${where}.command is not a placeholder and would be passed as it is: use one of ${known.map((k) => `{${k}}`).join(' ')}`,
    );
    const argv = deploy.command.map((part) => fill(part, values));
    const cwd = deploy.workdir ? fill(deploy.workdir, values) : target.workdir;
    const variables = Object.entries(values).map(([k, v]) => `TONIC_${k.toUpperCase()}=${v}`);
    const extra = Object.keys(deploy.env);
    return {
      env,
      kind: 'deploy',
      text: `$ ${shellQuote(argv)}   (in ${cwd}; with ${variables.join(' ')}${extra.length ? ` and ${extra.join(', ')} from the configuration` : ''}; stopped after ${Math.round(deploy.timeoutMs / 1000)} s)`,
      problems,
    };
  }
  const body = JSON.stringify({ event: 'deploy', ...values });
  return {
    env,
    kind: 'deploy',
    text: `POST ${deploy.url}   body ${body}   signed with X-Tonic-Timestamp and X-Tonic-Signature (HMAC-SHA256 of "<timestamp>.<body>" with the configured secret); a pending answer is polled every ${Math.round(deploy.pollIntervalMs / 1000)} s for up to ${Math.round(deploy.timeoutMs / 1000)} s`,
    problems: [],
  };
}

export function describeHealth(env: Env, health: HealthConfig | null, version: string): RecordedAction {
  if (!health) {
    return { env, kind: 'health', text: `no health check after the deploy to ${env}: the driver's word is trusted`, problems: [] };
  }
  return {
    env,
    kind: 'health',
    text: `GET ${health.url} → expect HTTP ${health.expectStatus}${health.expectVersion ? ` reporting ${version}` : ''}, retried for up to ${Math.round(health.timeoutMs / 1000)} s`,
    problems: [],
  };
}

/** What a smoke step expects, in words. */
export function describeExpectation(kind: SmokeStep['kind'], e: SmokeExpect): string {
  const parts: string[] = [];
  if (kind === 'http') parts.push(`status ${e.status ? e.status.join(' or ') : '2xx'}`);
  else parts.push(`exit code ${e.exitCode ?? 0}`);
  for (const j of e.json) {
    if (j.exists !== undefined) parts.push(`${j.path} ${j.exists ? 'exists' : 'is absent'}`);
    if (j.equals !== undefined) parts.push(`${j.path} = ${JSON.stringify(j.equals)}`);
    if (j.contains !== undefined) parts.push(`${j.path} contains ${JSON.stringify(j.contains)}`);
  }
  if (e.text !== null) parts.push(`${kind === 'http' ? 'body' : 'output'} contains ${JSON.stringify(e.text)}`);
  if (e.maxLatencyMs !== null) parts.push(`within ${e.maxLatencyMs} ms`);
  return parts.join(', ');
}

const SECRET_HEADER = /^(authorization|cookie|x-api-key|proxy-authorization)$/i;

export function describeSmoke(env: Env, plan: SmokePlan | null, onFailure: string, ctx: { version: string; commit: string; url: string }): RecordedAction[] {
  if (!plan || plan.steps.length === 0) return [{ env, kind: 'smoke', text: `no smoke steps after the deploy to ${env} (systems[].smoke)`, problems: [] }];
  const values = (text: string) => text.replaceAll('{env}', env).replaceAll('{version}', ctx.version).replaceAll('{commit}', ctx.commit).replaceAll('{url}', ctx.url);
  return plan.steps.map((step) => {
    if (step.kind === 'command') {
      return { env, kind: 'smoke', text: `smoke "${step.name}": $ ${shellQuote(step.command.map(values))} → expect ${describeExpectation('command', step.expect)}; a failure means ${onFailure}`, problems: [] };
    }
    const path = values(step.path);
    const url = /^https?:\/\//.test(path) ? path : `${plan.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
    const headers = Object.keys(step.headers).map((k) => (SECRET_HEADER.test(k) ? `${k}: ***` : `${k}: ${values(step.headers[k]!)}`));
    const body = step.json === undefined ? '' : ` body ${JSON.stringify(step.json)}`;
    return {
      env,
      kind: 'smoke',
      text: `smoke "${step.name}": ${step.method} ${url}${headers.length ? ` (headers: ${headers.join(', ')})` : ''}${body} → expect ${describeExpectation('http', step.expect)}; a failure means ${onFailure}`,
      problems: [],
    };
  });
}

export function describeMonitoring(env: Env, settings: MonitoringSettings | undefined, envUrl: string): RecordedAction {
  if (!settings) return { env, kind: 'monitoring', text: `no monitoring window after the deploy to ${env} (systems[].monitoring): smoke alone judges it`, problems: [] };
  const p = settings.provider;
  const source =
    p.kind === 'prometheus'
      ? `Prometheus at ${p.url}${p.selectors[env] ? ` {${p.selectors[env]}}` : ''}`
      : `a scrape of ${p.urls[env] ?? new URL('metrics', envUrl.replace(/\/*$/, '/')).toString()}`;
  const rule = (action: string) =>
    MONITOR_METRICS.filter((m) => settings.metrics[m].action === action)
      .map((m) => `${m} ${METRIC_DEFAULTS[m].bound === 'min' ? '<' : '>'} ${settings.metrics[m].threshold}${METRIC_DEFAULTS[m].bound === 'overBaseline' ? ' % over the baseline' : METRIC_DEFAULTS[m].unit === 'percent' ? ' %' : ' s'}`)
      .join(', ') || 'nothing';
  return {
    env,
    kind: 'monitoring',
    text: `monitoring: watch ${env} for ${Math.round(settings.windowMs / 60_000)} min from ${source}, every ${Math.round(settings.pollMs / 1000)} s; roll back on ${rule('rollback')}; alert on ${rule('alert')}`,
    problems: [],
  };
}

/** Everything one deploy of `target` would do on `env` of the real system. */
export function describeDeployment(real: SystemConfig, env: Env, target: DeployTarget): RecordedAction[] {
  const environment = real.environments[env];
  return [
    describeDeploy(real, env, environment.deploy, target),
    describeHealth(env, environment.health, target.version),
    ...describeSmoke(env, real.smoke?.environments[env] ?? null, real.smoke?.onFailure === 'alert' ? 'an alert' : 'a rollback at once', { version: target.version, commit: target.commit, url: environment.url }),
    describeMonitoring(env, real.monitoring, environment.url),
  ];
}

/** What the real deploy of one service of a multi-service system would do: its driver, its health check, its smoke steps. */
export function describeServiceDeployment(real: SystemConfig, service: ServiceConfig, env: Env, target: DeployTarget): RecordedAction[] {
  const own = service.environments[env];
  const onFailure = 'the rollback of the services already deployed, in reverse order';
  return [
    describeDeploy(real, env, own.deploy ?? real.environments[env].deploy, target),
    describeHealth(env, own.health, target.version),
    ...describeSmoke(env, service.smoke?.[env] ?? null, onFailure, { version: target.version, commit: target.commit, url: own.url }),
  ];
}

// ---- The report --------------------------------------------------------------------------------

export const STEP_RESULTS = ['pass', 'warn', 'fail', 'skipped'] as const;
export type StepResult = (typeof STEP_RESULTS)[number];

export type RehearsalStep = {
  name: string;
  result: StepResult;
  /** What happened, for people. */
  detail: string;
  /** What to change so that it passes; null when it passed. */
  fix: string | null;
  /** What the real deploy would have done in this step. */
  actions: RecordedAction[];
};

/** A step's verdict: what happened, made a failure by any problem in what it would have run. */
export function judgeStep(name: string, outcome: { result: StepResult; detail: string; fix?: string | null }, actions: RecordedAction[]): RehearsalStep {
  const problems = [...new Set(actions.flatMap((a) => a.problems))];
  if (problems.length > 0 && outcome.result !== 'skipped') {
    return { name, result: 'fail', detail: outcome.detail, fix: [outcome.fix, ...problems].filter(Boolean).join('; '), actions };
  }
  return { name, result: outcome.result, detail: outcome.detail, fix: outcome.result === 'pass' ? null : (outcome.fix ?? null), actions };
}

/** The rehearsal passes when no step failed (warnings are for people to read). */
export function rehearsalPassed(steps: readonly RehearsalStep[]): boolean {
  return steps.every((s) => s.result !== 'fail');
}
