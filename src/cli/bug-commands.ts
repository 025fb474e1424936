/**
 * `tonic bugs ...`: list, show, report and act on bugs over the API.
 */
import { BUG_STATUSES, ENVIRONMENTS, FIX_FLOWS, SEVERITIES } from '../features/bugs/bug-statuses.ts';
import { apiClientFrom } from './api-client.ts';
import type { BatchResponse, Bug, BugPage, BugWithHistory } from './api-types.ts';
import { API_OPTIONS, noPositionals, oneOf, parseCommand, parseId, parseLimit, required, singleId, UsageError } from './args.ts';
import { describeAttachedFix, describeOutcome, formatBatchResults, formatBugDetail, formatBugList } from './bug-format.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { USAGE } from './usage.ts';

const BUGS_USAGE = [
  USAGE.bugsList,
  USAGE.bugsShow,
  USAGE.bugsReport,
  USAGE.bugsConfirm,
  USAGE.bugsReject,
  USAGE.bugsClose,
  USAGE.bugsApproveProd,
  USAGE.bugsApproveUatMerge,
  USAGE.bugsAttachFix,
  USAGE.bugsDrop,
].join('\n       ');

export async function runBugs(args: string[], io: CliIo): Promise<number> {
  return dispatch('bugs', args, io, BUGS_USAGE, {
    list,
    show,
    report,
    confirm,
    reject: (rest, io) => reasonAction('reject', USAGE.bugsReject, true, rest, io),
    close: (rest, io) => reasonAction('close', USAGE.bugsClose, false, rest, io),
    'approve-prod': (rest, io) => approve('approve-prod', USAGE.bugsApproveProd, rest, io),
    'approve-uat-merge': (rest, io) => approve('approve-uat-merge', USAGE.bugsApproveUatMerge, rest, io),
    'attach-fix': attachFix,
    drop,
  });
}

async function list(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.bugsList;
  const { values, positionals } = parseCommand(
    args,
    { ...API_OPTIONS, status: { type: 'string' }, severity: { type: 'string' }, flow: { type: 'string' }, module: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
    usage,
  );
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const query = {
    status: values.status === undefined ? undefined : oneOf('status', values.status, BUG_STATUSES, usage),
    severity: values.severity === undefined ? undefined : oneOf('severity', values.severity, SEVERITIES, usage),
    fixFlow: values.flow === undefined ? undefined : oneOf('flow', values.flow, FIX_FLOWS, usage),
    module: values.module,
    cursor: values.cursor,
    limit: values.limit === undefined ? undefined : parseLimit(values.limit, usage),
  };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<BugPage>(systemPath(system, '/bugs'), query);
  if (values.json) return printJson(io, page);
  io.out(formatBugList(page.items).join('\n'));
  if (page.nextCursor) io.out(`\nmore bugs: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function show(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.bugsShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const bug = await api.get<BugWithHistory>(systemPath(system, `/bugs/${id}`));
  if (values.json) return printJson(io, bug);
  io.out(formatBugDetail(bug).join('\n'));
  return 0;
}

async function report(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.bugsReport;
  const { values, positionals } = parseCommand(
    args,
    {
      ...API_OPTIONS,
      title: { type: 'string' },
      severity: { type: 'string' },
      'found-in': { type: 'string' },
      description: { type: 'string' },
      module: { type: 'string' },
      service: { type: 'string', multiple: true },
    },
    usage,
  );
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const body = {
    title: required('title', values.title, usage),
    description: values.description ?? '',
    severity: oneOf('severity', required('severity', values.severity, usage), SEVERITIES, usage),
    foundInEnv: oneOf('found-in', required('found-in', values['found-in'], usage), ENVIRONMENTS, usage),
    ...(values.module !== undefined ? { module: values.module } : {}),
    ...(values.service !== undefined ? { services: values.service } : {}),
  };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const bug = await api.post<Bug>(systemPath(system, '/bugs'), body);
  if (values.json) return printJson(io, bug);
  io.out(`reported bug ${bug.id} (${bug.status}, ${bug.severity}, found in ${bug.foundInEnv}): ${bug.title}`);
  return 0;
}

async function confirm(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.bugsConfirm;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, flow: { type: 'string' }, reason: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage);
  const body = {
    flow: values.flow === undefined ? 'auto' : oneOf('flow', values.flow, ['auto', ...FIX_FLOWS] as const, usage),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
  };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const bug = await api.post<Bug>(systemPath(system, `/bugs/${id}/confirm`), body);
  if (values.json) return printJson(io, bug);
  io.out(describeOutcome(bug));
  return 0;
}

/** reject (reason required) and close (reason optional). */
async function reasonAction(action: 'reject' | 'close', usage: string, reasonRequired: boolean, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, reason: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage);
  const reason = reasonRequired ? required('reason', values.reason, usage) : values.reason;
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const bug = await api.post<Bug>(systemPath(system, `/bugs/${id}/${action}`), reason === undefined ? {} : { reason });
  if (values.json) return printJson(io, bug);
  io.out(`bug ${bug.id} ${bug.status}${reason ? `: ${reason}` : ''}`);
  return 0;
}

/** Exactly one of --commit and --branch: the server resolves it in the system's repository. */
async function attachFix(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.bugsAttachFix;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, commit: { type: 'string' }, branch: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage);
  const given = [values.commit, values.branch].filter((v) => v !== undefined);
  if (given.length !== 1) throw new UsageError(given.length === 0 ? 'give the fix: --commit SHA or --branch NAME' : 'give --commit or --branch, not both', usage);
  const body = values.commit !== undefined ? { commit: required('commit', values.commit, usage) } : { branch: required('branch', values.branch, usage) };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const bug = await api.post<Bug>(systemPath(system, `/bugs/${id}/fix`), body);
  if (values.json) return printJson(io, bug);
  io.out(describeAttachedFix(bug));
  return 0;
}

/** Takes an unapproved bug out of its UAT release (admin); the next T1 rebuilds the release without it. */
async function drop(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.bugsDrop;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, reason: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const bug = await api.post<Bug>(systemPath(system, `/bugs/${id}/drop-from-release`), values.reason === undefined ? {} : { reason: values.reason });
  if (values.json) return printJson(io, bug);
  io.out(`bug ${bug.id} dropped from its release, now ${bug.status}${values.reason ? `: ${values.reason}` : ''}; the next T1 rebuilds the release without it`);
  return 0;
}

/** One id: the single endpoint. Several: the batch endpoint, one line per id; exit 1 if any failed. */
async function approve(action: 'approve-prod' | 'approve-uat-merge', usage: string, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  if (positionals.length === 0) throw new UsageError('give at least one bug id', usage);
  const ids = positionals.map((p) => parseId(p, usage));
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  if (ids.length === 1) {
    const bug = await api.post<Bug>(systemPath(system, `/bugs/${ids[0]}/${action}`), {});
    if (values.json) return printJson(io, bug);
    io.out(describeOutcome(bug));
    return 0;
  }
  const response = await api.post<BatchResponse>(systemPath(system, `/bugs/${action}`), { ids });
  const failed = response.results.some((r) => !r.ok);
  if (values.json) printJson(io, response);
  else io.out(formatBatchResults(response.results).join('\n'));
  return failed ? 1 : 0;
}
