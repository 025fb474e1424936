/**
 * `tonic config check`: the file is valid (the loader says so), and then what can be checked from
 * here: each repository and its lines exist, the UAT and PROD URLs and health checks answer, deploy
 * commands can be found, webhooks answer, Prometheus parses every query, the analyzer and the
 * checklist's targets answer, each channel takes a test message (with sendTest), and T1/T2 are
 * sane around daylight saving. Every network probe is bounded by a timeout; the report says what
 * to fix.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { runGit } from '../../adapters/git/git-cli.ts';
import { openSystemRepository } from '../../adapters/git/system-repository.ts';
import { normaliseChannelDefaults, type ChannelDefaults } from '../../config/channels-config.ts';
import type { SystemConfig, TonicConfig } from '../../config/load-config.ts';
import { servicePathWarnings } from '../services/service-paths.ts';
import { checkAnalyzer, checkChecklistTargets, checkPrometheusQueries, sendTestMessages } from './outbound-checks.ts';
import { scheduleAdvice } from './schedule-advice.ts';

export type CheckResult = { system: string; check: string; result: 'ok' | 'warn' | 'fail'; detail: string };

export type CheckOptions = {
  timeoutMs: number;
  now: Date;
  env?: NodeJS.ProcessEnv;
  /** Send a test message through every channel (`--send-test`). */
  sendTest?: boolean;
};

export async function checkConfiguration(config: TonicConfig, options: CheckOptions): Promise<CheckResult[]> {
  const defaults = config.channels ?? normaliseChannelDefaults(undefined);
  const perSystem = await Promise.all(config.systems.map((system, index) => checkSystem(system, index, defaults, options)));
  return perSystem.flat();
}

async function checkSystem(system: SystemConfig, index: number, defaults: ChannelDefaults, options: CheckOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const add = (check: string, result: CheckResult['result'], detail: string) => out.push({ system: system.name, check, result, detail });

  const groups = await Promise.all([
    checkRepository(system, options.timeoutMs),
    ...(['uat', 'prod'] as const).map((env) => checkEnvironment(system, env, options)),
    checkPrometheusQueries(system, index, options),
    checkAnalyzer(system, index, options),
    checkChecklistTargets(system, index, options),
    options.sendTest ? sendTestMessages(system, index, defaults, options) : Promise.resolve([]),
  ]);
  for (const results of groups) out.push(...results.map((r) => ({ system: system.name, ...r })));
  if (system.services) out.push(...(await checkServices(system, options, `systems[${index}]`)).map((r) => ({ system: system.name, ...r })));

  const advice = scheduleAdvice(system, options.now);
  if (advice.length === 0) add('schedule', 'ok', `T1 ${system.t1}, T2 ${system.t2} ${system.timeZone}: outside business hours, no daylight-saving surprises in the next year`);
  for (const a of advice) add('schedule', a.level, a.message);
  return out;
}

type Finding = Omit<CheckResult, 'system'>;

async function checkRepository(system: SystemConfig, timeoutMs: number): Promise<Finding[]> {
  if (!system.repositoryPath && !system.repositoryUrl) {
    return [{ check: 'repository', result: 'warn', detail: 'no repository configured: T1 cannot build releases (set systems[].repository.path or .url)' }];
  }
  let heads: Set<string>;
  let where: string;
  if (system.repositoryPath) {
    where = system.repositoryPath;
    if (!existsSync(where)) return [{ check: 'repository', result: 'fail', detail: `${where} does not exist: fix systems[].repository.path (relative to the config file)` }];
    const r = await runGit(where, ['for-each-ref', '--format=%(refname:short)', 'refs/heads'], { timeoutMs }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
    if (r.code !== 0) return [{ check: 'repository', result: 'fail', detail: `${where} is not a git repository (${firstLine(r.stderr)})` }];
    heads = new Set(r.stdout.split('\n').filter(Boolean));
  } else {
    where = system.repositoryUrl!;
    const r = await runGit(process.cwd(), ['ls-remote', '--heads', where], { timeoutMs }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
    if (r.code !== 0) return [{ check: 'repository', result: 'fail', detail: `cannot read ${where}: ${firstLine(r.stderr)} (check the URL and this machine's access to it)` }];
    heads = new Set(r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[1]!.replace(/^refs\/heads\//, '')));
  }
  const results: Finding[] = [{ check: 'repository', result: 'ok', detail: `${where}: ${heads.size} branch(es)` }];
  for (const env of ['uat', 'prod'] as const) {
    const line = system.environments[env].line;
    results.push(
      heads.has(line)
        ? { check: `${env} line`, result: 'ok', detail: `branch ${line} exists` }
        : { check: `${env} line`, result: 'fail', detail: `branch ${line} does not exist in ${where}: create it, or fix systems[].environments.${env}.line` },
    );
  }
  if (system.fixBranch && !heads.has(system.fixBranch)) {
    results.push({ check: 'fix branch', result: 'warn', detail: `branch ${system.fixBranch} does not exist yet: "Fixes #<id>" trailers are looked for there once it does` });
  }
  return results;
}

async function checkEnvironment(system: SystemConfig, env: 'uat' | 'prod', options: CheckOptions): Promise<Finding[]> {
  const config = system.environments[env];
  const results: Finding[] = [await answers(`${env} url`, config.url, options.timeoutMs)];
  if (config.health) {
    const health = await answers(`${env} health`, config.health.url, options.timeoutMs);
    if (health.result === 'ok' && !health.detail.startsWith(`answered ${config.health.expectStatus} `)) {
      results.push({ check: health.check, result: 'warn', detail: `${health.detail}; the deploy's health check expects ${config.health.expectStatus}` });
    } else {
      results.push(health);
    }
  } else {
    results.push({ check: `${env} health`, result: 'warn', detail: `no health check: a deploy is trusted on the driver's word alone (set systems[].environments.${env}.health)` });
  }
  const deploy = config.deploy;
  if (!deploy) {
    results.push({ check: `${env} deploy`, result: 'warn', detail: `no deploy driver: runs cannot deploy to ${env} (set systems[].environments.${env}.deploy)` });
  } else if (deploy.driver === 'command') {
    const program = deploy.command[0]!;
    const cwd = deploy.workdir ?? system.repositoryPath ?? process.cwd();
    const found = findProgram(program, cwd, options.env ?? process.env);
    results.push(
      found
        ? { check: `${env} deploy`, result: 'ok', detail: `command ${program} found at ${found}` }
        : { check: `${env} deploy`, result: 'fail', detail: `command ${program} is not an executable file here (looked in ${isAbsolute(program) || program.includes('/') ? cwd : 'PATH'}): install it or fix systems[].environments.${env}.deploy.command` },
    );
  } else {
    results.push(await answers(`${env} deploy`, deploy.url, options.timeoutMs, 'POST'));
  }
  return results;
}

/**
 * A multi-service system: each service's health check and deploy driver per environment, and its
 * path globs against the repository's files (a glob matching nothing is a warning, as at start-up).
 */
async function checkServices(system: SystemConfig, options: CheckOptions, at: string): Promise<Finding[]> {
  const results: Finding[] = [];
  for (const service of system.services!) {
    for (const env of ['uat', 'prod'] as const) {
      const config = service.environments[env];
      const name = `${env} ${service.name}`;
      results.push(config.health ? await answers(`${name} health`, config.health.url, options.timeoutMs) : { check: `${name} health`, result: 'warn', detail: 'no health check: the next service deploys on the driver\'s word alone' });
      const deploy = config.deploy;
      if (!deploy) results.push({ check: `${name} deploy`, result: 'warn', detail: `no deploy driver: set ${at}.services[].environments.${env}.deploy or ${at}.environments.${env}.deploy` });
      else if (deploy.driver === 'command') {
        const program = deploy.command[0]!;
        const found = findProgram(program, deploy.workdir ?? system.repositoryPath ?? process.cwd(), options.env ?? process.env);
        results.push(found ? { check: `${name} deploy`, result: 'ok', detail: `command ${program} found at ${found}` } : { check: `${name} deploy`, result: 'fail', detail: `command ${program} is not an executable file here: install it or fix the service's deploy.command` });
      } else results.push(await answers(`${name} deploy`, deploy.url, options.timeoutMs, 'POST'));
    }
  }
  if (!system.repositoryPath) {
    results.push({ check: 'service paths', result: 'warn', detail: 'the path globs are checked against the repository at server start-up (it is cloned there)' });
    return results;
  }
  try {
    const repo = await openSystemRepository({ system: system.name, path: system.repositoryPath, url: null, push: false }, process.cwd());
    const warnings = await servicePathWarnings(system, repo, at);
    if (warnings.length === 0) results.push({ check: 'service paths', result: 'ok', detail: `every path glob of ${system.services!.map((s) => s.name).join(', ')} matches files in the repository` });
    for (const w of warnings) results.push({ check: 'service paths', result: 'warn', detail: w });
  } catch (error) {
    results.push({ check: 'service paths', result: 'warn', detail: `cannot read the repository's files: ${(error as Error).message}` });
  }
  return results;
}

/** Any HTTP answer counts as answering; a refused connection or the timeout does not. */
async function answers(check: string, url: string, timeoutMs: number, method = 'GET'): Promise<Finding> {
  const started = Date.now();
  try {
    const res = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
    await res.body?.cancel();
    const ms = Date.now() - started;
    return { check, result: res.status >= 500 ? 'warn' : 'ok', detail: `answered ${res.status} in ${ms} ms (${url})` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `did not answer within ${timeoutMs} ms` : `cannot be reached (${e.cause?.code ?? e.message})`;
    return { check, result: 'fail', detail: `${url} ${why}` };
  }
}

/** Where `program` is: a path (relative to cwd), or a name looked up on PATH; null when it is no executable file. */
export function findProgram(program: string, cwd: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = isAbsolute(program) || program.includes('/') ? [resolve(cwd, program)] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return null;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
