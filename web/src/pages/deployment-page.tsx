/**
 * One deployment: status, release, per-service progress, the pre-deploy checklist of its run, the
 * smoke results, the post-deploy monitoring charts and verdict, its log (refreshed every second
 * while it runs), and, for those who may, a Rollback that asks for the impact class and reason.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'wouter';
import type { SmokeReport } from '../../../src/features/smoke/smoke-rules.ts';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Checklist, ChecklistPage, DeploymentMetrics, DeploymentWithLog, Environments, Rollback } from '../api/types.ts';
import { ChecklistReport } from '../components/checklist-report.tsx';
import { serviceProgress } from '../components/service-progress.ts';
import { MonitoringWatch } from '../components/metric-chart.tsx';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useCan } from '../session.tsx';
import { useSystem } from './use-system.ts';

export function DeploymentPage() {
  const { name: system, info } = useSystem();
  const id = Number(useParams<{ id: string }>().id);
  const zone = info?.timeZone ?? 'UTC';
  const query = useQuery({
    queryKey: keys.deployment(system, id),
    queryFn: () => api<DeploymentWithLog>('GET', systemPath(system, `/deployments/${id}`)),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
  });
  const metrics = useQuery({
    queryKey: keys.metrics(system, id),
    queryFn: () => api<DeploymentMetrics>('GET', systemPath(system, `/deployments/${id}/metrics`)),
    refetchInterval: (q) => (query.data?.status === 'running' || q.state.data?.watches.some((w) => w.outcome === 'watching') ? 2000 : false),
  });
  const runId = query.data?.runId ?? null;
  const checks = useQuery({
    queryKey: keys.checks(system, { runId }),
    queryFn: () => api<ChecklistPage>('GET', systemPath(system, `/checks${queryString({ runId: runId ?? undefined, limit: 10 })}`)),
    enabled: runId !== null,
  });
  if (query.isPending) return <Loading what={`deployment ${id}`} />;
  if (query.error) return <ProblemNote error={query.error} prefix={`Deployment ${id} could not be loaded:`} />;
  const d = query.data;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const smoke = (d.smoke ?? null) as SmokeReport | null;
  const services = serviceProgress((d as Record<string, unknown>).services);
  const checklists: Checklist[] = (checks.data?.items ?? []).filter((c) => c.env === d.env);
  const watches = metrics.data?.watches ?? [];
  return (
    <article aria-labelledby="deployment-title" className="deployment">
      <p className="crumbs">{d.runId ? <Link href={`/systems/${system}/runs/${d.runId}`}>← Run {d.runId}</Link> : <Link href={`/systems/${system}/runs`}>← Runs</Link>}</p>
      <h1 id="deployment-title">
        Deployment {d.id} to {d.env.toUpperCase()} <span className={`run-status run-${d.status}`}>{d.status}</span>
      </h1>
      <p>
        <Link href={`/systems/${system}/releases/${d.releaseId}`}>Release {d.releaseId}</Link>
        {d.previousReleaseId ? (
          <>
            {' '}
            (before: {d.previousVersion ?? <Link href={`/systems/${system}/releases/${d.previousReleaseId}`}>release {d.previousReleaseId}</Link>})
          </>
        ) : null}
        , started <Instant at={d.startedAt} timeZone={zone} />, finished <Instant at={d.finishedAt} timeZone={zone} />
      </p>
      {d.error ? <p className="problem">{d.error}</p> : null}
      <Verdict deployment={d} smoke={smoke} watches={watches} />
      <RollbackAction system={system} deployment={d} />

      {services.steps.length ? (
        <section aria-labelledby="services-title">
          <h2 id="services-title">Services, in deploy order</h2>
          {services.why ? <p className="muted">{services.why}</p> : null}
          <ol className="services">
            {services.steps.map((s, i) => (
              <li key={`${s.name}-${i}`} data-service={s.name} data-status={s.status}>
                <strong>{s.name}</strong> <span className={`run-status run-${s.status}`}>{s.status}</span>
                {s.at ? (
                  <>
                    {' '}
                    <Instant at={s.at} timeZone={zone} />
                  </>
                ) : null}
                {s.detail ? <span className="muted"> {s.detail}</span> : null}
              </li>
            ))}
          </ol>
        </section>
      ) : null}

      <section aria-labelledby="checklist-title">
        <h2 id="checklist-title">Pre-deploy checklist</h2>
        {d.runId === null ? (
          <p className="empty">This deploy was not made by a scheduled run (a rollback or an emergency hotfix): no pre-deploy checklist ran for it.</p>
        ) : checks.isPending ? (
          <Loading what="the checklist" />
        ) : checks.error ? (
          <ProblemNote error={checks.error} />
        ) : checklists.length ? (
          checklists.map((c) => <ChecklistReport key={c.id} system={system} checklist={c} timeZone={zone} />)
        ) : (
          <p className="empty">The run recorded no checklist for {d.env.toUpperCase()} (the system configures none).</p>
        )}
      </section>

      <section aria-labelledby="smoke-title">
        <h2 id="smoke-title">Smoke test</h2>
        {smoke ? <SmokeTable smoke={smoke} /> : <p className="empty">{d.status === 'running' ? 'Smoke steps run right after the deploy.' : 'No smoke steps ran for this deploy.'}</p>}
      </section>

      <section aria-labelledby="monitoring-title">
        <h2 id="monitoring-title">Post-deploy monitoring</h2>
        <ProblemNote error={metrics.error} prefix="The monitoring could not be loaded:" />
        {watches.length ? (
          watches.map((w, i) => <MonitoringWatch key={w.id} watch={w} timeZone={zone} title={watches.length > 1 ? `Watch ${i + 1}` : 'Watch'} />)
        ) : metrics.isSuccess ? (
          <p className="empty">This deploy was not watched (the system configures no monitoring, or the deploy did not get that far).</p>
        ) : null}
      </section>

      <section aria-labelledby="log-title">
        <h2 id="log-title">
          Log ({zone} time){d.status === 'running' ? <span className="live-tag"> · live</span> : null}
        </h2>
        <pre className="block log" aria-label="Deploy log" aria-live={d.status === 'running' ? 'polite' : 'off'}>
          {d.log.map((l) => `${clock.format(new Date(l.at))} [${l.stream}] ${l.line}`).join('\n') || '(no output yet)'}
        </pre>
      </section>
    </article>
  );
}

function Verdict({ deployment: d, smoke, watches }: { deployment: DeploymentWithLog; smoke: SmokeReport | null; watches: DeploymentMetrics['watches'] }) {
  const watch = watches[watches.length - 1];
  let words: string;
  let tone: 'good' | 'bad' | 'pending';
  if (d.status === 'running') [words, tone] = ['Deploying…', 'pending'];
  else if (d.status === 'failed') [words, tone] = ['The deploy failed.', 'bad'];
  else if (d.status === 'unknown') [words, tone] = ['Unknown: the server stopped during the deploy; check what the environment runs.', 'bad'];
  else if (smoke && !smoke.ok) [words, tone] = [`Smoke failed at "${smoke.failedStep}".`, 'bad'];
  else if (watch?.outcome === 'watching') [words, tone] = ['Deployed; monitoring is watching.', 'pending'];
  else if (watch?.outcome === 'rollback') [words, tone] = ['Deployed, then rolled back by monitoring.', 'bad'];
  else if (watch?.outcome === 'alert') [words, tone] = ['Deployed; monitoring raised alerts.', 'bad'];
  else if (watch?.outcome === 'unavailable') [words, tone] = ['Deployed; monitoring could not measure.', 'pending'];
  else if (watch?.outcome === 'interrupted') [words, tone] = ['Deployed; monitoring was cut short when Tonic stopped: part of the window was never watched.', 'bad'];
  else [words, tone] = [`Deployed${smoke ? ', smoke passed' : ''}${watch ? ', monitoring clean' : ''}.`, 'good'];
  return (
    <p className={`verdict-line verdict-${tone}`} role="status" aria-label="Verdict">
      <strong>Verdict:</strong> {words}
    </p>
  );
}

function SmokeTable({ smoke }: { smoke: SmokeReport }) {
  return (
    <>
      <p>
        {smoke.ok ? 'Passed' : 'Failed'}: {smoke.steps.filter((s) => s.result === 'pass').length} of {smoke.steps.length} steps against <code>{smoke.baseUrl}</code> ({smoke.version}).
      </p>
      <table className="smoke">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Result</th>
            <th scope="col">Expected</th>
            <th scope="col">Got</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {smoke.steps.map((s) => (
            <tr key={s.name} data-step={s.name} data-result={s.result}>
              <td data-label="Step">
                {s.name} <code className="details">{s.request}</code>
              </td>
              <td data-label="Result">
                <span className={`probe probe-${s.result}`}>{s.result}</span>
              </td>
              <td data-label="Expected">{s.expected}</td>
              <td data-label="Got">{s.actual}</td>
              <td data-label="Time">{s.ms === null ? '—' : `${s.ms} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const IMPACTS: { value: Rollback['impact']; label: string; what: string }[] = [
  { value: 'ux', label: 'Minor UX glitch', what: 'no rollback: a follow-up fix is planned for the next pipeline' },
  { value: 'regression', label: 'Functional regression', what: 'roll back now to the release that ran before' },
  { value: 'data-corruption', label: 'Data corruption risk', what: 'roll back, escalate, and notify the DBA contact' },
];

/** Offered on the deployment the environment runs now, to those who may roll back. */
function RollbackAction({ system, deployment: d }: { system: string; deployment: DeploymentWithLog }) {
  const client = useQueryClient();
  const canRollBack = useCan('releases.manage', system);
  const [open, setOpen] = useState(false);
  const envs = useQuery({ queryKey: keys.environments(system), queryFn: () => api<Environments>('GET', systemPath(system, '/environments')), enabled: canRollBack });
  const rollback = useMutation({
    mutationFn: (body: { env: 'uat' | 'prod'; impact: Rollback['impact']; reason: string }) => api<Rollback>('POST', systemPath(system, '/rollbacks'), body),
    onSuccess: () => setOpen(false),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.system(system) }),
  });
  if (!canRollBack) return null;
  const current = envs.data?.environments.find((e) => e.env === d.env);
  const runsNow = current?.releaseId === d.releaseId && d.status === 'succeeded';
  const env = d.env.toUpperCase();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    rollback.mutate({ env: d.env, impact: String(form.get('impact')) as Rollback['impact'], reason: String(form.get('reason') ?? '').trim() });
  };
  const done = rollback.data;
  return (
    <section className="actions" aria-label="Rollback">
      {done ? (
        <p role="status" className="notice" data-rollback={done.status}>
          Rollback {done.id}: {done.status === 'followup' ? 'no rollback (UX glitch); a follow-up is recorded' : `${done.env.toUpperCase()} back to ${done.target.version ?? done.target.commit?.slice(0, 10) ?? 'the previous release'} (${done.status})`}.{' '}
          <Link href={`/systems/${system}/history`}>See the HISTORY</Link>
        </p>
      ) : null}
      {runsNow && !done ? (
        !open ? (
          <button type="button" className="danger" onClick={() => setOpen(true)} aria-expanded={false}>
            Roll back {env}…
          </button>
        ) : (
          <form className="stacked rollback-form" onSubmit={submit} aria-label={`Roll back ${env}`}>
            <fieldset>
              <legend>What is the impact?</legend>
              {IMPACTS.map((i) => (
                <label key={i.value} className="check">
                  <input type="radio" name="impact" value={i.value} required defaultChecked={i.value === 'regression'} />
                  <span>
                    <strong>{i.label}</strong> <span className="muted">({i.value}): {i.what}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <label>
              What broke (goes into the HISTORY and the messages)
              <textarea name="reason" required maxLength={2000} rows={2} />
            </label>
            <div className="buttons">
              <button type="submit" className="danger" disabled={rollback.isPending}>
                {rollback.isPending ? `Rolling back ${env}…` : `Roll back ${env}`}
              </button>
              <button type="button" onClick={() => setOpen(false)} disabled={rollback.isPending}>
                Cancel
              </button>
            </div>
          </form>
        )
      ) : null}
      <ProblemNote error={rollback.error} prefix="Rollback refused:" />
    </section>
  );
}
