/**
 * Tonight: what the next T1 and T2 will do, bug by bug, with the reason for every hold or skip;
 * and, for those who may, "Run T1 now" / "Run T2 now" after a dry-run preview.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { FLOW_LABEL } from '../../../src/features/bugs/bug-statuses.ts';
import { slotInWords } from '../../../src/features/schedule/slot-words.ts';
import { api, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Plan, Run } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { useCan } from '../session.tsx';
import { useSystem } from './use-system.ts';

type Slot = 't1' | 't2';

export function TonightPage() {
  const { name: system, info } = useSystem();
  const plan = useQuery({ queryKey: keys.plan(system), queryFn: () => api<Plan>('GET', systemPath(system, '/plan')) });
  const canRun = useCan('releases.manage', system);
  if (plan.isPending) return <Loading what="tonight's plan" />;
  if (plan.error) return <ProblemNote error={plan.error} prefix="The plan could not be loaded:" />;
  const zone = info?.timeZone ?? 'UTC';
  const now = new Date();
  return (
    <section aria-labelledby="tonight-title">
      <h1 id="tonight-title">Tonight{info ? ` · ${info.title}` : ''}</h1>
      <p>
        Version check: {plan.data.versionCheck.flow ? `a bug confirmed now takes ${FLOW_LABEL[plan.data.versionCheck.flow as 'flow1' | 'flow2'] ?? plan.data.versionCheck.flow}` : 'no flow is safe now'}: {plan.data.versionCheck.reason}
      </p>
      {(['t1', 't2'] as const).map((slot) => (
        <section key={slot} className="panel" aria-labelledby={`${slot}-title`}>
          <h2 id={`${slot}-title`}>
            {slot.toUpperCase()} {slotInWords(new Date(plan.data[slot].at), now, zone)}
          </h2>
          <PlanList system={system} items={plan.data[slot].bugs} />
          {canRun ? <RunNow system={system} slot={slot} /> : null}
        </section>
      ))}
    </section>
  );
}

function PlanList({ system, items }: { system: string; items: Plan['t1']['bugs'] }) {
  if (items.length === 0) return <p className="empty">Nothing to do.</p>;
  return (
    <ul className="plan">
      {items.map((b) => (
        <li key={`${b.id}-${b.action}`}>
          <Link href={`/systems/${system}/bugs/${b.id}`}>
            #{b.id} {b.title}
          </Link>
          : <strong>{b.action}</strong>
          {b.reason ? <span className="muted"> ({b.reason})</span> : null}
        </li>
      ))}
    </ul>
  );
}

function RunNow({ system, slot }: { system: string; slot: Slot }) {
  const client = useQueryClient();
  const [preview, setPreview] = useState<Plan | null>(null);
  const label = `Run ${slot.toUpperCase()} now`;
  const dryRun = useMutation({
    mutationFn: () => api<Plan>('POST', systemPath(system, `/runs/${slot}`), { dryRun: true }),
    onSuccess: setPreview,
  });
  const run = useMutation({
    mutationFn: () => api<Run>('POST', systemPath(system, `/runs/${slot}`), {}),
    onSettled: () => {
      setPreview(null);
      void client.invalidateQueries({ queryKey: keys.system(system) });
    },
  });
  return (
    <div className="run-now">
      {!preview ? (
        <button type="button" onClick={() => dryRun.mutate()} disabled={dryRun.isPending || run.isPending}>
          {label}…
        </button>
      ) : (
        <div className="confirm-run" role="group" aria-label={`${slot.toUpperCase()} preview`}>
          <p>
            <strong>Dry run:</strong> this is what {slot.toUpperCase()} would do now.
          </p>
          <PlanList system={system} items={preview[slot].bugs} />
          <button type="button" className="primary" onClick={() => run.mutate()} disabled={run.isPending}>
            {run.isPending ? `${slot.toUpperCase()} running…` : label}
          </button>
          <button type="button" onClick={() => setPreview(null)} disabled={run.isPending}>
            Cancel
          </button>
        </div>
      )}
      <ProblemNote error={dryRun.error ?? run.error} prefix={`${slot.toUpperCase()}:`} />
      {run.data ? (
        <p role="status" className="notice">
          {slot.toUpperCase()} finished: <span data-run-status={run.data.status}>{run.data.status}</span>.{' '}
          <Link href={`/systems/${system}/runs/${run.data.id}`}>See run {run.data.id}</Link>
        </p>
      ) : null}
    </div>
  );
}
