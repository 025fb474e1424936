/**
 * `tonic releases list|show` and `tonic deployments list|show`: what the runs built and where
 * they put it, with the notes of each release and the log of each deployment.
 */
import { apiClientFrom } from './api-client.ts';
import type { Deployment, DeploymentWithLog, IdPage, Release } from './api-types.ts';
import { API_OPTIONS, noPositionals, PAGE_OPTIONS, pageQuery, parseCommand, parseId, singleId } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { formatDeploymentDetail, formatDeploymentList, formatReleaseDetail, formatReleaseList } from './release-format.ts';
import { resolveSystem, systemPath } from './system-choice.ts';
import { USAGE } from './usage.ts';

const RELEASES_USAGE = `${USAGE.releasesList}\n       ${USAGE.releasesShow}`;
const DEPLOYMENTS_USAGE = `${USAGE.deploymentsList}\n       ${USAGE.deploymentsShow}`;

export async function runReleases(args: string[], io: CliIo): Promise<number> {
  return dispatch('releases', args, io, RELEASES_USAGE, {
    list: listReleases,
    show: showRelease,
  });
}

export async function runDeployments(args: string[], io: CliIo): Promise<number> {
  return dispatch('deployments', args, io, DEPLOYMENTS_USAGE, {
    list: listDeployments,
    show: showDeployment,
  });
}

async function listReleases(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.releasesList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const query = pageQuery(values, usage);
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<IdPage<Release>>(systemPath(system, '/releases'), query);
  if (values.json) return printJson(io, page);
  io.out(formatReleaseList(page.items).join('\n'));
  if (page.nextCursor) io.out(`\nmore releases: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function showRelease(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.releasesShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'release');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const release = await api.get<Release>(systemPath(system, `/releases/${id}`));
  if (values.json) return printJson(io, release);
  io.out(formatReleaseDetail(release).join('\n'));
  return 0;
}

async function listDeployments(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.deploymentsList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS, run: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const query = { ...pageQuery(values, usage), runId: values.run === undefined ? undefined : parseId(values.run, usage, 'run') };
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const page = await api.get<IdPage<Deployment>>(systemPath(system, '/deployments'), query);
  if (values.json) return printJson(io, page);
  io.out(formatDeploymentList(page.items).join('\n'));
  if (page.nextCursor) io.out(`\nmore deployments: run the same command with --cursor ${page.nextCursor}`);
  return 0;
}

async function showDeployment(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.deploymentsShow;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'deployment');
  const api = apiClientFrom(values, io.env, usage);
  const system = await resolveSystem(api, values.system, io.env, usage);
  const deployment = await api.get<DeploymentWithLog>(systemPath(system, `/deployments/${id}`));
  if (values.json) return printJson(io, deployment);
  io.out(formatDeploymentDetail(deployment).join('\n'));
  return 0;
}
