/**
 * `tonic plan`, `tonic run t1|t2` and `tonic runs list|show`: what the next T1 and T2 will do,
 * running one now, and what past runs did.
 */
import { RUN_SLOTS } from '../features/runs/run-store.ts';
import { apiClientFrom } from './api-client.ts';
import type { IdPage, Plan, Run } from './api-types.ts';
import { API_OPTIONS, noPositionals, oneOf, PAGE_OPTIONS, pageQuery, parseCommand, singleId, UsageError } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { formatPlan, formatRunDetail, formatRunList } from './run-format.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { USAGE } from './usage.ts';

const RUNS_USAGE = `${USAGE.runsList}\n       ${USAGE.runsShow}`;

export async function runPlan(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.plan;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const plan = await api.get<Plan>(systemPath(system, '/plan'));
  if (values.json) return printJson(io, plan);
  io.out(formatPlan(plan).join('\n'));
  return 0;
}

/** Runs a slot now (admin). Exit 1 when the run failed, so scripts and cron notice. */
export async function runRun(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.run;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, 'dry-run': { type: 'boolean' } }, usage);
  if (values.help) return printUsage(io, usage);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'which slot? give t1 or t2' : `unexpected argument "${positionals[1]}"`, usage);
  const slot = RUN_SLOTS.find((s) => s === positionals[0]);
  if (!slot) throw new UsageError(`"${positionals[0]}" is not a slot: give t1 or t2`, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const path = systemPath(system, `/runs/${slot}`);
  if (values['dry-run']) {
    const plan = await api.post<Plan>(path, { dryRun: true });
    if (values.json) return printJson(io, plan);
    io.out(`dry run: nothing was built or deployed. What ${slot.toUpperCase()} would do:`);
    io.out('');
    io.out(formatPlan(plan, [slot]).join('\n'));
    return 0;
  }
  const run = await api.post<Run>(path, {});
  const failed = run.status === 'failed';
  if (values.json) printJson(io, run);
  else io.out(formatRunDetail(run).join('\n'));
  return failed ? 1 : 0;
}

export async function runRuns(args: string[], io: CliIo): Promise<number> {
  return dispatch('runs', args, io, RUNS_USAGE, {
    list,
    show,
  });
}

async function list(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.runsList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS, slot: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const query = { ...pageQuery(values, usage), slot: values.slot === undefined ? undefined : oneOf('slot', values.slot, RUN_SLOTS, usage) };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<IdPage<Run>>(systemPath(system, '/runs'), query);
  if (values.json) return printJson(io, page);
  io.out(formatRunList(page.items).join('\n'));
  if (page.nextCursor) io.out(`\nmore runs: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function show(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.runsShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'run');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const run = await api.get<Run>(systemPath(system, `/runs/${id}`));
  if (values.json) return printJson(io, run);
  io.out(formatRunDetail(run).join('\n'));
  return 0;
}
