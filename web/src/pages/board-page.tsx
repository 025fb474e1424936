/**
 * The bug board: filters (status, severity, flow, module, search) kept in the address so a view
 * can be shared, a list paged by the server, a Flow 1 / Flow 2 view by status column, and
 * multi-select with the batch approvals the signed-in user may give.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { BUG_STATUSES, FIX_FLOWS, FLOW_LABEL, FLOW_PATHS, SEVERITIES, type BugStatus } from '../../../src/features/bugs/bug-statuses.ts';
import { slotInWords } from '../../../src/features/schedule/slot-words.ts';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { BatchResponse, BugPage, BugSummary, PersonAction } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { SeverityTag, StatusBadge } from '../components/status-badge.tsx';
import { useCan } from '../session.tsx';
import { useSystem } from './use-system.ts';

type View = 'list' | 'flow1' | 'flow2';
const FILTERS = ['status', 'severity', 'fixFlow', 'module', 'search'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const BATCH: { action: Extract<PersonAction, 'approve_prod' | 'approve_uat_merge'>; path: string; label: string }[] = [
  { action: 'approve_prod', path: 'approve-prod', label: 'Approve PROD Deploy' },
  { action: 'approve_uat_merge', path: 'approve-uat-merge', label: 'Approve Merge UAT' },
];

export function BoardPage() {
  const { name: system, info } = useSystem();
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const view = (['list', 'flow1', 'flow2'].includes(params.get('view') ?? '') ? params.get('view') : 'list') as View;
  const filters: Filters = {};
  for (const f of FILTERS) {
    const v = params.get(f);
    if (v) filters[f] = v;
  }
  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    const qs = next.toString();
    navigate(`/systems/${system}/bugs${qs ? `?${qs}` : ''}`, { replace: true });
  };
  const canApprove = useCan('bugs.approve', system);
  const canReport = useCan('bugs.report', system);
  const [selected, setSelected] = useState<Map<number, BugSummary>>(new Map());
  const toggle = (bug: BugSummary) =>
    setSelected((prev) => {
      const next = new Map(prev);
      if (next.has(bug.id)) next.delete(bug.id);
      else next.set(bug.id, bug);
      return next;
    });
  const selection = canApprove ? { selected, toggle } : null;

  return (
    <section aria-labelledby="board-title">
      <div className="page-head">
        <h1 id="board-title">Bugs{info ? ` · ${info.title}` : ''}</h1>
        {canReport ? (
          <Link href={`/systems/${system}/bugs/new`} className="button primary">
            Report a bug
          </Link>
        ) : null}
      </div>
      <form className="filters" role="search" aria-label="Filter bugs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" defaultValue={filters.search ?? ''} placeholder="title words or #id" onChange={(e) => setParam('search', e.target.value.trim())} />
        </label>
        <Select label="Status" value={filters.status} options={BUG_STATUSES} onChange={(v) => setParam('status', v)} />
        <Select label="Severity" value={filters.severity} options={SEVERITIES} onChange={(v) => setParam('severity', v)} />
        <Select label="Flow" value={filters.fixFlow} options={FIX_FLOWS} labels={FLOW_LABEL} onChange={(v) => setParam('fixFlow', v)} />
        <Select label="Module" value={filters.module} options={info?.modules ?? []} onChange={(v) => setParam('module', v)} />
      </form>
      <div className="view-switch" role="group" aria-label="View">
        {(['list', 'flow1', 'flow2'] as const).map((v) => (
          <button key={v} type="button" aria-pressed={view === v} onClick={() => setParam('view', v === 'list' ? '' : v)}>
            {v === 'list' ? 'List' : `${FLOW_LABEL[v]} by status`}
          </button>
        ))}
      </div>
      {selection ? <BatchBar system={system} selected={selected} clear={() => setSelected(new Map())} /> : null}
      {view === 'list' ? <BugList system={system} filters={filters} selection={selection} /> : <FlowColumns system={system} flow={view} filters={filters} selection={selection} />}
    </section>
  );
}

function Select<T extends string>({ label, value, options, labels, onChange }: { label: string; value: string | undefined; options: readonly T[]; labels?: Record<T, string>; onChange: (v: string) => void }) {
  return (
    <label>
      {label}
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {labels?.[o] ?? o}
          </option>
        ))}
      </select>
    </label>
  );
}

type Selection = { selected: Map<number, BugSummary>; toggle: (bug: BugSummary) => void } | null;

function SelectBox({ bug, selection }: { bug: BugSummary; selection: Selection }) {
  if (!selection) return null;
  return <input type="checkbox" aria-label={`Select bug #${bug.id}`} checked={selection.selected.has(bug.id)} onChange={() => selection.toggle(bug)} />;
}

function BugList({ system, filters, selection }: { system: string; filters: Filters; selection: Selection }) {
  const { info } = useSystem();
  const query = useInfiniteQuery({
    queryKey: keys.bugs(system, filters),
    queryFn: ({ pageParam }) => api<BugPage>('GET', systemPath(system, `/bugs${queryString({ ...filters, cursor: pageParam, limit: 50 })}`)),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  if (query.isPending) return <Loading what="bugs" />;
  if (query.error) return <ProblemNote error={query.error} prefix="The bugs could not be loaded:" />;
  const bugs = query.data.pages.flatMap((p) => p.items);
  if (bugs.length === 0) return <p className="empty">No bug matches these filters.</p>;
  const now = new Date();
  return (
    <>
      <table className="bugs">
        <caption className="visually-hidden">Bugs, newest first</caption>
        <thead>
          <tr>
            {selection ? <th scope="col">Select</th> : null}
            <th scope="col">#</th>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Severity</th>
            <th scope="col">Flow</th>
            <th scope="col">Module</th>
            <th scope="col">Next T2</th>
          </tr>
        </thead>
        <tbody>
          {bugs.map((bug) => (
            <tr key={bug.id} data-bug={bug.id}>
              {selection ? (
                <td>
                  <SelectBox bug={bug} selection={selection} />
                </td>
              ) : null}
              <td data-label="#">{bug.id}</td>
              <td data-label="Title">
                <Link href={`/systems/${system}/bugs/${bug.id}`}>{bug.title}</Link>
              </td>
              <td data-label="Status">
                <StatusBadge status={bug.status} />
              </td>
              <td data-label="Severity">
                <SeverityTag severity={bug.severity} />
              </td>
              <td data-label="Flow">{bug.fixFlow ? FLOW_LABEL[bug.fixFlow] : '—'}</td>
              <td data-label="Module">{bug.module ?? '—'}</td>
              <td data-label="Next T2">{bug.runsAt && info ? slotInWords(new Date(bug.runsAt), now, info.timeZone) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {query.hasNextPage ? (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </>
  );
}

function FlowColumns({ system, flow, filters, selection }: { system: string; flow: 'flow1' | 'flow2'; filters: Filters; selection: Selection }) {
  return (
    <div className="columns" aria-label={`${FLOW_LABEL[flow]} by status`}>
      {FLOW_PATHS[flow].map((status) => (
        <FlowColumn key={status} system={system} flow={flow} status={status} filters={filters} selection={selection} />
      ))}
    </div>
  );
}

function FlowColumn({ system, flow, status, filters, selection }: { system: string; flow: 'flow1' | 'flow2'; status: BugStatus; filters: Filters; selection: Selection }) {
  const params = { ...filters, status, fixFlow: flow, limit: 50 };
  const query = useQuery({ queryKey: keys.bugs(system, params), queryFn: () => api<BugPage>('GET', systemPath(system, `/bugs${queryString(params)}`)) });
  const items = query.data?.items ?? [];
  return (
    <section className="column" aria-label={`${status} column`}>
      <h2>
        <StatusBadge status={status} /> <span className="count">{query.data ? `${items.length}${query.data.nextCursor ? '+' : ''}` : ''}</span>
      </h2>
      {query.error ? <ProblemNote error={query.error} /> : null}
      <ul>
        {items.map((bug) => (
          <li key={bug.id} className="card" data-bug={bug.id}>
            <SelectBox bug={bug} selection={selection} />
            <Link href={`/systems/${system}/bugs/${bug.id}`}>
              #{bug.id} {bug.title}
            </Link>
            <SeverityTag severity={bug.severity} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function BatchBar({ system, selected, clear }: { system: string; selected: Map<number, BugSummary>; clear: () => void }) {
  const client = useQueryClient();
  const { info } = useSystem();
  const [outcome, setOutcome] = useState<{ label: string; response: BatchResponse; skipped: BugSummary[] } | null>(null);
  const mutation = useMutation({
    mutationFn: async (batch: (typeof BATCH)[number]) => {
      const eligible = [...selected.values()].filter((b) => b.allowedActions?.includes(batch.action));
      const skipped = [...selected.values()].filter((b) => !b.allowedActions?.includes(batch.action));
      const response = await api<BatchResponse>('POST', systemPath(system, `/bugs/${batch.path}`), { ids: eligible.map((b) => b.id) });
      return { label: batch.label, response, skipped };
    },
    onSuccess: (result) => {
      setOutcome(result);
      clear();
      void client.invalidateQueries({ queryKey: keys.system(system) });
    },
  });
  const counts = useMemo(() => Object.fromEntries(BATCH.map((b) => [b.action, [...selected.values()].filter((bug) => bug.allowedActions?.includes(b.action)).length])), [selected]);
  const now = new Date();
  return (
    <div className="batch" aria-label="Batch actions">
      <span>{selected.size} selected</span>
      {BATCH.map((b) => (
        <button key={b.action} type="button" className="primary" disabled={!counts[b.action] || mutation.isPending} onClick={() => mutation.mutate(b)}>
          {b.label} ({counts[b.action] ?? 0})
        </button>
      ))}
      {selected.size ? (
        <button type="button" onClick={clear}>
          Clear selection
        </button>
      ) : null}
      <ProblemNote error={mutation.error} prefix="The batch was refused:" />
      {outcome ? (
        <section className="batch-results" aria-label="Batch results" aria-live="polite">
          <h2>{outcome.label}: results</h2>
          <ul>
            {outcome.response.results.map((r) => (
              <li key={r.id} data-result={r.ok ? 'ok' : 'refused'}>
                <Link href={`/systems/${system}/bugs/${r.id}`}>#{r.id}</Link>{' '}
                {r.ok && r.bug ? (
                  <>
                    approved → <StatusBadge status={r.bug.status} />
                    {r.bug.runsAt && info ? `, runs ${slotInWords(new Date(r.bug.runsAt), now, info.timeZone)}` : ''}
                  </>
                ) : (
                  <>refused: {r.error?.message}</>
                )}
              </li>
            ))}
            {outcome.skipped.map((b) => (
              <li key={b.id} data-result="skipped">
                #{b.id} not sent: you may not take this action while it is {b.status}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
