/**
 * HISTORY (SEED.md's rollback procedure: "document in HISTORY"): every rollback with what was
 * deployed and when, what broke, where it went back to, the bugs it reverted, the validation, the
 * root cause and fix plan (admins write them here), SEED.md's rollback checklist; and the
 * emergency hotfixes with their SLA outcome.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { HotfixPage, Rollback, RollbackPage } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useCan } from '../session.tsx';
import { IncidentTable } from './incidents-page.tsx';
import { useSystem } from './use-system.ts';

const IMPACT_LABEL: Record<Rollback['impact'], string> = { ux: 'minor UX glitch', regression: 'functional regression', 'data-corruption': 'data corruption risk' };

export function HistoryPage() {
  const { name: system, info } = useSystem();
  const zone = info?.timeZone ?? 'UTC';
  const rollbacks = useInfiniteQuery({
    queryKey: keys.rollbacks(system),
    queryFn: ({ pageParam }) => api<RollbackPage>('GET', systemPath(system, `/rollbacks${queryString({ cursor: pageParam, limit: 20 })}`)),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => r.status === 'running' || r.status === 'validating')) ? 2000 : false),
  });
  const hotfixes = useQuery({ queryKey: keys.hotfixes(system, { history: true }), queryFn: () => api<HotfixPage>('GET', systemPath(system, `/hotfixes${queryString({ limit: 50 })}`)) });
  const items = rollbacks.data?.pages.flatMap((p) => p.items) ?? [];
  const done = (hotfixes.data?.items ?? []).filter((h) => h.status === 'deployed' || h.status === 'closed');
  return (
    <section aria-labelledby="history-title">
      <div className="page-head">
        <h1 id="history-title">HISTORY{info ? ` · ${info.title}` : ''}</h1>
        <a className="button" href={`/api/v1${systemPath(system, '/history.md')}`} target="_blank" rel="noreferrer">
          As Markdown
        </a>
      </div>
      <h2>Rollbacks</h2>
      {rollbacks.isPending ? <Loading what="the rollbacks" /> : null}
      <ProblemNote error={rollbacks.error} prefix="The HISTORY could not be loaded:" />
      {rollbacks.isSuccess && items.length === 0 ? <p className="empty">No rollback yet.</p> : null}
      {items.map((r) => (
        <RollbackEntry key={r.id} system={system} rollback={r} zone={zone} />
      ))}
      {rollbacks.hasNextPage ? (
        <button type="button" onClick={() => void rollbacks.fetchNextPage()}>
          Load more
        </button>
      ) : null}
      <h2>Emergency hotfixes</h2>
      <ProblemNote error={hotfixes.error} />
      {hotfixes.isSuccess && done.length === 0 ? <p className="empty">No emergency hotfix has been deployed.</p> : null}
      {done.length ? <IncidentTable system={system} items={done} zone={zone} /> : null}
    </section>
  );
}

function RollbackEntry({ system, rollback: r, zone }: { system: string; rollback: Rollback; zone: string }) {
  const canDocument = useCan('releases.manage', system);
  const validation = r.validation as { verdict?: string; detail?: string } | null;
  return (
    <article className="panel history-entry" aria-label={`Rollback ${r.id}`} data-rollback={r.id} data-status={r.status}>
      <h3>
        Rollback {r.id} of {r.env.toUpperCase()}: <span className={`state state-${r.status}`}>{r.status}</span>{' '}
        <span className="muted">
          ({IMPACT_LABEL[r.impact]}, {r.trigger === 'manual' ? `by ${r.by}` : `by ${r.trigger}`}, <Instant at={r.createdAt} timeZone={zone} />)
        </span>
      </h3>
      <dl className="facts">
        <div className="fact">
          <dt>What was deployed</dt>
          <dd>
            {r.deployed.version ?? r.deployed.commit?.slice(0, 10) ?? '—'}
            {r.deployed.at ? (
              <>
                , <Instant at={r.deployed.at} timeZone={zone} />
              </>
            ) : null}
            {r.deployed.deploymentId ? (
              <>
                {' '}
                (<Link href={`/systems/${system}/deployments/${r.deployed.deploymentId}`}>deployment {r.deployed.deploymentId}</Link>)
              </>
            ) : null}
          </dd>
        </div>
        <div className="fact">
          <dt>What broke</dt>
          <dd>{r.reason}</dd>
        </div>
        <div className="fact">
          <dt>Back to</dt>
          <dd>
            {r.status === 'followup' ? 'not rolled back (follow-up planned)' : (r.target.version ?? r.target.commit?.slice(0, 10) ?? '—')}
            {r.rollbackDeploymentId ? (
              <>
                {' '}
                (<Link href={`/systems/${system}/deployments/${r.rollbackDeploymentId}`}>deployment {r.rollbackDeploymentId}</Link>)
              </>
            ) : null}
          </dd>
        </div>
        {r.bugs.length ? (
          <div className="fact">
            <dt>Bugs</dt>
            <dd>
              {r.bugs.map((b) => (
                <div key={b.id}>
                  <Link href={`/systems/${system}/bugs/${b.id}`}>#{b.id}</Link> {b.result === 'reverted' ? `${b.from} → ${b.to}` : `left at ${b.from}${b.reason ? ` (${b.reason})` : ''}`}
                </div>
              ))}
            </dd>
          </div>
        ) : null}
        <div className="fact">
          <dt>Validation</dt>
          <dd>{validation?.detail ?? (r.status === 'running' || r.status === 'validating' ? 'under way…' : '—')}</dd>
        </div>
        {r.detail ? (
          <div className="fact">
            <dt>Detail</dt>
            <dd>{r.detail}</dd>
          </div>
        ) : null}
        <div className="fact">
          <dt>Root cause</dt>
          <dd>{r.rootCause ?? <span className="warning">not documented yet</span>}</dd>
        </div>
        <div className="fact">
          <dt>Fix plan</dt>
          <dd>{r.fixPlan ?? <span className="warning">not recorded yet</span>}</dd>
        </div>
      </dl>
      <details>
        <summary>
          Rollback checklist ({r.checklist.filter((c) => c.done).length} of {r.checklist.length})
        </summary>
        <ul className="checklist">
          {r.checklist.map((c) => (
            <li key={c.item} data-done={c.done}>
              <span aria-hidden="true">{c.done ? '☑' : '☐'}</span> <span className="visually-hidden">{c.done ? 'done:' : 'to do:'}</span> {c.item}
              <div className="muted small">{c.detail}</div>
            </li>
          ))}
        </ul>
      </details>
      {canDocument ? <DocumentForm system={system} rollback={r} /> : null}
    </article>
  );
}

function DocumentForm({ system, rollback: r }: { system: string; rollback: Rollback }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const save = useMutation({
    mutationFn: (body: { rootCause?: string; fixPlan?: string }) => api<Rollback>('PATCH', systemPath(system, `/rollbacks/${r.id}`), body),
    onSuccess: () => setOpen(false),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.rollbacks(system) }),
  });
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} aria-expanded={false}>
        Document rollback {r.id}…
      </button>
    );
  }
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (n: string) => String(form.get(n) ?? '').trim();
    save.mutate({ ...(text('rootCause') ? { rootCause: text('rootCause') } : {}), ...(text('fixPlan') ? { fixPlan: text('fixPlan') } : {}) });
  };
  return (
    <form className="stacked" onSubmit={submit} aria-label={`Document rollback ${r.id}`}>
      <label>
        Root cause
        <textarea name="rootCause" rows={2} defaultValue={r.rootCause ?? ''} />
      </label>
      <label>
        Fix plan
        <textarea name="fixPlan" rows={2} defaultValue={r.fixPlan ?? ''} />
      </label>
      <div className="buttons">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <ProblemNote error={save.error} prefix="Not saved:" />
    </form>
  );
}
