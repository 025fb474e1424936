/**
 * `tonic hotfix ...`: the emergency hotfix over the API, from opening the incident to closing it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHECKLIST_ITEMS, HOTFIX_STATUSES } from '../features/hotfixes/hotfix-rules.ts';
import { apiClientFrom } from './api-client.ts';
import type { Hotfix, HotfixListItem, IdPage } from './api-types.ts';
import { API_OPTIONS, noPositionals, oneOf, PAGE_OPTIONS, pageQuery, parseCommand, parseId, required, singleId, UsageError } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { formatHotfixDetail, formatHotfixList } from './hotfix-format.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { USAGE } from './usage.ts';

const HOTFIX_USAGE = [
  USAGE.hotfixOpen,
  USAGE.hotfixList,
  USAGE.hotfixShow,
  USAGE.hotfixNotify,
  USAGE.hotfixApprove,
  USAGE.hotfixDeploy,
  USAGE.hotfixUatFollowUp,
  USAGE.hotfixTick,
  USAGE.hotfixNote,
  USAGE.hotfixReview,
  USAGE.hotfixClose,
].join('\n       ');

export async function runHotfix(args: string[], io: CliIo): Promise<number> {
  return dispatch('hotfix', args, io, HOTFIX_USAGE, {
    open,
    list,
    show,
    notify,
    approve: (rest, io) => action('approve', USAGE.hotfixApprove, { note: { type: 'string' } }, (v) => (v.note === undefined ? {} : { note: v.note }), rest, io),
    deploy,
    'uat-follow-up': uatFollowUp,
    tick,
    note: (rest, io) =>
      action(
        'note',
        USAGE.hotfixNote,
        { 'root-cause': { type: 'string' }, 'fix-summary': { type: 'string' } },
        (v) => ({ rootCause: required('root-cause', v['root-cause'] as string | undefined, USAGE.hotfixNote), fixSummary: required('fix-summary', v['fix-summary'] as string | undefined, USAGE.hotfixNote) }),
        rest,
        io,
      ),
    review: (rest, io) => action('review', USAGE.hotfixReview, { summary: { type: 'string' } }, (v) => (v.summary === undefined ? {} : { summary: v.summary }), rest, io),
    close: (rest, io) => action('close', USAGE.hotfixClose, {}, () => ({}), rest, io),
  });
}

/** The one line an action prints: what the incident is now, and what it still needs. */
function describe(h: Hotfix): string {
  const next =
    h.status === 'open'
      ? !h.gate.teamNotified
        ? 'next: notify the team (tonic hotfix notify)'
        : !h.gate.approval.ok
          ? `next: approvals (${h.gate.approval.reason})`
          : h.bug.fixRefs.length > 0
            ? `next: deploy (tonic hotfix deploy ${h.id})`
            : h.branch
              ? `next: commit the fix on ${h.branch} and attach it (tonic bugs attach-fix ${h.bug.id} --branch ${h.branch}), then deploy`
              : `next: deploy by hand, then record it (tonic hotfix deploy ${h.id} --commit SHA)`
      : h.status === 'deployed'
        ? h.uatFollowUp && h.uatFollowUp.status !== 'done'
          ? `next: UAT follow-up, ${h.uatFollowUp.mode.replace('_', '-')} (tonic hotfix uat-follow-up)`
          : !h.note
            ? 'next: the post-incident note (tonic hotfix note)'
            : 'next: close (tonic hotfix close)'
        : '';
  const sla = h.status === 'closed' ? '' : `, SLA until ${h.slaDueAtLocal}`;
  return `hotfix ${h.id} (${h.priority}, bug #${h.bug.id}) ${h.status}${sla}${next ? `; ${next}` : ''}`;
}

async function open(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.hotfixOpen;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const bugId = singleId(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const h = await api.post<Hotfix>(systemPath(system, '/hotfixes'), { bugId });
  if (values.json) return printJson(io, h);
  io.out(describe(h));
  io.out(h.branch ? `branch ${h.branch} starts at PROD's commit: commit the fix there and attach it (tonic bugs attach-fix ${h.bug.id} --branch ${h.branch})` : `no branch: ${h.branchNote ?? ''}`);
  return 0;
}

async function list(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.hotfixList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS, status: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const query = { ...pageQuery(values, usage), status: values.status === undefined ? undefined : oneOf('status', values.status, HOTFIX_STATUSES, usage) };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<IdPage<HotfixListItem>>(systemPath(system, '/hotfixes'), query);
  if (values.json) return printJson(io, page);
  io.out(formatHotfixList(page.items).join('\n'));
  if (page.nextCursor) io.out(`\nmore hotfixes: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function show(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.hotfixShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'hotfix');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const h = await api.get<Hotfix>(systemPath(system, `/hotfixes/${id}`));
  if (values.json) return printJson(io, h);
  io.out(formatHotfixDetail(h).join('\n'));
  return 0;
}

type StringOptions = Record<string, { type: 'string'; multiple?: boolean }>;
type Values = { [option: string]: string | string[] | undefined };

/** An action on one incident: `tonic hotfix <path> ID [options]` → POST …/hotfixes/ID/<path>. */
async function action(path: string, usage: string, options: StringOptions, body: (values: Values) => Record<string, unknown>, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...options }, usage);
  const common = values as { help?: boolean; json?: boolean; system?: string; url?: string; token?: string };
  if (common.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'hotfix');
  const payload = body(values as Values);
  const api = apiClientFrom(common, io.env, usage);
  const system = await resolveSystem(api, common.system, io.env, usage);
  const h = await api.post<Hotfix>(systemPath(system, `/hotfixes/${id}/${path}`), payload);
  if (common.json) return printJson(io, h);
  io.out(describe(h));
  return 0;
}

async function notify(args: string[], io: CliIo): Promise<number> {
  return action(
    'notify',
    USAGE.hotfixNotify,
    { person: { type: 'string', multiple: true }, message: { type: 'string' } },
    (v) => ({ ...(v.person !== undefined ? { people: v.person } : {}), ...(v.message !== undefined ? { message: v.message } : {}) }),
    args,
    io,
  );
}

/** Without --commit: the driver deploys; with it: a deploy done by hand is recorded (its diff from --diff-file, or computed). */
async function deploy(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.hotfixDeploy;
  const options: StringOptions = { commit: { type: 'string' }, version: { type: 'string' }, 'diff-file': { type: 'string' } };
  const probe = parseCommand(args, { ...API_OPTIONS, ...options }, usage).values as Values;
  if (probe.commit === undefined) {
    if (probe.version !== undefined || probe['diff-file'] !== undefined) throw new UsageError('--version and --diff-file describe a deploy done by hand: give its --commit too', usage);
    return action('deploy', usage, options, () => ({}), args, io);
  }
  return action(
    'record-deploy',
    usage,
    options,
    (v) => ({
      commit: required('commit', v.commit as string | undefined, usage),
      ...(v.version !== undefined ? { version: v.version } : {}),
      ...(v['diff-file'] !== undefined ? { diff: readDiff(String(v['diff-file']), io, usage) } : {}),
    }),
    args,
    io,
  );
}

function readDiff(file: string, io: CliIo, usage: string): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`--diff-file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, usage);
  }
}

async function uatFollowUp(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.hotfixUatFollowUp;
  return action(
    'uat-follow-up',
    usage,
    { commit: { type: 'string' }, version: { type: 'string' } },
    (v) => {
      if (v.commit === undefined && v.version !== undefined) throw new UsageError('--version describes UAT updated by hand: give its --commit too', usage);
      return { ...(v.commit !== undefined ? { commit: v.commit } : {}), ...(v.version !== undefined ? { version: v.version } : {}) };
    },
    args,
    io,
  );
}

/** `tonic hotfix tick ID ITEM`: the checklist item a person did. */
async function tick(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.hotfixTick;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, note: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  if (positionals.length !== 2) throw new UsageError(`give the hotfix id and the item (${CHECKLIST_ITEMS.join(', ')})`, usage);
  const id = parseId(positionals[0]!, usage, 'hotfix');
  const item = oneOf('item', positionals[1]!, CHECKLIST_ITEMS, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const h = await api.post<Hotfix>(systemPath(system, `/hotfixes/${id}/checklist/${item}`), values.note === undefined ? {} : { note: values.note });
  if (values.json) return printJson(io, h);
  const done = h.checklist.find((c) => c.item === item);
  io.out(`hotfix ${h.id}: ticked ${item}${done?.note ? ` (${done.note})` : ''}; ${h.checklist.filter((c) => c.done).length} of ${h.checklist.length} done`);
  return 0;
}
