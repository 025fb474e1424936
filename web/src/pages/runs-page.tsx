import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { ChecklistPage, DeploymentPage, Run, RunPage } from '../api/types.ts';
import { ChecklistReport } from '../components/checklist-report.tsx';
import { LiveDeployLog } from '../components/live-deploy-log.tsx';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useSystem } from './use-system.ts';

export function RunsPage() {
  const { name: system, info } = useSystem();
  const zone = info?.timeZone ?? 'UTC';
  const query = useInfiniteQuery({
    queryKey: keys.runs(system),
    queryFn: ({ pageParam }) => api<RunPage>('GET', systemPath(system, `/runs${queryString({ cursor: pageParam, limit: 50 })}`)),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => r.status === 'running')) ? 2000 : false),
  });
  if (query.isPending) return <Loading what="runs" />;
  if (query.error) return <ProblemNote error={query.error} prefix="The runs could not be loaded:" />;
  const runs = query.data.pages.flatMap((p) => p.items);
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs{info ? ` · ${info.title}` : ''}</h1>
      {runs.length === 0 ? (
        <p className="empty">No run yet: T1 and T2 run at {info ? `${info.schedule.t1} and ${info.schedule.t2}` : 'their times'}, or use Tonight → Run now.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Slot</th>
              <th scope="col">Status</th>
              <th scope="col">For</th>
              <th scope="col">Trigger</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td data-label="Run">
                  <Link href={`/systems/${system}/runs/${r.id}`}>run {r.id}</Link>
                </td>
                <td data-label="Slot">{r.slot.toUpperCase()}</td>
                <td data-label="Status">
                  <span className={`run-status run-${r.status}`}>{r.status}</span>
                </td>
                <td data-label="For">
                  <Instant at={r.scheduledFor} timeZone={zone} />
                </td>
                <td data-label="Trigger">{r.trigger}</td>
                <td data-label="Finished">
                  <Instant at={r.finishedAt} timeZone={zone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {query.hasNextPage ? (
        <button type="button" onClick={() => void query.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

export function RunPage() {
  const { name: system, info } = useSystem();
  const id = Number(useParams<{ id: string }>().id);
  const zone = info?.timeZone ?? 'UTC';
  const run = useQuery({
    queryKey: keys.run(system, id),
    queryFn: () => api<Run>('GET', systemPath(system, `/runs/${id}`)),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
  });
  const deployments = useQuery({
    queryKey: keys.deployments(system, id),
    queryFn: () => api<DeploymentPage>('GET', systemPath(system, `/deployments${queryString({ runId: id })}`)),
    refetchInterval: run.data?.status === 'running' ? 1000 : false,
  });
  const checks = useQuery({
    queryKey: keys.checks(system, { runId: id }),
    queryFn: () => api<ChecklistPage>('GET', systemPath(system, `/checks${queryString({ runId: id, limit: 10 })}`)),
  });
  if (run.isPending) return <Loading what={`run ${id}`} />;
  if (run.error) return <ProblemNote error={run.error} prefix={`Run ${id} could not be loaded:`} />;
  const r = run.data;
  return (
    <article aria-labelledby="run-title">
      <p className="crumbs">
        <Link href={`/systems/${system}/runs`}>← Runs</Link>
      </p>
      <h1 id="run-title">
        Run {r.id}: {r.slot.toUpperCase()} <span className={`run-status run-${r.status}`}>{r.status}</span>
      </h1>
      <p>
        Slot <Instant at={r.scheduledFor} timeZone={zone} /> ({r.trigger}), started <Instant at={r.startedAt} timeZone={zone} />, finished <Instant at={r.finishedAt} timeZone={zone} />
      </p>
      {r.error ? <p className="problem">{r.error}</p> : null}
      {r.report.skipped ? (
        <p className="warning" data-skipped={r.report.skipped.reason}>
          Skipped ({r.report.skipped.reason === 'freeze' ? 'a change freeze' : 'the pre-deploy checklist blocks it'}): {r.report.skipped.detail}
        </p>
      ) : null}
      {r.report.freeze && !r.report.skipped && r.report.freeze.modules.length ? <p className="warning">Frozen modules, their bugs left out: {r.report.freeze.detail}</p> : null}
      {r.report.interrupted ? (
        <section aria-labelledby="interrupted-title" className="warning">
          <h2 id="interrupted-title">Interrupted: its server stopped</h2>
          <p>Done before it stopped:</p>
          <ul>{r.report.interrupted.done.length ? r.report.interrupted.done.map((d, i) => <li key={i}>{d}</li>) : <li>nothing recorded</li>}</ul>
          <p>Not done (check the environments, then record what they run):</p>
          <ul>
            {r.report.interrupted.notDone.map((d, i) => (
              <li key={i}>{d}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {r.status === 'running' ? (
        <section aria-labelledby="live-title">
          <h2 id="live-title">Deploying now</h2>
          <LiveDeployLog system={system} runId={r.id} timeZone={zone} />
        </section>
      ) : null}
      <h2>Bugs</h2>
      {r.report.bugs.length ? (
        <ul>
          {r.report.bugs.map((b, i) => (
            <li key={i}>
              <Link href={`/systems/${system}/bugs/${b.id}`}>#{b.id}</Link>: {b.outcome}
              {b.reason ? <span className="muted"> ({b.reason})</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">No bug was touched.</p>
      )}
      <h2>Releases and deployments</h2>
      <ul>
        {r.report.releases.map((rel) => (
          <li key={`${rel.id}-${rel.env}`}>
            <Link href={`/systems/${system}/releases/${rel.id}`}>{rel.version}</Link> for {rel.env.toUpperCase()}: {rel.deployed === null ? 'not deployed' : rel.deployed ? 'deployed' : 'deploy failed'}
          </li>
        ))}
        {deployments.data?.items.map((d) => (
          <li key={`d${d.id}`}>
            <Link href={`/systems/${system}/deployments/${d.id}`}>
              deployment {d.id} to {d.env.toUpperCase()}
            </Link>
            : {d.status}
          </li>
        ))}
      </ul>
      <h2>Pre-deploy checklist</h2>
      {checks.data?.items.length ? (
        checks.data.items.map((c) => <ChecklistReport key={c.id} system={system} checklist={c} timeZone={zone} />)
      ) : r.report.checklist ? (
        <p>
          Checklist {r.report.checklist.id}: {r.report.checklist.verdict}
        </p>
      ) : (
        <p className="empty">No checklist ran for this run.</p>
      )}
      <h2>Steps</h2>
      <ol className="steps">
        {r.report.steps.map((s, i) => (
          <li key={i}>
            <Instant at={s.at} timeZone={zone} /> {s.message}
          </li>
        ))}
      </ol>
    </article>
  );
}
