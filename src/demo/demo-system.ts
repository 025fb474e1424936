/**
 * The demo system `npm start` brings up when no tonic.config.yaml exists: a small git repository
 * of an HTTP service under TONIC_HOME, a configuration for it, and a few reported bugs, so that
 * the API has something real to show on a fresh clone.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../adapters/git/git-cli.ts';
import type { Tonic } from '../compose.ts';
import { SYSTEM_ACTOR } from '../features/identity/identity-service.ts';

const AUTHOR = ['-c', 'user.name=Tonic Demo', '-c', 'user.email=demo@tonic.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];

const SERVICE_V1 = `// The demo shop's API: answers its version and a health check.
import { createServer } from 'node:http';
const version = process.env.APP_VERSION ?? 'dev';
createServer((req, res) => {
  if (req.url === '/health') return res.end(JSON.stringify({ status: 'ok', version }));
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ service: 'demo-shop', version }));
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1');
`;

export function demoConfigYaml(repoPath: string): string {
  return `# Written by Tonic Deploy for the demo system. Copy tonic.config.yaml (tonic init) to configure your own.
systems:
  - name: demo
    title: Demo shop
    timeZone: Asia/Hong_Kong
    schedule: { t1: "20:00", t2: "22:00" }
    repository: { path: ${JSON.stringify(repoPath)} }
    environments:
      uat: { url: "http://127.0.0.1:4101", line: develop }
      prod: { url: "http://127.0.0.1:4102", line: main }
    modules: [checkout, catalog, financial]
    severityPolicy: { pipeline: [low, medium] }
`;
}

/** Creates the demo repository and configuration once; returns the configuration file's path. */
export async function ensureDemoFiles(home: string): Promise<string> {
  const dir = join(home, 'demo');
  const repo = join(dir, 'repo');
  const configFile = join(dir, 'tonic.config.yaml');
  if (!existsSync(join(repo, '.git'))) {
    mkdirSync(repo, { recursive: true });
    await git(repo, ['init', '--quiet', '--initial-branch=main']);
    writeFileSync(join(repo, 'server.js'), SERVICE_V1);
    writeFileSync(join(repo, 'README.md'), '# demo-shop\n\nThe service Tonic Deploy ships in its demo.\n');
    await git(repo, ['add', '-A']);
    await git(repo, [...AUTHOR, 'commit', '--quiet', '-m', 'demo-shop 1.0.0']);
    await git(repo, [...AUTHOR, 'tag', '-a', 'v1.0.0', '-m', 'v1.0.0']);
    await git(repo, ['branch', 'develop']);
  }
  if (!existsSync(configFile)) writeFileSync(configFile, demoConfigYaml(repo));
  return configFile;
}

/** First start on an empty database: record what UAT and PROD run and report a few bugs. */
export async function seedDemo(tonic: Tonic): Promise<void> {
  const system = tonic.config.systems[0];
  if (!system?.repositoryPath) return;
  const envs = await tonic.environments.describe(SYSTEM_ACTOR, system.name);
  if (envs.environments.some((e) => e.commit)) return;
  const commit = await git(system.repositoryPath, ['rev-parse', 'v1.0.0^{commit}']);
  for (const env of ['uat', 'prod'] as const) {
    await tonic.environments.record(SYSTEM_ACTOR, system.name, env, { version: 'v1.0.0', commit });
  }
  const reports = [
    { title: 'Checkout total ignores the discount code', description: 'Apply SAVE10, the total stays the same.', severity: 'medium', foundInEnv: 'prod', module: 'checkout' },
    { title: 'Catalog search is case-sensitive', description: 'Searching "Mug" finds nothing; "mug" works.', severity: 'low', foundInEnv: 'uat', module: 'catalog' },
    { title: 'Payments fail for every card', description: 'All card payments return 502 since 19:40.', severity: 'critical', foundInEnv: 'prod', module: 'financial' },
  ] as const;
  for (const r of reports) await tonic.bugs.report(SYSTEM_ACTOR, system.name, r);
}
