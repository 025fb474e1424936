import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { ENVIRONMENTS, SEVERITIES } from '../../../src/features/bugs/bug-statuses.ts';
import { api, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Bug, ReportInput } from '../api/types.ts';
import { ProblemNote } from '../components/problem.tsx';
import { useSystem } from './use-system.ts';

export function ReportBugPage() {
  const { name: system, info } = useSystem();
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const mutation = useMutation({
    mutationFn: (body: ReportInput) => api<Bug>('POST', systemPath(system, '/bugs'), body),
    onSuccess: (bug) => {
      void client.invalidateQueries({ queryKey: keys.system(system) });
      navigate(`/systems/${system}/bugs/${bug.id}`);
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const services = text('services')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    mutation.mutate({
      title: text('title'),
      description: text('description'),
      severity: text('severity') as ReportInput['severity'],
      foundInEnv: text('foundInEnv') as ReportInput['foundInEnv'],
      module: text('module') || null,
      ...(services.length ? { services } : {}),
    });
  };
  return (
    <section aria-labelledby="report-title">
      <p className="crumbs">
        <Link href={`/systems/${system}/bugs`}>← Bugs</Link>
      </p>
      <h1 id="report-title">Report a bug{info ? ` in ${info.title}` : ''}</h1>
      <form className="stacked" onSubmit={submit} aria-label="Report a bug">
        <label>
          Title
          <input name="title" required maxLength={200} />
        </label>
        <label>
          Description
          <textarea name="description" rows={5} maxLength={20000} />
        </label>
        <label>
          Severity
          <select name="severity" defaultValue="medium">
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
                {info && !info.pipelineSeverities.includes(s) ? ' (emergency hotfix, not the pipeline)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Found in
          <select name="foundInEnv" defaultValue="prod">
            {ENVIRONMENTS.map((e) => (
              <option key={e} value={e}>
                {e.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Module
          <select name="module" defaultValue="">
            <option value="">none</option>
            {(info?.modules ?? []).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Services (comma-separated, optional)
          <input name="services" />
        </label>
        <ProblemNote error={mutation.error} prefix="Not reported:" />
        <button type="submit" className="primary" disabled={mutation.isPending}>
          Report bug
        </button>
      </form>
    </section>
  );
}
