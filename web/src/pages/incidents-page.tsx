/**
 * Emergency hotfixes (incidents): the list with each SLA clock, opening one for a high or critical
 * bug, and one incident with its SLA countdown, SEED.md's nine-item checklist (ticked by people or
 * by the system), what a deploy to PROD needs now, and the steps that follow.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { CHECKLIST } from '../../../src/features/hotfixes/hotfix-rules.ts';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { BugPage, Hotfix, HotfixPage, HotfixSummary } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { slaState } from '../components/sla-clock.ts';
import { SlaCountdown } from '../components/sla-countdown.tsx';
import { SeverityTag, StatusBadge } from '../components/status-badge.tsx';
import { Instant } from '../components/time.tsx';
import { useNow } from '../components/use-now.ts';
import { useCan } from '../session.tsx';
import { useSystem } from './use-system.ts';

const STATUSES = ['open', 'deploying', 'deployed', 'closed'] as const;

export function IncidentsPage() {
  const { name: system, info } = useSystem();
  const zone = info?.timeZone ?? 'UTC';
  const [status, setStatus] = useState('');
  const canOpen = useCan('hotfixes.manage', system);
  const list = useQuery({
    queryKey: keys.hotfixes(system, { status }),
    queryFn: () => api<HotfixPage>('GET', systemPath(system, `/hotfixes${queryString({ status, limit: 100 })}`)),
  });
  return (
    <section aria-labelledby="incidents-title">
      <h1 id="incidents-title">Incidents{info ? ` · ${info.title}` : ''}</h1>
      <p className="muted">High and critical bugs never wait for T1/T2: each is an emergency hotfix with an SLA clock (times in {zone}).</p>
      {canOpen ? <OpenHotfix system={system} /> : null}
      <form className="filters" role="search" aria-label="Filter incidents" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.isPending ? <Loading what="incidents" /> : null}
      <ProblemNote error={list.error} prefix="The incidents could not be loaded:" />
      {list.data && list.data.items.length === 0 ? <p className="empty">No incident{status ? ` is ${status}` : ''}.</p> : null}
      {list.data?.items.length ? <IncidentTable system={system} items={list.data.items} zone={zone} /> : null}
    </section>
  );
}

export function IncidentTable({ system, items, zone }: { system: string; items: HotfixSummary[]; zone: string }) {
  const now = useNow(15_000);
  return (
    <table className="incidents">
      <thead>
        <tr>
          <th scope="col">Incident</th>
          <th scope="col">Bug</th>
          <th scope="col">Priority</th>
          <th scope="col">Status</th>
          <th scope="col">SLA</th>
          <th scope="col">Opened</th>
        </tr>
      </thead>
      <tbody>
        {items.map((h) => {
          const sla = slaState({ openedAt: h.openedAt, dueAt: h.slaDueAt, stoppedAt: h.slaStoppedAt }, now);
          return (
            <tr key={h.id} data-incident={h.id}>
              <td data-label="Incident">
                <Link href={`/systems/${system}/incidents/${h.id}`}>incident {h.id}</Link>
              </td>
              <td data-label="Bug">
                #{h.bugId} {h.title} <SeverityTag severity={h.severity} />
              </td>
              <td data-label="Priority">
                <span className={`priority priority-${h.priority}`}>{h.priority}</span>
              </td>
              <td data-label="Status">
                <span className={`state state-${h.status}`}>{h.status}</span>
              </td>
              <td data-label="SLA">
                <span className={`sla-tag sla-${sla.state}`}>{sla.state}</span> <Instant at={h.slaDueAt} timeZone={zone} />
              </td>
              <td data-label="Opened">
                <Instant at={h.openedAt} timeZone={zone} /> by {h.openedBy}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** High and critical bugs still submitted: the ones a hotfix may be opened for. */
function OpenHotfix({ system }: { system: string }) {
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const candidates = useQuery({
    queryKey: keys.bugs(system, { hotfixCandidates: true }),
    queryFn: async () => {
      const pages = await Promise.all(['critical', 'high'].map((severity) => api<BugPage>('GET', systemPath(system, `/bugs${queryString({ status: 'submitted', severity, limit: 50 })}`))));
      return pages.flatMap((p) => p.items);
    },
  });
  const open = useMutation({
    mutationFn: (bugId: number) => api<Hotfix>('POST', systemPath(system, '/hotfixes'), { bugId }),
    onSuccess: (h) => {
      void client.invalidateQueries({ queryKey: keys.system(system) });
      navigate(`/systems/${system}/incidents/${h.id}`);
    },
  });
  const bugs = candidates.data ?? [];
  return (
    <section className="panel" aria-labelledby="open-title">
      <h2 id="open-title">Open an emergency hotfix</h2>
      {candidates.isPending ? <Loading what="high and critical bugs" /> : null}
      <ProblemNote error={candidates.error} />
      {candidates.data && bugs.length === 0 ? <p className="empty">No high or critical bug is waiting.</p> : null}
      {bugs.length ? (
        <form
          className="inline-form"
          aria-label="Open an emergency hotfix"
          onSubmit={(e) => {
            e.preventDefault();
            open.mutate(Number(new FormData(e.currentTarget).get('bugId')));
          }}
        >
          <label>
            Bug
            <select name="bugId" required>
              {bugs.map((b) => (
                <option key={b.id} value={b.id}>
                  #{b.id} [{b.severity}] {b.title}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="danger" disabled={open.isPending}>
            Open hotfix
          </button>
        </form>
      ) : null}
      <ProblemNote error={open.error} prefix="Not opened:" />
    </section>
  );
}

export function IncidentPage() {
  const { name: system, info } = useSystem();
  const id = Number(useParams<{ id: string }>().id);
  const zone = info?.timeZone ?? 'UTC';
  const query = useQuery({
    queryKey: keys.hotfix(system, id),
    queryFn: () => api<Hotfix>('GET', systemPath(system, `/hotfixes/${id}`)),
    refetchInterval: (q) => (q.state.data?.status === 'deploying' || q.state.data?.uatFollowUp?.status === 'running' ? 1500 : false),
  });
  if (query.isPending) return <Loading what={`incident ${id}`} />;
  if (query.error) return <ProblemNote error={query.error} prefix={`Incident ${id} could not be loaded:`} />;
  const h = query.data;
  return (
    <article aria-labelledby="incident-title" className="incident">
      <p className="crumbs">
        <Link href={`/systems/${system}/incidents`}>← Incidents</Link>
      </p>
      <h1 id="incident-title">
        Incident {h.id}: <Link href={`/systems/${system}/bugs/${h.bugId}`}>#{h.bugId}</Link> {h.title}
      </h1>
      <p className="bug-tags">
        <span className={`priority priority-${h.priority}`}>{h.priority}</span> <SeverityTag severity={h.severity} /> <span className={`state state-${h.status}`}>{h.status}</span>{' '}
        <StatusBadge status={h.bug.status} />
        <span className="muted">
          {' '}
          opened by {h.openedBy}, <Instant at={h.openedAt} timeZone={zone} />
        </span>
      </p>
      <SlaCountdown priority={h.priority} openedAt={h.openedAt} dueAt={h.slaDueAt} stoppedAt={h.slaStoppedAt} timeZone={zone} />
      <IncidentActions system={system} incident={h} />
      <div className="two-columns">
        <Checklist system={system} incident={h} zone={zone} />
        <section aria-labelledby="facts-title">
          <h2 id="facts-title">What a deploy needs now</h2>
          <ul className="gate">
            <GateLine ok={h.gate.teamNotified}>{h.gate.teamNotified ? 'The team was notified.' : 'Notify at least one other team member first.'}</GateLine>
            <GateLine ok={!h.gate.freeze.frozen}>{h.gate.freeze.frozen ? `Freeze: ${h.gate.freeze.why}` : 'No freeze is in force.'}</GateLine>
            <GateLine ok={h.gate.approval.ok}>{h.gate.approval.reason}</GateLine>
          </ul>
          <dl className="facts">
            <Fact term="Branch">{h.branch ? <code>{h.branch}</code> : (h.branchNote ?? '—')}</Fact>
            <Fact term="PROD when opened">
              {h.baseVersion ?? '—'} {h.baseCommit ? <code title={h.baseCommit}>{h.baseCommit.slice(0, 10)}</code> : null}
            </Fact>
            <Fact term="Fix">{h.bug.fixRefs.length ? h.bug.fixRefs.map((f) => `${f.kind} ${f.ref} (${f.commit.slice(0, 10)})`).join(', ') : 'no fix attached yet'}</Fact>
            <Fact term="Notified">
              {h.notices.length
                ? h.notices.map((n, i) => (
                    <div key={i}>
                      {n.people.join(', ')} by {n.by}, <Instant at={n.at} timeZone={zone} />
                    </div>
                  ))
                : 'nobody yet'}
            </Fact>
            <Fact term="Approvals">
              {h.approvals.length
                ? h.approvals.map((a) => (
                    <div key={a.approver}>
                      {a.approver} ({a.roles.join(', ')}), <Instant at={a.at} timeZone={zone} />
                      {a.note ? `: ${a.note}` : ''}
                    </div>
                  ))
                : 'none'}
            </Fact>
            <Fact term="Deploy">
              {h.deploy ? (
                <>
                  {h.deploy.version ?? h.deploy.commit.slice(0, 10)} {h.deploy.mode === 'manual' ? 'recorded by hand' : 'by the driver'} by {h.deploy.by}, <Instant at={h.deploy.at} timeZone={zone} />
                  {h.deploy.deploymentId ? (
                    <>
                      {' '}
                      (<Link href={`/systems/${system}/deployments/${h.deploy.deploymentId}`}>deployment {h.deploy.deploymentId}</Link>)
                    </>
                  ) : null}
                </>
              ) : (
                'not yet'
              )}
            </Fact>
            <Fact term="UAT follow-up">
              {h.uatFollowUp ? (
                <>
                  {h.uatFollowUp.mode === 'cherry_pick' ? 'cherry-pick onto UAT' : 'update UAT'}: <strong>{h.uatFollowUp.status}</strong> ({h.uatFollowUp.reason})
                  {h.uatFollowUp.error ? <div className="warning">{h.uatFollowUp.error}</div> : null}
                </>
              ) : (
                'after the deploy'
              )}
            </Fact>
            <Fact term="Review">
              {h.review.dueAt ? (
                <>
                  due <Instant at={h.review.dueAt} timeZone={zone} />
                  {h.review.heldAt ? (
                    <>
                      , held <Instant at={h.review.heldAt} timeZone={zone} /> by {h.review.heldBy}
                    </>
                  ) : null}
                </>
              ) : (
                'none needed'
              )}
            </Fact>
            <Fact term="Post-incident note">
              {h.note ? (
                <>
                  <div>Root cause: {h.note.rootCause}</div>
                  <div>Fix: {h.note.fixSummary}</div>
                </>
              ) : (
                'not written yet'
              )}
            </Fact>
          </dl>
        </section>
      </div>
    </article>
  );
}

function GateLine({ ok, children }: { ok: boolean; children: ReactNode }) {
  return (
    <li data-ok={ok}>
      <span aria-hidden="true">{ok ? '✓' : '✗'}</span> <span className="visually-hidden">{ok ? 'met:' : 'missing:'}</span> {children}
    </li>
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

/** SEED.md's nine items in order; the ones a person does get a button for those who may. */
function Checklist({ system, incident, zone }: { system: string; incident: Hotfix; zone: string }) {
  const client = useQueryClient();
  const canTick = useCan('bugs.triage', system);
  const tick = useMutation({
    mutationFn: (item: string) => api<Hotfix>('POST', systemPath(system, `/hotfixes/${incident.id}/checklist/${item}`), {}),
    onSuccess: (h) => client.setQueryData(keys.hotfix(system, incident.id), h),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.system(system) }),
  });
  const done = incident.checklist.filter((c) => c.done).length;
  return (
    <section aria-labelledby="checklist-title">
      <h2 id="checklist-title">
        Checklist ({done} of {incident.checklist.length})
      </h2>
      <ol className="checklist">
        {incident.checklist.map((c) => {
          const rule = CHECKLIST.find((r) => r.item === c.item);
          const tickable = canTick && !c.done && rule?.person && incident.status !== 'closed' && ((c.item !== 'deployed_within_sla' && c.item !== 'smoke_test') || incident.status === 'deployed');
          return (
            <li key={c.item} data-item={c.item} data-done={c.done}>
              <span className="check-mark" aria-hidden="true">
                {c.done ? '☑' : '☐'}
              </span>{' '}
              <span className="visually-hidden">{c.done ? 'done:' : 'to do:'}</span> {c.text}
              <div className="muted small">
                {c.done ? (
                  <>
                    {c.bySystem ? 'by the system' : `by ${c.by}`}, <Instant at={c.at} timeZone={zone} />
                    {c.note ? `: ${c.note}` : ''}
                  </>
                ) : (
                  `done by ${rule?.doneBy ?? 'a person'}`
                )}
              </div>
              {tickable ? (
                <button type="button" className="small-button" disabled={tick.isPending} onClick={() => tick.mutate(c.item)}>
                  Tick “{c.text.split(' (')[0]}”
                </button>
              ) : null}
            </li>
          );
        })}
      </ol>
      <ProblemNote error={tick.error} prefix="Not ticked:" />
    </section>
  );
}

type Step = 'notify' | 'approve' | 'deploy' | 'record-deploy' | 'uat-follow-up' | 'note' | 'review' | 'close';

const STEP_LABEL: Record<Step, string> = {
  notify: 'Notify the team',
  approve: 'Approve hotfix',
  deploy: 'Deploy to PROD',
  'record-deploy': 'Record a deploy done by hand',
  'uat-follow-up': 'Update UAT',
  note: 'Write the post-incident note',
  review: 'Record the review as held',
  close: 'Close incident',
};

function IncidentActions({ system, incident: h }: { system: string; incident: Hotfix }) {
  const client = useQueryClient();
  const canTriage = useCan('bugs.triage', system);
  const canApprove = useCan('bugs.approve', system);
  const canManage = useCan('hotfixes.manage', system);
  const [open, setOpen] = useState<Step | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const step = useMutation({
    mutationFn: ({ path, body }: { path: Step; body: Record<string, unknown> }) => api<Hotfix>('POST', systemPath(system, `/hotfixes/${h.id}/${path}`), body),
    onSuccess: (updated, { path }) => {
      client.setQueryData(keys.hotfix(system, h.id), updated);
      setOpen(null);
      setNotice(`${STEP_LABEL[path]}: done.`);
    },
    onSettled: () => void client.invalidateQueries({ queryKey: keys.system(system) }),
  });
  if (h.status === 'closed') return <p className="notice">Closed{h.closedAt ? ` by ${h.closedBy}` : ''}: the checklist and note are final.</p>;
  const steps: Step[] = [];
  if (canTriage) steps.push('notify');
  if (canApprove && h.status === 'open') steps.push('approve');
  if (canManage && h.status === 'open') steps.push('deploy', 'record-deploy');
  if (canManage && h.status === 'deployed' && h.uatFollowUp?.status !== 'done') steps.push('uat-follow-up');
  if (canTriage) steps.push('note');
  if (canTriage && h.review.dueAt && !h.review.heldAt) steps.push('review');
  if (canManage && h.status === 'deployed') steps.push('close');
  if (steps.length === 0) return <p className="muted no-actions">No step of this incident is open to you.</p>;
  const withForm = (s: Step) => s === 'notify' || s === 'approve' || s === 'record-deploy' || s === 'note' || s === 'review';
  const run = (path: Step, body: Record<string, unknown> = {}) => {
    setNotice(null);
    step.mutate({ path, body });
  };
  const submit = (path: Step) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const optional = (name: string) => (text(name) ? { [name]: text(name) } : {});
    if (path === 'notify') {
      const people = text('people')
        .split(/[\s,]+/)
        .filter(Boolean);
      run(path, { ...(people.length ? { people } : {}), ...optional('message') });
    } else if (path === 'approve') run(path, optional('note'));
    else if (path === 'record-deploy') run(path, { commit: text('commit'), ...optional('version') });
    else if (path === 'note') run(path, { rootCause: text('rootCause'), fixSummary: text('fixSummary') });
    else run(path, optional('summary'));
  };
  return (
    <section className="actions" aria-label="Incident actions">
      <div className="buttons">
        {steps.map((s) => (
          <button
            key={s}
            type="button"
            className={s === 'deploy' || s === 'close' ? 'danger' : s === 'notify' || s === 'approve' ? 'primary' : ''}
            disabled={step.isPending}
            aria-expanded={withForm(s) ? open === s : undefined}
            onClick={() => (withForm(s) ? setOpen(open === s ? null : s) : run(s))}
          >
            {step.isPending && step.variables?.path === s ? `${STEP_LABEL[s]}…` : STEP_LABEL[s]}
          </button>
        ))}
      </div>
      {open === 'notify' ? (
        <form className="action-form" onSubmit={submit('notify')} aria-label="Notify the team">
          <label>
            People (user names; empty: the system's admins, managers and CTOs)
            <input name="people" placeholder="alice, bob" />
          </label>
          <label>
            Message (optional)
            <input name="message" maxLength={2000} />
          </label>
          <button type="submit" className="primary">
            Send notice
          </button>
        </form>
      ) : null}
      {open === 'approve' ? (
        <form className="action-form" onSubmit={submit('approve')} aria-label="Approve the hotfix">
          <label>
            Note (optional)
            <input name="note" maxLength={2000} />
          </label>
          <button type="submit" className="primary">
            Approve
          </button>
        </form>
      ) : null}
      {open === 'record-deploy' ? (
        <form className="action-form" onSubmit={submit('record-deploy')} aria-label="Record a deploy done by hand">
          <label>
            Commit deployed to PROD
            <input name="commit" required minLength={7} maxLength={64} />
          </label>
          <label>
            Version (optional)
            <input name="version" maxLength={100} />
          </label>
          <button type="submit">Record deploy</button>
        </form>
      ) : null}
      {open === 'note' ? (
        <form className="stacked" onSubmit={submit('note')} aria-label="Post-incident note">
          <label>
            Root cause
            <textarea name="rootCause" required rows={3} defaultValue={h.note?.rootCause ?? ''} />
          </label>
          <label>
            Fix summary
            <textarea name="fixSummary" required rows={3} defaultValue={h.note?.fixSummary ?? ''} />
          </label>
          <div>
            <button type="submit" className="primary">
              Save note
            </button>
          </div>
        </form>
      ) : null}
      {open === 'review' ? (
        <form className="action-form" onSubmit={submit('review')} aria-label="Incident review held">
          <label>
            Summary (optional)
            <input name="summary" />
          </label>
          <button type="submit">Review held</button>
        </form>
      ) : null}
      <ProblemNote error={step.error} prefix="Refused:" />
      {notice ? (
        <p role="status" className="notice">
          {notice}
        </p>
      ) : null}
    </section>
  );
}
