/**
 * `tonic analyze --bug N`: analyses a bug's fix now (manager, admin) and prints what was recorded
 * on the bug: who analysed it, the risk, root cause, fix plan, the validation steps for the
 * approver, and what was sent to the language model.
 */
import { apiClientFrom } from './api-client.ts';
import type { AnalyzeResult } from './api-types.ts';
import { API_OPTIONS, noPositionals, parseCommand, parseId, required } from './args.ts';
import { analysisRows, formatValidationSteps } from './bug-format.ts';
import { printJson, printUsage, type CliIo } from './cli-io.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { formatTable, indent } from './table.ts';
import { USAGE } from './usage.ts';

/** Exit 1 when a configured model was not used (the built-in analysis was recorded instead), so scripts notice. */
export async function runAnalyze(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.analyze;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, bug: { type: 'string' }, refresh: { type: 'boolean' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const id = parseId(required('bug', values.bug, usage), usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const result = await api.post<AnalyzeResult>(systemPath(system, `/bugs/${id}/analyze`), values.refresh ? { refresh: true } : {});
  const fellBack = Boolean(result.analysis.fallback);
  if (values.json) printJson(io, result);
  else io.out(formatAnalyzeResult(system, result).join('\n'));
  return fellBack ? 1 : 0;
}

export function formatAnalyzeResult(system: string, result: AnalyzeResult): string[] {
  const a = result.analysis;
  const headline =
    a.source === 'model'
      ? `bug ${result.bugId}: analysed by ${a.model}${result.cached ? ' (the answer for these commits, reused: no call was made; --refresh asks again)' : ''}`
      : a.fallback
        ? `bug ${result.bugId}: the built-in analysis was recorded; ${a.fallback.replace(/; this is the built-in analysis$/, '')}`
        : `bug ${result.bugId}: the built-in analysis (no language model is configured for ${system})`;
  const lines = [headline, '', ...indent(formatTable(analysisRows(a as unknown as Record<string, unknown>).filter(([k]) => k !== 'fallback')))];
  if (a.validationSteps.length > 0) lines.push('', 'validate before approving', ...indent(formatValidationSteps(a.validationSteps)));
  const attempt = result.attempt;
  if (attempt && !result.cached) {
    const rows = [
      ['to', attempt.sent ? (attempt.endpoint ?? '-') : 'nothing was sent'],
      ['redacted', `${attempt.redactions} secret(s)`],
      ['withheld', attempt.withheld.length ? attempt.withheld.join(', ') : 'no file'],
      ['record', `attempt ${attempt.id}; an admin sees exactly what was sent: GET /api/v1/systems/${system}/bugs/${result.bugId}/analysis`],
    ];
    if (attempt.httpStatus !== null) rows.splice(1, 0, ['answer', `HTTP ${attempt.httpStatus}`]);
    lines.push('', 'sent', ...indent(formatTable(rows)));
  }
  return lines;
}
