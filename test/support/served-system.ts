/**
 * One system as a `tonic serve` child process would run it from its own configuration file: a git
 * repository (main tagged v1.0.0, develop, a fix branch), UAT and PROD as real HTTP servers with
 * a deploy command (startTestEnvironments), and a tonic.config.yaml naming them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEnvironments, type TestEnvironments } from './environments.ts';
import { createTestRepo, type TestRepo } from './git-repo.ts';

export type ServedSystem = {
  dir: string;
  configFile: string;
  repo: TestRepo;
  envs: TestEnvironments;
  /** The commit both environments start on (v1.0.0). */
  base: string;
  /** A branch holding one fix commit on top of base. */
  fixBranch: string;
  remove(): Promise<void>;
};

/**
 * A system whose rollbacks are watched: monitoring scrapes each environment's /metrics (a counter
 * that grows with every scrape, as a busy service's would) every second for ten minutes, and a tag
 * v0.9.0 to roll back to. For tests that stop a server while a rollback is being validated.
 */
export async function createMonitoredServedSystem(): Promise<ServedSystem & { olderTag: string }> {
  const served = await createServedSystem({
    extraYaml: (envs) =>
      [
        '    monitoring:',
        '      windowMinutes: 10',
        '      pollSeconds: 1',
        `      provider: { kind: scrape, urls: { uat: ${JSON.stringify(`${envs.config.uat.url}/metrics`)}, prod: ${JSON.stringify(`${envs.config.prod.url}/metrics`)} } }`,
        '    rollback: { validationMinutes: 10 }',
      ].join('\n'),
  });
  let scraped = 0;
  served.envs.route('GET', '/metrics', (_env, _running, _req, res) => {
    scraped += 20;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE http_requests_total counter\nhttp_requests_total{code="200"} ${scraped}\n`);
  });
  await served.repo.git('checkout', '--quiet', '-b', 'old', served.base);
  await served.repo.commit('shop v0.9.0', { 'app.txt': 'v0.9\n' });
  await served.repo.git('tag', '-a', 'v0.9.0', '-m', 'v0.9.0');
  await served.repo.git('checkout', '--quiet', 'main');
  return { ...served, olderTag: 'v0.9.0' };
}

export async function createServedSystem(options: { extraYaml?: string | ((envs: TestEnvironments) => string); deployTimeoutSeconds?: number } = {}): Promise<ServedSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-served-'));
  const repo = await createTestRepo();
  const base = await repo.commit('shop v1.0.0', { 'app.txt': 'v1\n' });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('branch', 'develop');
  await repo.git('checkout', '--quiet', '-b', 'fix/checkout');
  await repo.commit('Fix the checkout total', { 'checkout.txt': 'fixed\n' });
  await repo.git('checkout', '--quiet', 'main');
  const envs = await startTestEnvironments({ timeoutMs: (options.deployTimeoutSeconds ?? 120) * 1000 });
  const q = JSON.stringify;
  const env = (name: 'uat' | 'prod') => {
    const c = envs.config[name];
    const deploy = c.deploy as { command: string[] };
    return [
      `      ${name}:`,
      `        url: ${q(c.url)}`,
      `        line: ${c.line}`,
      `        deploy: { driver: command, command: ${q(deploy.command)}, timeoutSeconds: ${options.deployTimeoutSeconds ?? 120} }`,
      `        health: { url: ${q(c.health!.url)}, timeoutSeconds: 5 }`,
    ].join('\n');
  };
  const yaml = [
    'systems:',
    '  - name: shop',
    '    timeZone: Asia/Hong_Kong',
    '    schedule: { t1: "20:00", t2: "22:00" }',
    `    repository: { path: ${q(repo.path)} }`,
    '    environments:',
    env('uat'),
    env('prod'),
    '    modules: [checkout]',
    typeof options.extraYaml === 'function' ? options.extraYaml(envs) : (options.extraYaml ?? ''),
  ].join('\n');
  const configFile = join(dir, 'tonic.config.yaml');
  writeFileSync(configFile, `${yaml}\n`);
  return {
    dir,
    configFile,
    repo,
    envs,
    base,
    fixBranch: 'fix/checkout',
    async remove() {
      envs.stopDeploy('uat');
      envs.stopDeploy('prod');
      await envs.close();
      repo.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
