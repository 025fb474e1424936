export type ServiceStep = { name: string; status: string; at: string | null; detail: string | null };
export type ServiceProgress = { why: string | null; steps: ServiceStep[] };

/**
 * Per-service progress, when the API gives it (multi-service systems: a plan with `steps`, one per
 * service in deploy order). Read defensively, since its shape belongs to the services feature:
 * anything that is not a list of named entries is ignored.
 */
export function serviceProgress(value: unknown): ServiceProgress {
  const record = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  const list = Array.isArray(value) ? value : Array.isArray(record?.steps) ? (record.steps as unknown[]) : [];
  const text = (o: Record<string, unknown>, ...names: string[]) => {
    for (const n of names) if (typeof o[n] === 'string' && o[n]) return o[n] as string;
    return null;
  };
  const steps = list.flatMap((entry): ServiceStep[] => {
    if (!entry || typeof entry !== 'object') return [];
    const o = entry as Record<string, unknown>;
    const name = text(o, 'service', 'name');
    if (!name) return [];
    const rollback = o.rollback && typeof o.rollback === 'object' ? text(o.rollback as Record<string, unknown>, 'detail') : null;
    const detail = [text(o, 'error', 'detail', 'message', 'health'), rollback ? `rolled back: ${rollback}` : null].filter(Boolean).join('; ');
    return [{ name, status: text(o, 'status', 'result', 'outcome', 'state') ?? 'pending', at: text(o, 'finishedAt', 'startedAt', 'at'), detail: detail || null }];
  });
  return { why: record && typeof record.why === 'string' ? record.why : null, steps };
}
