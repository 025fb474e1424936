import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { DeploymentWithLog } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useSystem } from './use-system.ts';

/** One deployment: status, release, and its log, refreshed every second while it runs. */
export function DeploymentPage() {
  const { name: system, info } = useSystem();
  const id = Number(useParams<{ id: string }>().id);
  const zone = info?.timeZone ?? 'UTC';
  const query = useQuery({
    queryKey: keys.deployment(system, id),
    queryFn: () => api<DeploymentWithLog>('GET', systemPath(system, `/deployments/${id}`)),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
  });
  if (query.isPending) return <Loading what={`deployment ${id}`} />;
  if (query.error) return <ProblemNote error={query.error} prefix={`Deployment ${id} could not be loaded:`} />;
  const d = query.data;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return (
    <article aria-labelledby="deployment-title">
      <p className="crumbs">{d.runId ? <Link href={`/systems/${system}/runs/${d.runId}`}>← Run {d.runId}</Link> : <Link href={`/systems/${system}/runs`}>← Runs</Link>}</p>
      <h1 id="deployment-title">
        Deployment {d.id} to {d.env.toUpperCase()} <span className={`run-status run-${d.status}`}>{d.status}</span>
      </h1>
      <p>
        <Link href={`/systems/${system}/releases/${d.releaseId}`}>Release {d.releaseId}</Link>
        {d.previousReleaseId ? <> (before: release {d.previousReleaseId})</> : null}, started <Instant at={d.startedAt} timeZone={zone} />, finished{' '}
        <Instant at={d.finishedAt} timeZone={zone} />
      </p>
      {d.error ? <p className="problem">{d.error}</p> : null}
      <h2>Log ({zone} time)</h2>
      <pre className="block log" aria-label="Deploy log" aria-live={d.status === 'running' ? 'polite' : 'off'}>
        {d.log.map((l) => `${clock.format(new Date(l.at))} [${l.stream}] ${l.line}`).join('\n') || '(no output yet)'}
      </pre>
    </article>
  );
}
