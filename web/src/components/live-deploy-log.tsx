/**
 * The deploy log of a run while it runs: the run's deployments polled every second, the newest
 * one's log lines as they are written (the deploy driver's output is stored as it comes).
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { DeploymentPage, DeploymentWithLog } from '../api/types.ts';

export function LiveDeployLog({ system, runId, timeZone, tail = 15 }: { system: string; runId: number; timeZone: string; tail?: number }) {
  const deployments = useQuery({
    queryKey: keys.deployments(system, runId),
    queryFn: () => api<DeploymentPage>('GET', systemPath(system, `/deployments${queryString({ runId, limit: 5 })}`)),
    refetchInterval: 1000,
  });
  const newest = deployments.data?.items[0];
  const log = useQuery({
    queryKey: keys.deployment(system, newest?.id ?? 0),
    queryFn: () => api<DeploymentWithLog>('GET', systemPath(system, `/deployments/${newest!.id}`)),
    enabled: newest !== undefined,
    refetchInterval: newest?.status === 'running' ? 1000 : false,
  });
  if (!newest) return <p className="muted">No deploy has started yet.</p>;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const lines = log.data?.log.slice(-tail) ?? [];
  return (
    <div className="live-log">
      <p>
        <Link href={`/systems/${system}/deployments/${newest.id}`}>
          Deployment {newest.id} to {newest.env.toUpperCase()}
        </Link>
        : <span className={`run-status run-${newest.status}`}>{newest.status}</span>
      </p>
      <pre className="block log" aria-label={`Log of deployment ${newest.id}`} aria-live="polite">
        {lines.map((l) => `${clock.format(new Date(l.at))} [${l.stream}] ${l.line}`).join('\n') || '(no output yet)'}
      </pre>
    </div>
  );
}
