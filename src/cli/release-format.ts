/**
 * How releases and deployments read on a terminal: the tables, a release with its bugs and notes,
 * a deployment with its log. Pure.
 */
import { describePlan } from '../features/services/service-rules.ts';
import type { Deployment, DeploymentWithLog, Release } from './api-types.ts';
import { formatClock, formatInstant, formatTable, indent, orDash, shortCommit } from './table.ts';

export function formatReleaseList(releases: readonly Release[]): string[] {
  if (releases.length === 0) return ['no releases yet'];
  const rows = releases.map((r) => [
    String(r.id),
    r.version,
    r.kind,
    r.targetEnv,
    baseLabel(r),
    orDash(idText(r.runId)),
    formatInstant(r.createdAt),
    r.bugs.map((b) => `#${b.id}`).join(', ') || '-',
  ]);
  return formatTable([['ID', 'VERSION', 'KIND', 'FOR', 'BASE', 'RUN', 'CREATED', 'BUGS'], ...rows]);
}

export function formatReleaseDetail(release: Release): string[] {
  const fields: [string, string][] = [
    ['system', release.system],
    ['kind', release.kind],
    ['for', release.targetEnv],
    ['tag', release.tag],
    ['commit', shortCommit(release.commit)],
    ['base', baseLabel(release)],
    ['run', orDash(idText(release.runId))],
    ['created', formatInstant(release.createdAt)],
  ];
  if (release.services.length > 0) fields.push(['services', release.services.join(', ')]);
  const lines = [`release ${release.id}: ${release.version}`, ...formatTable(fields), '', 'bugs'];
  if (release.bugs.length === 0) lines.push('  none');
  else lines.push(...indent(formatTable(release.bugs.map((b) => [`#${b.id}`, b.commits.map(shortCommit).join(', ') || '-']))));
  lines.push('', 'notes');
  lines.push(...(release.notes.trim() ? indent(release.notes.trimEnd().split('\n')) : ['  -']));
  return lines;
}

export function formatDeploymentList(deployments: readonly Deployment[]): string[] {
  if (deployments.length === 0) return ['no deployments match'];
  const rows = deployments.map((d) => [
    String(d.id),
    d.env,
    String(d.releaseId),
    d.status,
    orDash(idText(d.runId)),
    formatInstant(d.startedAt),
    formatInstant(d.finishedAt),
    orDash(d.error),
  ]);
  return formatTable([['ID', 'ENV', 'RELEASE', 'STATUS', 'RUN', 'STARTED', 'FINISHED', 'ERROR'], ...rows]);
}

export function formatDeploymentDetail(deployment: DeploymentWithLog): string[] {
  const fields: [string, string][] = [
    ['system', deployment.system],
    ['previous', deployment.previousReleaseId === null ? '-' : `release ${deployment.previousReleaseId}`],
    ['run', orDash(idText(deployment.runId))],
    ['started', formatInstant(deployment.startedAt)],
    ['finished', formatInstant(deployment.finishedAt)],
  ];
  if (deployment.error) fields.push(['error', deployment.error]);
  const heading = `deployment ${deployment.id}: release ${deployment.releaseId} to ${deployment.env}, ${deployment.status}`;
  const lines = [heading, ...formatTable(fields)];
  const services = deployment.services;
  if (services) {
    lines.push('', `${describePlan(services)}: ${services.why}`);
    lines.push(
      ...indent(
        formatTable(
          services.steps.map((s) => [
            s.service,
            s.status,
            s.error ?? s.health ?? '',
            s.rollback ? `rollback: ${s.rollback.detail}` : '',
          ]),
        ),
      ),
    );
  }
  const smoke = deployment.smoke;
  if (smoke) {
    lines.push('', `smoke: ${smoke.ok ? 'passed' : `failed at "${smoke.failedStep}"`}`);
    lines.push(...indent(formatTable(smoke.steps.map((s) => [s.result, s.name, s.result === 'fail' ? `expected ${s.expected}, got ${s.actual}` : s.actual, s.ms === null ? '' : `${s.ms} ms`]))));
  }
  lines.push('', 'log (UTC)');
  if (deployment.log.length === 0) lines.push('  empty');
  else lines.push(...indent(formatTable(deployment.log.map((l) => [formatClock(l.at), l.stream, l.line]))));
  return lines;
}

/** "v1.0.0 (abcdef1234)", or the commit alone when the base had no version. */
function baseLabel(release: Release): string {
  return release.baseVersion ? `${release.baseVersion} (${shortCommit(release.baseCommit)})` : shortCommit(release.baseCommit);
}

function idText(id: number | null): string | null {
  return id === null ? null : String(id);
}
