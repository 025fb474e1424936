/**
 * Plain-text output helpers: aligned columns, truncation, instants for people. Pure.
 */

/** Rows of cells as lines with each column padded to its widest cell; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
      .join(gap)
      .trimEnd(),
  );
}

/** Lines shifted right by two spaces (blank lines stay empty): the body under a section heading. */
export function indent(lines: readonly string[]): string[] {
  return lines.map((l) => (l.trim() === '' ? '' : `  ${l}`));
}

/** Cuts text to `max` characters, ending in an ellipsis when it was longer; newlines become spaces. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

/** "2026-11-26T04:00:00.000Z" → "2026-11-26 04:00 UTC"; null → "-". */
export function formatInstant(iso: string | null): string {
  if (!iso) return '-';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** "2026-11-26T04:00:07.123Z" → "04:00:07": the time of a step or log line, under a heading that gives the day (UTC). */
export function formatClock(iso: string): string {
  const m = /T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? m[1]! : iso;
}

/** A commit id cut to the 10 characters people read; null → "-". */
export function shortCommit(commit: string | null): string {
  return commit ? commit.slice(0, 10) : '-';
}

/** null, undefined and empty text show as "-". */
export function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : value;
}

function width(text: string): number {
  return [...text].length;
}
