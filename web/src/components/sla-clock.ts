/** The SLA clock's arithmetic (pure; the countdown renders it). */

/** 2_530_000 → "42 min 10 s"; 3_725_000 → "1 h 2 min 5 s". */
export function spokenDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h ? `${h} h` : '', h || m ? `${m} min` : '', `${s} s`].filter(Boolean).join(' ');
}

export type SlaState = 'running' | 'warning' | 'overdue' | 'met' | 'missed';

/** Where an SLA clock stands at `now` (pure). */
export function slaState(input: { openedAt: string; dueAt: string; stoppedAt: string | null }, now: Date): { state: SlaState; leftMs: number; used: number } {
  const opened = Date.parse(input.openedAt);
  const due = Date.parse(input.dueAt);
  const end = input.stoppedAt ? Date.parse(input.stoppedAt) : now.getTime();
  const leftMs = due - end;
  const used = Math.min(1, Math.max(0, (end - opened) / Math.max(1, due - opened)));
  if (input.stoppedAt) return { state: leftMs >= 0 ? 'met' : 'missed', leftMs, used };
  return { state: leftMs <= 0 ? 'overdue' : used >= 0.5 ? 'warning' : 'running', leftMs, used };
}
