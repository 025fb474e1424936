/**
 * Tonight: what the next T1 and T2 will do, bug by bug, with the reason for every hold or skip;
 * the freezes in force at each slot and now; the pre-deploy checklist's last result (and the
 * on-call acknowledgement); whether a deploy holds the system; and, for those who may, "Run T1
 * now" / "Run T2 now" after a dry-run preview, with the run's steps shown live while it runs.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { FLOW_LABEL } from '../../../src/features/bugs/bug-statuses.ts';
import { slotInWords } from '../../../src/features/schedule/slot-words.ts';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { ChecklistPage, DeployLockState, FreezeList, Plan, Run, RunPage } from '../api/types.ts';
import { ChecklistReport, OnCallAck } from '../components/checklist-report.tsx';
import { LiveDeployLog } from '../components/live-deploy-log.tsx';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useCan } from '../session.tsx';
import { FreezeChip } from './freezes-page.tsx';
import { useSystem } from './use-system.ts';

type Slot = 't1' | 't2';

export function TonightPage() {
  const { name: system, info } = useSystem();
  const plan = useQuery({ queryKey: keys.plan(system), queryFn: () => api<Plan>('GET', systemPath(system, '/plan')) });
  const freezes = useQuery({ queryKey: keys.freezes(system), queryFn: () => api<FreezeList>('GET', systemPath(system, `/freezes${queryString({ all: 'true', limit: 100 })}`)) });
  const checks = useQuery({ queryKey: keys.checks(system, { recent: true }), queryFn: () => api<ChecklistPage>('GET', systemPath(system, `/checks${queryString({ limit: 20 })}`)) });
  const lock = useQuery({ queryKey: keys.deployLock(system), queryFn: () => api<DeployLockState>('GET', systemPath(system, '/deploy-lock')), refetchInterval: (q) => (q.state.data?.inProgress ? 2000 : false) });
  const canRun = useCan('releases.manage', system);
  if (plan.isPending) return <Loading what="tonight's plan" />;
  if (plan.error) return <ProblemNote error={plan.error} prefix="The plan could not be loaded:" />;
  const zone = info?.timeZone ?? 'UTC';
  const now = new Date();
  const last = checks.data?.items[0];
  // The night's acknowledgement belongs to the checklist that asked for it (often an earlier one).
  const asking = checks.data?.items.find((c) => c.ack);
  return (
    <section aria-labelledby="tonight-title">
      <h1 id="tonight-title">Tonight{info ? ` · ${info.title}` : ''}</h1>
      <p>
        Version check: {plan.data.versionCheck.flow ? `a bug confirmed now takes ${FLOW_LABEL[plan.data.versionCheck.flow as 'flow1' | 'flow2'] ?? plan.data.versionCheck.flow}` : 'no flow is safe now'}: {plan.data.versionCheck.reason}
      </p>
      {lock.data?.inProgress ? (
        <p className="deploy-lock" role="status">
          <strong>Deploy in progress:</strong> {lock.data.purpose} by {lock.data.holder}
          {lock.data.since ? (
            <>
              , since <Instant at={lock.data.since} timeZone={zone} />
            </>
          ) : null}
          {lock.data.runId ? (
            <>
              {' '}
              (<Link href={`/systems/${system}/runs/${lock.data.runId}`}>run {lock.data.runId}</Link>)
            </>
          ) : null}
        </p>
      ) : null}
      <section className="panel" aria-labelledby="freezes-now-title">
        <h2 id="freezes-now-title">Freezes in force</h2>
        <ProblemNote error={freezes.error} />
        {freezes.data ? (
          freezes.data.now.sources.length ? (
            <ul>
              {freezes.data.now.sources.map((w, i) => (
                <li key={i}>
                  <FreezeChip window={w} /> until {w.endLocal ?? 'removed'}
                </li>
              ))}
            </ul>
          ) : (
            <p>None now.</p>
          )
        ) : null}
        <p>
          <Link href={`/systems/${system}/freezes`}>Freeze calendar</Link>
        </p>
      </section>
      {(['t1', 't2'] as const).map((slot) => {
        const freeze = plan.data[slot].freeze;
        return (
          <section key={slot} className="panel" aria-labelledby={`${slot}-title`}>
            <h2 id={`${slot}-title`}>
              {slot.toUpperCase()} {slotInWords(new Date(plan.data[slot].at), now, zone)}
            </h2>
            {freeze && (freeze.full || freeze.modules.length) ? (
              <p className="warning" data-slot-freeze={freeze.full ? 'full' : 'modules'}>
                {freeze.full ? 'Frozen: this run will be skipped. ' : `Frozen modules (their bugs wait): ${freeze.modules.join(', ')}. `}
                {freeze.detail}
              </p>
            ) : null}
            <PlanList system={system} items={plan.data[slot].bugs} />
            {canRun ? <RunNow system={system} slot={slot} /> : null}
          </section>
        );
      })}
      <section className="panel" aria-labelledby="checklist-title">
        <h2 id="checklist-title">Pre-deploy checklist: last result</h2>
        <ProblemNote error={checks.error} />
        {last ? <ChecklistReport system={system} checklist={last} timeZone={zone} showAck={false} /> : checks.isSuccess ? <p className="empty">No checklist has run yet: T1 and T2 run it before deploying.</p> : null}
        <CheckNow system={system} />
      </section>
      {asking ? (
        <section className="panel" aria-labelledby="oncall-title">
          <h2 id="oncall-title">On call</h2>
          <OnCallAck system={system} checklist={asking} timeZone={zone} />
        </section>
      ) : null}
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

/** Managers and admins run the checklist on demand (the evidence is what a run would see now). */
function CheckNow({ system }: { system: string }) {
  const client = useQueryClient();
  const allowed = useCan('bugs.approve', system);
  const check = useMutation({
    mutationFn: () => api('POST', systemPath(system, '/checks'), {}),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.system(system) }),
  });
  if (!allowed) return null;
  return (
    <>
      <button type="button" onClick={() => check.mutate()} disabled={check.isPending}>
        {check.isPending ? 'Checking…' : 'Run the checklist now'}
      </button>
      <ProblemNote error={check.error} prefix="The checklist did not run:" />
    </>
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
          {preview[slot].freeze?.full ? <p className="warning">Frozen: {preview[slot].freeze?.detail}</p> : null}
          <PlanList system={system} items={preview[slot].bugs} />
          <button type="button" className="primary" onClick={() => run.mutate()} disabled={run.isPending}>
            {run.isPending ? `${slot.toUpperCase()} running…` : label}
          </button>
          <button type="button" onClick={() => setPreview(null)} disabled={run.isPending}>
            Cancel
          </button>
        </div>
      )}
      {run.isPending ? <RunningNow system={system} slot={slot} /> : null}
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

/** While "run now" waits for its answer: the run in progress, and its deploy log as it is written. */
function RunningNow({ system, slot }: { system: string; slot: Slot }) {
  const { info } = useSystem();
  const latest = useQuery({
    queryKey: [...keys.runs(system), 'running', slot],
    queryFn: () => api<RunPage>('GET', systemPath(system, `/runs${queryString({ slot, limit: 1 })}`)),
    refetchInterval: 1000,
  });
  const r = latest.data?.items[0];
  if (!r || r.status !== 'running') return null;
  return (
    <div className="running-now">
      <p>
        <Link href={`/systems/${system}/runs/${r.id}`}>Run {r.id}</Link> is running.
      </p>
      <LiveDeployLog system={system} runId={r.id} timeZone={info?.timeZone ?? 'UTC'} />
    </div>
  );
}
