import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Release } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useSystem } from './use-system.ts';

export function ReleasePage() {
  const { name: system, info } = useSystem();
  const id = Number(useParams<{ id: string }>().id);
  const query = useQuery({ queryKey: keys.release(system, id), queryFn: () => api<Release>('GET', systemPath(system, `/releases/${id}`)) });
  if (query.isPending) return <Loading what={`release ${id}`} />;
  if (query.error) return <ProblemNote error={query.error} prefix={`Release ${id} could not be loaded:`} />;
  const r = query.data;
  return (
    <article aria-labelledby="release-title">
      <h1 id="release-title">
        Release {r.version} <span className="muted">for {r.targetEnv.toUpperCase()}</span>
      </h1>
      <p>
        Tag <code>{r.tag}</code>, commit <code title={r.commit}>{r.commit.slice(0, 10)}</code>, built on {r.baseVersion ?? <code>{r.baseCommit.slice(0, 10)}</code>} ({r.kind}),{' '}
        <Instant at={r.createdAt} timeZone={info?.timeZone ?? 'UTC'} />
        {r.runId ? (
          <>
            {' '}
            by <Link href={`/systems/${system}/runs/${r.runId}`}>run {r.runId}</Link>
          </>
        ) : null}
      </p>
      <h2>Bugs</h2>
      <ul>
        {r.bugs.map((b) => (
          <li key={b.id}>
            <Link href={`/systems/${system}/bugs/${b.id}`}>#{b.id}</Link>: {b.commits.map((c) => c.slice(0, 10)).join(', ')}
          </li>
        ))}
      </ul>
      <h2>Notes</h2>
      <pre className="block">{r.notes}</pre>
    </article>
  );
}
