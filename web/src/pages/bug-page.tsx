/**
 * One bug: what it is, the flow and why, its fix, analysis and diff, its release, approvals, the
 * T2 that will act on it, its whole history, and the actions the signed-in user may take now.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { FLOW_LABEL, STATUS_INFO } from '../../../src/features/bugs/bug-statuses.ts';
import { runsAtInWords, slotInWords } from '../../../src/features/schedule/slot-words.ts';
import { api, ApiProblem, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { BugWithHistory, Hotfix, PersonAction, Plan } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { SeverityTag, StatusBadge } from '../components/status-badge.tsx';
import { Instant } from '../components/time.tsx';
import { useCan } from '../session.tsx';
import { useSystem } from './use-system.ts';

const ACTION_LABEL: Record<PersonAction, string> = {
  confirm: 'Confirm',
  attach_fix: 'Attach fix',
  approve_prod: 'Approve PROD Deploy',
  approve_uat_merge: 'Approve Merge UAT',
  drop_from_release: 'Drop from release',
  reject: 'Reject',
  close: 'Close',
};

const ACTION_PATH: Record<PersonAction, string> = {
  confirm: 'confirm',
  attach_fix: 'fix',
  approve_prod: 'approve-prod',
  approve_uat_merge: 'approve-uat-merge',
  drop_from_release: 'drop-from-release',
  reject: 'reject',
  close: 'close',
};

export function BugPage() {
  const { name: system, info } = useSystem();
  const rawId = useParams<{ id: string }>().id ?? '';
  const id = Number(rawId);
  const query = useQuery({ queryKey: keys.bug(system, id), queryFn: () => api<BugWithHistory>('GET', systemPath(system, `/bugs/${id}`)), enabled: Number.isInteger(id) && id > 0 });
  const approvable = query.data?.allowedActions?.some((a) => a === 'approve_prod' || a === 'approve_uat_merge') ?? false;
  const plan = useQuery({ queryKey: keys.plan(system), queryFn: () => api<Plan>('GET', systemPath(system, '/plan')), enabled: approvable });
  if (!Number.isInteger(id) || id < 1) return <ProblemNote error={new Error(`"${rawId}" is not a bug number`)} />;
  if (query.isPending) return <Loading what={`bug #${id}`} />;
  if (query.error) return <ProblemNote error={query.error} prefix={`Bug #${id} could not be loaded:`} />;
  const bug = query.data;
  const zone = info?.timeZone ?? 'UTC';
  const now = new Date();
  const approvedAt = [...bug.history].reverse().find((h) => h.to === bug.status && (h.action === 'approve_prod' || h.action === 'approve_uat_merge'))?.at;
  const approvals = bug.history.filter((h) => h.action === 'approve_prod' || h.action === 'approve_uat_merge');
  return (
    <article aria-labelledby="bug-title" className="bug-page">
      <p className="crumbs">
        <Link href={`/systems/${system}/bugs`}>← Bugs</Link>
      </p>
      <h1 id="bug-title">
        #{bug.id} {bug.title}
      </h1>
      <p className="bug-tags">
        <StatusBadge status={bug.status} /> <SeverityTag severity={bug.severity} /> {bug.fixFlow ? <span className="flow">{FLOW_LABEL[bug.fixFlow]}</span> : null}
        <span className="muted"> {STATUS_INFO[bug.status].meaning}</span>
      </p>
      {bug.runsAt ? (
        <p className="runs-at" role="note">
          {info ? runsAtInWords({ runsAt: new Date(bug.runsAt), now, timeZone: zone, t2: info.schedule.t2, approvedAt: approvedAt ? new Date(approvedAt) : null }) : bug.runsAtLocal}
        </p>
      ) : approvable && plan.data ? (
        <p className="runs-at" role="note">
          If approved now: runs {slotInWords(new Date(plan.data.t2.at), now, zone)}
        </p>
      ) : null}
      {bug.validationSteps.length ? (
        <section className="panel" aria-labelledby="checks-title">
          <h2 id="checks-title">Before approving, check</h2>
          <ul>
            {bug.validationSteps.map((v, i) => (
              <li key={i}>
                <strong>{v.env.toUpperCase()}</strong>: {v.check}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <BugActions bug={bug} system={system} />
      <EmergencyHotfix bug={bug} system={system} />
      <dl className="facts">
        <Fact term="Description">{bug.description ? <p className="prose">{bug.description}</p> : '—'}</Fact>
        <Fact term="Severity">{bug.severity}</Fact>
        <Fact term="Found in">{bug.foundInEnv.toUpperCase()}</Fact>
        <Fact term="Module">{bug.module ?? '—'}</Fact>
        <Fact term="Services">{bug.services.length ? bug.services.join(', ') : '—'}</Fact>
        <Fact term="Flow">
          {bug.fixFlow ? FLOW_LABEL[bug.fixFlow] : 'not chosen yet'}
          {bug.flowReason ? <div className="muted">Why: {bug.flowReason}</div> : null}
          {bug.flowHold ? <div className="warning">Waiting: {bug.flowHold}</div> : null}
          {bug.flowOverrideReason ? <div>Override: {bug.flowOverrideReason}</div> : null}
        </Fact>
        <Fact term="Fix">
          {bug.fixRefs.length ? (
            <ul>
              {bug.fixRefs.map((f) => (
                <li key={`${f.commit}-${f.ref}`}>
                  <code title={f.commit}>{f.commit.slice(0, 10)}</code> ({f.kind} {f.ref}) by {f.attachedBy}, <Instant at={f.at} timeZone={zone} />
                </li>
              ))}
            </ul>
          ) : (
            'no fix attached'
          )}
        </Fact>
        <Fact term="Release">{bug.releaseId ? <Link href={`/systems/${system}/releases/${bug.releaseId}`}>release {bug.releaseId}</Link> : '—'}</Fact>
        <Fact term="Approvals">
          {approvals.length ? (
            <ul>
              {approvals.map((a) => (
                <li key={a.at + a.action}>
                  {a.action === 'approve_prod' ? 'PROD deploy' : 'UAT merge'} approved by {a.actor}, <Instant at={a.at} timeZone={zone} />
                </li>
              ))}
            </ul>
          ) : (
            'none yet'
          )}
        </Fact>
        {bug.conflict ? (
          <Fact term="Conflict">
            <span className="warning">
              {bug.conflict.message} ({bug.conflict.files.join(', ')})
            </span>
          </Fact>
        ) : null}
        <Fact term="Reported">
          by {bug.reporter}, <Instant at={bug.createdAt} timeZone={zone} />
        </Fact>
      </dl>
      {bug.analysis ? (
        <section aria-labelledby="analysis-title">
          <h2 id="analysis-title">Analysis</h2>
          <pre className="block">{JSON.stringify(bug.analysis, null, 2)}</pre>
        </section>
      ) : null}
      {bug.aiFixDiff ? (
        <section aria-labelledby="diff-title">
          <h2 id="diff-title">Fix diff</h2>
          <pre className="block diff">{bug.aiFixDiff}</pre>
        </section>
      ) : null}
      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <table className="history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Status</th>
              <th scope="col">Who</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {bug.history.map((h, i) => (
              <tr key={i}>
                <td data-label="When">
                  <Instant at={h.at} timeZone={zone} />
                </td>
                <td data-label="What">{h.action.replaceAll('_', ' ')}</td>
                <td data-label="Status">
                  {h.from && h.from !== h.to ? (
                    <>
                      <StatusBadge status={h.from} /> → <StatusBadge status={h.to} />
                    </>
                  ) : (
                    <StatusBadge status={h.to} />
                  )}
                </td>
                <td data-label="Who">{h.actor}</td>
                <td data-label="Why">{h.reason ?? (h.data && typeof h.data.runsAtLocal === 'string' ? `runs at ${h.data.runsAtLocal}` : '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </article>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The buttons of the actions the API says this user may take; forms for those that need input. */
function BugActions({ bug, system }: { bug: BugWithHistory; system: string }) {
  const client = useQueryClient();
  const canOverride = useCan('flow.override', system);
  const [open, setOpen] = useState<PersonAction | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: ({ action, body }: { action: PersonAction; body: Record<string, unknown> }) =>
      api<BugWithHistory>('POST', systemPath(system, `/bugs/${bug.id}/${ACTION_PATH[action]}`), body, { ifMatch: bug.version }),
    onSuccess: (_data, { action }) => {
      setOpen(null);
      setNotice(`${ACTION_LABEL[action]}: done.`);
      void client.invalidateQueries({ queryKey: keys.system(system) });
    },
    onError: (error) => {
      // Changed meanwhile: show the conflict and the bug as it is now; nothing was applied.
      if (error instanceof ApiProblem && error.isConflict) void client.invalidateQueries({ queryKey: keys.bug(system, bug.id) });
    },
  });
  const actions = bug.allowedActions ?? [];
  if (actions.length === 0) return <p className="muted no-actions">No action is open to you on this bug now.</p>;
  const run = (action: PersonAction, body: Record<string, unknown> = {}) => {
    setNotice(null);
    mutation.mutate({ action, body });
  };
  const needsForm = (a: PersonAction) => a === 'confirm' || a === 'attach_fix' || a === 'reject' || a === 'drop_from_release' || a === 'close';
  const submit = (action: PersonAction) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    if (action === 'confirm') run(action, { flow: text('flow') || 'auto', ...(text('reason') ? { reason: text('reason') } : {}) });
    else if (action === 'attach_fix') run(action, { [text('kind') === 'branch' ? 'branch' : 'commit']: text('ref') });
    else if (action === 'reject') run(action, { reason: text('reason') });
    else run(action, text('reason') ? { reason: text('reason') } : {});
  };
  const conflict = mutation.error instanceof ApiProblem && mutation.error.isConflict;
  return (
    <section className="actions" aria-label="Actions">
      <div className="buttons">
        {actions.map((a) => (
          <button key={a} type="button" className={a.startsWith('approve') || a === 'confirm' ? 'primary' : ''} disabled={mutation.isPending} aria-expanded={needsForm(a) ? open === a : undefined} onClick={() => (needsForm(a) ? setOpen(open === a ? null : a) : run(a))}>
            {ACTION_LABEL[a]}
          </button>
        ))}
      </div>
      {open === 'confirm' ? (
        <form className="action-form" onSubmit={submit('confirm')} aria-label="Confirm the bug">
          <label>
            Flow
            <select name="flow" defaultValue="auto">
              <option value="auto">as the version check chooses</option>
              {canOverride ? (
                <>
                  <option value="flow1">Flow 1 (override)</option>
                  <option value="flow2">Flow 2 (override)</option>
                </>
              ) : null}
            </select>
          </label>
          <label>
            Reason (needed for an override)
            <input name="reason" />
          </label>
          <button type="submit" className="primary">
            Confirm bug
          </button>
        </form>
      ) : null}
      {open === 'attach_fix' ? (
        <form className="action-form" onSubmit={submit('attach_fix')} aria-label="Attach a fix">
          <label>
            Kind
            <select name="kind" defaultValue="branch">
              <option value="branch">branch</option>
              <option value="commit">commit</option>
            </select>
          </label>
          <label>
            Branch or commit
            <input name="ref" required placeholder="fix/discount-code" />
          </label>
          <button type="submit" className="primary">
            Attach
          </button>
        </form>
      ) : null}
      {open === 'reject' || open === 'close' || open === 'drop_from_release' ? (
        <form className="action-form" onSubmit={submit(open)} aria-label={ACTION_LABEL[open]}>
          <label>
            Reason{open === 'reject' ? '' : ' (optional)'}
            <input name="reason" required={open === 'reject'} />
          </label>
          <button type="submit" className={open === 'reject' ? 'danger' : ''}>
            {ACTION_LABEL[open]} bug
          </button>
        </form>
      ) : null}
      {conflict ? (
        <div className="problem" role="alert">
          This bug changed while you looked at it: {mutation.error?.message} Nothing was applied; the page now shows it as it is.
        </div>
      ) : (
        <ProblemNote error={mutation.error} prefix="Refused:" />
      )}
      {notice ? (
        <p role="status" className="notice">
          {notice}
        </p>
      ) : null}
    </section>
  );
}

/**
 * High and critical bugs never enter the pipeline: their incident, or, while the bug is still
 * submitted, the button that opens one (for those who may).
 */
function EmergencyHotfix({ bug, system }: { bug: BugWithHistory; system: string }) {
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const canOpen = useCan('hotfixes.manage', system);
  const open = useMutation({
    mutationFn: () => api<Hotfix>('POST', systemPath(system, '/hotfixes'), { bugId: bug.id }),
    onSuccess: (h) => {
      void client.invalidateQueries({ queryKey: keys.system(system) });
      navigate(`/systems/${system}/incidents/${h.id}`);
    },
  });
  if (bug.severity !== 'high' && bug.severity !== 'critical') return null;
  const incidents = bug.history.flatMap((h) => (h.action === 'hotfix_opened' && typeof h.data?.incidentId === 'number' ? [h.data.incidentId] : []));
  return (
    <section className="panel hotfix-note" aria-label="Emergency hotfix">
      <p>
        <strong>{bug.severity}:</strong> the nightly pipeline refuses this bug; it is fixed as an emergency hotfix.
      </p>
      {incidents.map((id) => (
        <p key={id}>
          <Link href={`/systems/${system}/incidents/${id}`}>Incident {id}</Link>
        </p>
      ))}
      {incidents.length === 0 && bug.status === 'submitted' && canOpen ? (
        <button type="button" className="danger" onClick={() => open.mutate()} disabled={open.isPending}>
          Open emergency hotfix
        </button>
      ) : null}
      <ProblemNote error={open.error} prefix="Not opened:" />
    </section>
  );
}
