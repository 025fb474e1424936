/**
 * How freezes read on a terminal: what is frozen now and by what, the declared freezes, one freeze,
 * and the calendar ahead. Instants in the system's zone. Pure.
 */
import type { Freeze, FreezeCalendar, FreezeList, LocalFreezeWindow } from './api-types.ts';
import { formatTable, indent, orDash, truncate } from './table.ts';

const REASON_WIDTH = 60;

const scopeOf = (w: { scope: string; modules: string[] }) => (w.scope === 'system' ? 'system' : w.modules.join(','));

function windowRows(windows: readonly LocalFreezeWindow[]): string[] {
  const rows = windows.map((w) => [w.startLocal ?? 'in force', w.endLocal ?? 'until removed', w.source, scopeOf(w), w.label]);
  return formatTable([['FROM', 'UNTIL', 'SOURCE', 'SCOPE', 'WHAT'], ...rows]);
}

/** What is frozen now, then the declared freezes. */
export function formatFreezeList(list: FreezeList): string[] {
  const { now } = list;
  const verdict = now.full ? 'full freeze: T1/T2 are skipped' : now.modules.length ? `modules ${now.modules.join(', ')} frozen: their bugs are left out of T1/T2` : 'not frozen';
  const lines = [`${list.system} now: ${verdict}${now.lunarNewYear ? ' (Lunar New Year)' : ''}`];
  if (now.sources.length > 0) lines.push(...indent(windowRows(now.sources)));
  lines.push('', 'declared freezes');
  if (list.items.length === 0) lines.push('  none');
  else {
    const rows = list.items.map((f) => [String(f.id), f.state, scopeOf(f), f.startLocal, f.endLocal, f.by, truncate(f.reason, REASON_WIDTH)]);
    lines.push(...indent(formatTable([['ID', 'STATE', 'SCOPE', 'START', 'END', 'BY', 'REASON'], ...rows])));
  }
  return lines;
}

export function formatFreezeDetail(f: Freeze): string[] {
  const fields: [string, string][] = [
    ['state', f.state],
    ['scope', f.scope === 'system' ? 'the whole system' : `modules ${f.modules.join(', ')}`],
    ['start', f.startLocal],
    ['end', f.endLocal],
    ['reason', f.reason],
    ['declared by', f.by],
  ];
  if (f.liftedAt) fields.push(['lifted by', `${f.liftedBy}${f.liftReason ? `: ${f.liftReason}` : ''}`]);
  return [`freeze ${f.id} on ${f.system}`, ...formatTable(fields.map(([k, v]) => [k, orDash(v)]))];
}

export function formatFreezeCalendar(cal: FreezeCalendar): string[] {
  const heading = `freezes of ${cal.system} in the next ${cal.days} days (${cal.timeZone})`;
  return cal.windows.length === 0 ? [heading, '  none'] : [heading, ...indent(windowRows(cal.windows))];
}
