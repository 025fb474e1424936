/**
 * `tonic rollback`, `tonic rollbacks list|show|document` and `tonic deploy-lock`: undoing a bad
 * deploy, its HISTORY with SEED.md's checklist, and whether a deploy holds the system now.
 */
import { ROLLBACK_IMPACTS, type ChecklistItem } from '../features/rollbacks/rollback-rules.ts';
import type { RollbackView } from '../features/rollbacks/rollback-service.ts';
import type { DeployLockState } from '../features/deployments/deploy-lock.ts';
import { apiClientFrom } from './api-client.ts';
import type { IdPage } from './api-types.ts';
import { API_OPTIONS, noPositionals, oneOf, PAGE_OPTIONS, pageQuery, parseCommand, singleId, UsageError } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { USAGE } from './usage.ts';

const ROLLBACKS_USAGE = `${USAGE.rollbacksList}\n       ${USAGE.rollbacksShow}\n       ${USAGE.rollbacksDocument}`;
/** A rollback deploys, health-checks and smoke-tests before it answers. */
const ROLLBACK_TIMEOUT_MS = 15 * 60_000;

function formatRollback(r: RollbackView): string[] {
  const lines = [
    `rollback ${r.id} on ${r.env}: ${r.status}`,
    `  impact:   ${r.impact}${r.trigger === 'manual' ? '' : ` (automatic, after ${r.trigger})`}`,
    `  reason:   ${r.reason}`,
    `  deployed: ${r.deployed.version ?? '(unknown)'}${r.deployed.at ? ` since ${r.deployed.at}` : ''}`,
  ];
  if (r.status !== 'followup') lines.push(`  back to:  ${r.target.version ?? '(unknown)'}${r.target.commit ? ` (${r.target.commit.slice(0, 10)})` : ''}`);
  if (r.migration) lines.push(`  migration: ${r.migration.detail}`);
  for (const b of r.bugs) lines.push(`  bug #${b.id}: ${b.result === 'reverted' ? `${b.from} → ${b.to}` : `left ${b.from}: ${b.reason}`}`);
  if (r.validation) lines.push(`  validation: ${r.validation.verdict}: ${r.validation.detail}`);
  if (r.detail) lines.push(`  note:     ${r.detail}`);
  lines.push('  checklist:');
  for (const c of r.checklist as ChecklistItem[]) lines.push(`    [${c.done ? 'x' : ' '}] ${c.item}: ${c.detail}`);
  return lines;
}

/** Exit 1 unless the rollback did what was asked (a failed or escalated one needs people). */
export async function runRollback(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.rollback;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, env: { type: 'string' }, impact: { type: 'string' }, reason: { type: 'string' }, to: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  if (values.env === undefined) throw new UsageError('which environment? give --env uat or --env prod', usage);
  if (values.impact === undefined) throw new UsageError(`give --impact: ${ROLLBACK_IMPACTS.join(', ')} (ux records a follow-up and does not roll back)`, usage);
  if (!values.reason?.trim()) throw new UsageError('give --reason: what broke (it goes into the HISTORY entry and the messages)', usage);
  const env = oneOf('env', values.env, ['uat', 'prod'] as const, usage);
  const impact = oneOf('impact', values.impact, ROLLBACK_IMPACTS, usage);
  const api = apiClientFrom(values, io.env, usage, ROLLBACK_TIMEOUT_MS);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const r = await api.post<RollbackView>(systemPath(system, '/rollbacks'), { env, impact, reason: values.reason, ...(values.to ? { to: values.to } : {}) });
  if (values.json) printJson(io, r);
  else io.out(formatRollback(r).join('\n'));
  return r.status === 'failed' || r.status === 'escalated' ? 1 : 0;
}

export async function runRollbacks(args: string[], io: CliIo): Promise<number> {
  return dispatch('rollbacks', args, io, ROLLBACKS_USAGE, { list, show, document });
}

async function list(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.rollbacksList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<IdPage<RollbackView>>(systemPath(system, '/rollbacks'), pageQuery(values, usage));
  if (values.json) return printJson(io, page);
  if (page.items.length === 0) io.out('no rollback recorded');
  for (const r of page.items) {
    const what = r.status === 'followup' ? 'follow-up, not rolled back' : `${r.deployed.version ?? '?'} → ${r.target.version ?? '?'}`;
    io.out(`${String(r.id).padStart(4)}  ${r.env.padEnd(4)}  ${r.status.padEnd(10)}  ${r.impact.padEnd(15)}  ${what}  ${r.reason}`);
  }
  if (page.nextCursor) io.out(`\nmore rollbacks: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function show(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.rollbacksShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'rollback');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const r = await api.get<RollbackView>(systemPath(system, `/rollbacks/${id}`));
  if (values.json) return printJson(io, r);
  io.out(formatRollback(r).join('\n'));
  return 0;
}

async function document(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.rollbacksDocument;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, 'root-cause': { type: 'string' }, 'fix-plan': { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'rollback');
  if (!values['root-cause'] && !values['fix-plan']) throw new UsageError('give --root-cause TEXT, --fix-plan TEXT, or both', usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const body = { ...(values['root-cause'] ? { rootCause: values['root-cause'] } : {}), ...(values['fix-plan'] ? { fixPlan: values['fix-plan'] } : {}) };
  const r = await api.patch<RollbackView>(systemPath(system, `/rollbacks/${id}`), body);
  if (values.json) return printJson(io, r);
  io.out(formatRollback(r).join('\n'));
  return 0;
}

export async function runDeployLock(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.deployLock;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const lock = await api.get<DeployLockState>(systemPath(system, '/deploy-lock'));
  if (values.json) return printJson(io, lock);
  io.out(lock.inProgress ? `deploy in progress: ${lock.message}${lock.leaseExpired ? ' (its holder stopped renewing: the next scheduler sweep releases it)' : ''}` : `no deploy in progress on ${system}`);
  return 0;
}
