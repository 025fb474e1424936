/**
 * Notification deliveries, failed ones first: each with the channel's answer (why it did not go
 * out), the text as it was to be sent, and, for admins, Resend.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api, queryString } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Delivery, DeliveryPage, SystemList } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useCan } from '../session.tsx';

const STATUSES: Delivery['status'][] = ['failed', 'suppressed', 'pending', 'sending', 'sent'];

export function NotificationsPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const status = params.get('status') ?? 'failed';
  const system = params.get('system') ?? '';
  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    next.set(name, value);
    navigate(`/notifications?${next.toString()}`, { replace: true });
  };
  const canResend = useCan('notifications.manage');
  const systems = useQuery({ queryKey: keys.systems, queryFn: () => api<SystemList>('GET', '/systems'), staleTime: Infinity });
  const filters = { status: status === 'any' ? '' : status, system };
  const query = useInfiniteQuery({
    queryKey: keys.notifications(filters),
    queryFn: ({ pageParam }) => api<DeliveryPage>('GET', `/notifications${queryString({ ...filters, cursor: pageParam, limit: 50 })}`),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 15_000,
  });
  const zoneOf = (s: string | null) => systems.data?.items.find((x) => x.name === s)?.timeZone ?? 'UTC';
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  // Said above the list: a resent delivery leaves the "failed" list as soon as it is queued again.
  const [resent, setResent] = useState<Delivery[]>([]);
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      <form className="filters" role="search" aria-label="Filter notifications" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setParam('status', e.target.value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            <option value="any">any</option>
          </select>
        </label>
        <label>
          System
          <select value={system} onChange={(e) => setParam('system', e.target.value)}>
            <option value="">all</option>
            {systems.data?.items.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      </form>
      {resent.length ? (
        <ul className="notice" role="status" aria-label="Resent">
          {resent.map((d) => (
            <li key={d.id}>
              Delivery #{d.id} ({d.event} to {d.channel}) queued again: {d.status}.
            </li>
          ))}
        </ul>
      ) : null}
      {query.isPending ? <Loading what="notifications" /> : null}
      <ProblemNote error={query.error} prefix="The notifications could not be loaded:" />
      {query.isSuccess && items.length === 0 ? <p className="empty">No {status === 'any' ? '' : `${status} `}delivery.</p> : null}
      {items.length ? (
        <table className="deliveries">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Event</th>
              <th scope="col">Channel</th>
              <th scope="col">Status</th>
              <th scope="col">Why</th>
              <th scope="col">When</th>
              {canResend ? <th scope="col">Resend</th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <DeliveryRow key={d.id} delivery={d} zone={zoneOf(d.system)} canResend={canResend} onResent={(r) => setResent((list) => [r, ...list.filter((x) => x.id !== r.id)])} />
            ))}
          </tbody>
        </table>
      ) : null}
      {query.hasNextPage ? (
        <button type="button" onClick={() => void query.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

function DeliveryRow({ delivery: d, zone, canResend, onResent }: { delivery: Delivery; zone: string; canResend: boolean; onResent: (d: Delivery) => void }) {
  const client = useQueryClient();
  const resend = useMutation({
    mutationFn: () => api<Delivery>('POST', `/notifications/${d.id}/resend`, {}),
    onSuccess: onResent,
    onSettled: () => void client.invalidateQueries({ queryKey: ['notifications'] }),
  });
  return (
    <tr data-delivery={d.id} data-status={d.status}>
      <td data-label="#">{d.id}</td>
      <td data-label="Event">
        {d.event} {d.system ? <span className="muted">({d.system})</span> : null}
        {d.text ? (
          <details>
            <summary>Text</summary>
            <pre className="prose small">{d.text}</pre>
          </details>
        ) : null}
      </td>
      <td data-label="Channel">
        {d.channel} <span className="muted">({d.kind})</span>
      </td>
      <td data-label="Status">
        <span className={`state state-${d.status}`}>{d.status}</span> <span className="muted small">after {d.attempts} attempt{d.attempts === 1 ? '' : 's'}</span>
      </td>
      <td data-label="Why">
        {d.lastError ?? '—'}
        {d.answer ? <div className="muted small">Answer: {d.answer}</div> : null}
      </td>
      <td data-label="When">
        <Instant at={d.sentAt ?? d.updatedAt} timeZone={zone} />
      </td>
      {canResend ? (
        <td data-label="Resend">
          {d.status === 'failed' || d.status === 'suppressed' ? (
            <button type="button" onClick={() => resend.mutate()} disabled={resend.isPending}>
              Resend #{d.id}
            </button>
          ) : null}
          <ProblemNote error={resend.error} prefix="Not resent:" />
        </td>
      ) : null}
    </tr>
  );
}
