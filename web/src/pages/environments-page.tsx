/**
 * UAT and PROD side by side: version, commit, when and by which run each was deployed, how they
 * relate (the divergence) and the flow a bug confirmed now would take.
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { FLOW_LABEL } from '../../../src/features/bugs/bug-statuses.ts';
import { api, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Environment, Environments, Release } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useSystem } from './use-system.ts';

export function EnvironmentsPage() {
  const { name: system, info } = useSystem();
  const query = useQuery({ queryKey: keys.environments(system), queryFn: () => api<Environments>('GET', systemPath(system, '/environments')) });
  if (query.isPending) return <Loading what="environments" />;
  if (query.error) return <ProblemNote error={query.error} prefix="The environments could not be loaded:" />;
  const { environments, flow } = query.data;
  return (
    <section aria-labelledby="env-title">
      <h1 id="env-title">Environments{info ? ` · ${info.title}` : ''}</h1>
      <div className="env-grid">
        {environments.map((e) => (
          <EnvironmentCard key={e.env} system={system} env={e} timeZone={info?.timeZone ?? 'UTC'} />
        ))}
      </div>
      <section className="panel" aria-labelledby="flow-title">
        <h2 id="flow-title">A bug confirmed now</h2>
        <p className="flow-answer">
          takes <strong data-flow={flow.flow ?? 'none'}>{flow.flow ? FLOW_LABEL[flow.flow] : 'no flow (it waits)'}</strong>
        </p>
        <p>Divergence: {flow.relation.replaceAll('_', ' ')}. {flow.reason}</p>
        {flow.warning ? <p className="warning">{flow.warning}</p> : null}
      </section>
    </section>
  );
}

function EnvironmentCard({ system, env, timeZone }: { system: string; env: Environment; timeZone: string }) {
  const release = useQuery({
    queryKey: keys.release(system, env.releaseId ?? 0),
    queryFn: () => api<Release>('GET', systemPath(system, `/releases/${env.releaseId}`)),
    enabled: env.releaseId !== null,
  });
  return (
    <section className="panel env" aria-label={env.env.toUpperCase()} data-env={env.env}>
      <h2>{env.env.toUpperCase()}</h2>
      <dl>
        <dt>Version</dt>
        <dd className="version">{env.version ?? 'unknown'}</dd>
        <dt>Commit</dt>
        <dd>
          <code title={env.commit ?? ''}>{env.commit ? env.commit.slice(0, 10) : '—'}</code>
        </dd>
        <dt>Line</dt>
        <dd>{env.line}</dd>
        <dt>Deployed</dt>
        <dd>
          <Instant at={env.deployedAt} timeZone={timeZone} /> by {env.recordedBy ?? '—'}
        </dd>
        <dt>Release</dt>
        <dd>
          {env.releaseId ? <Link href={`/systems/${system}/releases/${env.releaseId}`}>{release.data?.version ?? `release ${env.releaseId}`}</Link> : 'recorded by hand'}
          {release.data?.runId ? (
            <>
              {' '}
              from <Link href={`/systems/${system}/runs/${release.data.runId}`}>run {release.data.runId}</Link>
            </>
          ) : null}
        </dd>
        <dt>URL</dt>
        <dd>
          <a href={env.url} rel="noreferrer" target="_blank">
            {env.url}
          </a>
        </dd>
      </dl>
    </section>
  );
}
