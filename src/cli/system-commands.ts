/**
 * `tonic systems` and `tonic env show|record`: what the server runs and what each environment runs.
 */
import { ENVIRONMENTS } from '../features/bugs/bug-statuses.ts';
import { apiClientFrom } from './api-client.ts';
import type { EnvironmentInfo, EnvironmentsResponse, SystemInfo } from './api-types.ts';
import { API_OPTIONS, noPositionals, oneOf, parseCommand, required } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { formatInstant, formatTable, orDash, shortCommit } from './table.ts';
import { USAGE } from './usage.ts';

const ENV_USAGE = `${USAGE.envShow}\n       ${USAGE.envRecord}`;

export async function runSystems(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.systems;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const response = await api.get<{ items: SystemInfo[] }>('/systems');
  if (values.json) return printJson(io, response);
  const rows = response.items.map((s) => [s.name, s.title, s.timeZone, s.schedule.t1, s.schedule.t2, s.pipelineSeverities.join(','), s.environments.uat.url, s.environments.prod.url]);
  io.out(formatTable([['NAME', 'TITLE', 'TIME ZONE', 'T1', 'T2', 'PIPELINE', 'UAT', 'PROD'], ...rows]).join('\n'));
  return 0;
}

export async function runEnv(args: string[], io: CliIo): Promise<number> {
  return dispatch('env', args, io, ENV_USAGE, {
    show,
    record,
  });
}

async function show(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.envShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const response = await api.get<EnvironmentsResponse>(systemPath(system, '/environments'));
  if (values.json) return printJson(io, response);
  const rows = response.environments.map((e) => [
    e.env,
    e.line,
    orDash(e.version),
    shortCommit(e.commit),
    formatInstant(e.deployedAt),
    orDash(e.recordedBy),
    e.releaseId === null ? '-' : String(e.releaseId),
    e.url,
  ]);
  io.out(formatTable([['ENV', 'LINE', 'VERSION', 'COMMIT', 'DEPLOYED', 'BY', 'RELEASE', 'URL'], ...rows]).join('\n'));
  const { flow } = response;
  io.out('');
  io.out(flow.flow ? `a bug confirmed now takes ${flow.flow}: ${flow.reason}` : `a bug confirmed now would wait, no flow is safe: ${flow.reason}`);
  if (flow.warning) io.out(`warning: ${flow.warning}`);
  return 0;
}

async function record(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.envRecord;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, env: { type: 'string' }, commit: { type: 'string' }, version: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const env = oneOf('env', required('env', values.env, usage), ENVIRONMENTS, usage);
  const body = { commit: required('commit', values.commit, usage), ...(values.version !== undefined ? { version: values.version } : {}) };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const recorded = await api.post<Omit<EnvironmentInfo, 'url' | 'line'>>(systemPath(system, `/environments/${env}`), body);
  if (values.json) return printJson(io, recorded);
  io.out(`recorded ${system} ${recorded.env}: ${recorded.version ? `${recorded.version} at ` : ''}${shortCommit(recorded.commit)}`);
  return 0;
}
