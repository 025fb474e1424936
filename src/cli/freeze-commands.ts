/**
 * `tonic freeze list|declare|lift|calendar`: what is frozen, declaring and lifting freezes
 * (admin), and the windows ahead.
 */
import { apiClientFrom } from './api-client.ts';
import type { Freeze, FreezeCalendar, FreezeList } from './api-types.ts';
import { API_OPTIONS, noPositionals, PAGE_OPTIONS, pageQuery, parseCommand, required, singleId, UsageError } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { formatFreezeCalendar, formatFreezeDetail, formatFreezeList } from './freeze-format.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { USAGE } from './usage.ts';

const FREEZE_USAGE = [USAGE.freezeList, USAGE.freezeDeclare, USAGE.freezeLift, USAGE.freezeCalendar].join('\n       ');

export async function runFreeze(args: string[], io: CliIo): Promise<number> {
  return dispatch('freeze', args, io, FREEZE_USAGE, { list, declare, lift, calendar });
}

async function list(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.freezeList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS, all: { type: 'boolean' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const query = { ...pageQuery(values, usage), all: values.all ? 'true' : undefined };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<FreezeList>(systemPath(system, '/freezes'), query);
  if (values.json) return printJson(io, page);
  io.out(formatFreezeList(page).join('\n'));
  if (page.nextCursor) io.out(`\nmore freezes: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function declare(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.freezeDeclare;
  const options = { ...API_OPTIONS, start: { type: 'string' }, end: { type: 'string' }, module: { type: 'string', multiple: true }, reason: { type: 'string' } } as const;
  const { values, positionals } = parseCommand(args, options, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const body = {
    ...(values.start !== undefined ? { start: values.start } : {}),
    end: required('end', values.end, usage),
    ...(values.module !== undefined ? { modules: values.module } : {}),
    reason: required('reason', values.reason, usage),
  };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const freeze = await api.post<Freeze>(systemPath(system, '/freezes'), body);
  if (values.json) return printJson(io, freeze);
  const what = freeze.scope === 'system' ? 'every scheduled deploy' : `the bugs of ${freeze.modules.join(', ')}`;
  io.out(`declared freeze ${freeze.id}: ${what} from ${freeze.startLocal} until ${freeze.endLocal}`);
  return 0;
}

async function lift(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.freezeLift;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, reason: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'freeze');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const freeze = await api.delete<Freeze>(systemPath(system, `/freezes/${id}`), { reason: values.reason });
  if (values.json) return printJson(io, freeze);
  io.out(`lifted freeze ${freeze.id} (${freeze.reason})`);
  io.out(formatFreezeDetail(freeze).slice(1).join('\n'));
  return 0;
}

async function calendar(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.freezeCalendar;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, days: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const days = values.days === undefined ? undefined : Number(values.days);
  if (days !== undefined && (!/^\d+$/.test(values.days!) || days < 1 || days > 366)) throw new UsageError(`--days "${values.days}" must be a whole number from 1 to 366`, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const cal = await api.get<FreezeCalendar>(systemPath(system, '/freezes/calendar'), { days });
  if (values.json) return printJson(io, cal);
  io.out(formatFreezeCalendar(cal).join('\n'));
  return 0;
}
