import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, queryString } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { AuditPage as AuditPageData, SystemList } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';

/** The audit log, newest first, by stream (a system, or users and sessions), subject, who and what. */
export function AuditPage() {
  const [stream, setStream] = useState('');
  const [subject, setSubject] = useState('');
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const systems = useQuery({ queryKey: keys.systems, queryFn: () => api<SystemList>('GET', '/systems'), staleTime: Infinity });
  const filters = { stream, subject, actor, action };
  const query = useInfiniteQuery({
    queryKey: keys.audit(filters),
    queryFn: ({ pageParam }) => api<AuditPageData>('GET', `/audit${queryString({ ...filters, cursor: pageParam, limit: 100 })}`),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const zoneOf = (s: string) => systems.data?.items.find((x) => x.name === s)?.timeZone ?? 'UTC';
  const events = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="filters" role="search" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label>
          Stream
          <select value={stream} onChange={(e) => setStream(e.target.value)}>
            <option value="">all</option>
            {systems.data?.items.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
            <option value="_global">users and sessions</option>
          </select>
        </label>
        <label>
          Subject
          <input value={subject} placeholder="bug:12, user:alice" onChange={(e) => setSubject(e.target.value.trim())} />
        </label>
        <label>
          Who
          <input value={actor} placeholder="alice, system" onChange={(e) => setActor(e.target.value.trim())} />
        </label>
        <label>
          What
          <input value={action} placeholder="bug.approve_prod, freeze.*" onChange={(e) => setAction(e.target.value.trim())} list="audit-actions" />
          <datalist id="audit-actions">
            {['bug.*', 'freeze.*', 'hotfix.*', 'rollback.*', 'run.*', 'user.*', 'session.*'].map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
      </form>
      {query.isPending ? <Loading what="the audit log" /> : null}
      <ProblemNote error={query.error} prefix="The audit log could not be loaded:" />
      {events.length ? (
        <table className="audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Stream</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Subject</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td data-label="When">
                  <Instant at={e.at} timeZone={zoneOf(e.stream)} />
                </td>
                <td data-label="Stream">{e.stream}</td>
                <td data-label="Who">{e.actor}</td>
                <td data-label="What">{e.action}</td>
                <td data-label="Subject">{e.subject}</td>
                <td data-label="Details">
                  <code className="details">{JSON.stringify(e.data)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : query.isSuccess ? (
        <p className="empty">No event matches.</p>
      ) : null}
      {query.hasNextPage ? (
        <button type="button" onClick={() => void query.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
