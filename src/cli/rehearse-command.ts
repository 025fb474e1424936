/**
 * `tonic rehearse`: the rehearsal of a system (admin) and its rollback runbook. Exit 1 when a step
 * failed: each failed step says what to fix.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RehearsalReport } from '../features/rehearsal/rehearsal-service.ts';
import { apiClientFrom } from './api-client.ts';
import { API_OPTIONS, noPositionals, parseCommand } from './args.ts';
import { printJson, printUsage, type CliIo } from './cli-io.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { USAGE } from './usage.ts';

/** A rehearsal builds releases in git and runs both flows: give it time on a slow machine. */
const REHEARSAL_TIMEOUT_MS = 10 * 60_000;

const MARK = { pass: 'pass', warn: 'warn', fail: 'FAIL', skipped: 'skip' } as const;

export function formatRehearsal(r: RehearsalReport): string[] {
  const lines = [`Rehearsal of ${r.system}: a synthetic bug through Flow 1 and Flow 2, a rollback and a freeze check, on a scratch clone and database; deploys recorded, not run.`, ''];
  for (const s of r.steps) {
    lines.push(`${MARK[s.result]}  ${s.name}: ${s.detail}`);
    for (const a of s.actions) {
      lines.push(`        ${a.env} ${a.kind}: ${a.text}`);
      for (const p of a.problems) lines.push(`          problem: ${p}`);
    }
    if (s.fix && s.result !== 'pass') lines.push(`      to fix: ${s.fix}`);
  }
  const failed = r.steps.filter((s) => s.result === 'fail').length;
  const warned = r.steps.filter((s) => s.result === 'warn').length;
  lines.push('', r.unchanged.detail, failed > 0 ? `${failed} step(s) failed, ${warned} warning(s)` : `every step passed, ${warned} warning(s)`);
  return lines;
}

export async function runRehearse(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.rehearse;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, runbook: { type: 'boolean' }, out: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const api = apiClientFrom(values, io.env, usage, REHEARSAL_TIMEOUT_MS);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const write = (markdown: string) => {
    const file = resolve(io.cwd, values.out!);
    writeFileSync(file, markdown);
    return file;
  };
  if (values.runbook) {
    const markdown = await api.getText(systemPath(system, '/rollback-runbook.md'));
    if (values.out) io.out(`wrote the rollback runbook of ${system} to ${write(markdown)}`);
    else io.out(markdown);
    return 0;
  }
  const report = await api.post<RehearsalReport>(systemPath(system, '/rehearsals'), {});
  if (values.json) printJson(io, report);
  else io.out(formatRehearsal(report).join('\n'));
  if (values.out) io.err(`wrote the rollback runbook of ${system} to ${write(report.runbook)}`);
  return report.ok ? 0 : 1;
}
