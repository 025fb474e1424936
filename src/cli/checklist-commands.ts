/**
 * `tonic check` runs the pre-deploy checklist now; `tonic checks list|show|ack` reads stored ones
 * and acknowledges the on-call "deploy tonight" message.
 */
import { apiClientFrom } from './api-client.ts';
import type { Checklist, IdPage } from './api-types.ts';
import { API_OPTIONS, noPositionals, oneOf, PAGE_OPTIONS, pageQuery, parseCommand, parseId, singleId } from './args.ts';
import { formatChecklist, formatChecklistList } from './checklist-format.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { formatInstant } from './table.ts';
import { USAGE } from './usage.ts';

const CHECKS_USAGE = `${USAGE.checksList}\n       ${USAGE.checksShow}\n       ${USAGE.checksAck}`;

/** Exit 1 when the list blocks a deploy, so scripts can gate on it. */
export async function runCheck(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.check;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, env: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const env = values.env === undefined ? undefined : oneOf('env', values.env, ['uat', 'prod'] as const, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const report = await api.post<Checklist>(systemPath(system, '/checks'), env ? { env } : {});
  if (values.json) printJson(io, report);
  else io.out(formatChecklist(report).join('\n'));
  return report.verdict === 'blocked' ? 1 : 0;
}

export async function runChecks(args: string[], io: CliIo): Promise<number> {
  return dispatch('checks', args, io, CHECKS_USAGE, { list, show, ack });
}

async function list(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.checksList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS, run: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const query = { ...pageQuery(values, usage), runId: values.run === undefined ? undefined : parseId(values.run, usage, 'run') };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<IdPage<Checklist>>(systemPath(system, '/checks'), query);
  if (values.json) return printJson(io, page);
  io.out(formatChecklistList(page.items).join('\n'));
  if (page.nextCursor) io.out(`\nmore checklists: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function show(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.checksShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'checklist');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const report = await api.get<Checklist>(systemPath(system, `/checks/${id}`));
  if (values.json) return printJson(io, report);
  io.out(formatChecklist(report).join('\n'));
  return 0;
}

async function ack(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.checksAck;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, note: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'checklist');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const report = await api.post<Checklist>(systemPath(system, `/checks/${id}/ack`), values.note ? { note: values.note } : {});
  if (values.json) return printJson(io, report);
  io.out(`checklist ${report.id}: ${report.ack?.person} acknowledged the deploy of the night of T1 ${formatInstant(report.ack?.t1At ?? null)}`);
  return 0;
}
