/**
 * The demo `npm start` brings up when no tonic.config.yaml exists: two systems, each a small git
 * repository of an HTTP service with a few versions in its history, whose UAT and PROD run as
 * local processes on loopback ports and are deployed by the `command` driver.
 * - shop: UAT and PROD on the same release (a bug confirmed now takes Flow 1);
 * - billing: UAT ahead of PROD (Flow 2).
 * The server starts the environment processes at start-up and stops them when it stops.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { git } from '../adapters/git/git-cli.ts';
import type { Tonic } from '../compose.ts';
import { SYSTEM_ACTOR } from '../features/identity/identity-service.ts';
import { DEPLOY_SCRIPT, serviceSource } from './demo-sources.ts';

const AUTHOR = ['-c', 'user.name=Tonic Demo', '-c', 'user.email=demo@tonic.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];

type DemoSystem = {
  name: string;
  title: string;
  modules: string[];
  /** Versions on main, oldest first; the last is what PROD runs. */
  main: string[];
  /** A version on develop ahead of main (UAT runs it), or null when UAT and PROD match. */
  develop: string | null;
  fixBranch: { name: string; file: string; content: string; message: string };
  /** A "fix" that breaks /api/orders: attached to a bug, its release fails smoke and is rolled back. */
  badFixBranch?: { name: string; message: string };
  bugs: { title: string; description: string; severity: 'low' | 'medium' | 'high' | 'critical'; foundInEnv: 'uat' | 'prod'; module: string }[];
};

export const DEMO_SYSTEMS: readonly DemoSystem[] = [
  {
    name: 'shop',
    title: 'Demo shop',
    modules: ['checkout', 'catalog', 'financial'],
    main: ['v0.9.0', 'v1.0.0'],
    develop: null,
    fixBranch: { name: 'fix/discount-code', file: 'discount.js', content: "export const applyDiscount = (total, code) => (code === 'SAVE10' ? total * 0.9 : total);\n", message: 'Apply the SAVE10 discount at checkout' },
    badFixBranch: { name: 'fix/orders-cache', message: 'Cache the orders list (breaks /api/orders: smoke fails and the release is rolled back)' },
    bugs: [
      { title: 'Checkout total ignores the discount code', description: 'Apply SAVE10: the total stays the same.', severity: 'medium', foundInEnv: 'prod', module: 'checkout' },
      { title: 'Catalog search is case-sensitive', description: 'Searching "Mug" finds nothing; "mug" works.', severity: 'low', foundInEnv: 'uat', module: 'catalog' },
      { title: 'Payments fail for every card', description: 'All card payments return 502 since 19:40.', severity: 'critical', foundInEnv: 'prod', module: 'financial' },
    ],
  },
  {
    name: 'billing',
    title: 'Demo billing',
    modules: ['invoices', 'financial'],
    main: ['v1.0.0'],
    develop: 'v1.1.0',
    fixBranch: { name: 'fix/invoice-rounding', file: 'rounding.js', content: 'export const round = (amount) => Math.round(amount * 100) / 100;\n', message: 'Round invoice totals to cents' },
    bugs: [{ title: 'Invoice totals off by a cent', description: 'Totals of 3 items at 0.333 show 0.99.', severity: 'medium', foundInEnv: 'prod', module: 'invoices' }],
  },
];

type DemoLayout = { dir: string; configFile: string; deployScript: string; repo(system: string): string; envDir(system: string, env: string): string };

function layout(home: string): DemoLayout {
  const dir = join(home, 'demo');
  return {
    dir,
    configFile: join(dir, 'tonic.config.yaml'),
    deployScript: join(dir, 'deploy.mjs'),
    repo: (system) => join(dir, 'repos', system),
    envDir: (system, env) => join(dir, 'envs', system, env),
  };
}

async function createRepository(path: string, system: DemoSystem): Promise<void> {
  mkdirSync(path, { recursive: true });
  await git(path, ['init', '--quiet', '--initial-branch=main']);
  const commit = async (message: string, files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(path, name), content);
    await git(path, ['add', '-A']);
    await git(path, [...AUTHOR, 'commit', '--quiet', '-m', message]);
  };
  for (const version of system.main) {
    await commit(`${system.name} ${version}`, {
      'server.js': serviceSource(system.name, `release ${version}`),
      'README.md': `# ${system.name}\n\nThe service Tonic Deploy ships in its demo. Current release: ${version}.\n`,
    });
    await git(path, [...AUTHOR, 'tag', '-a', version, '-m', version]);
  }
  await git(path, ['branch', 'develop']);
  if (system.develop) {
    await git(path, ['checkout', '--quiet', 'develop']);
    await commit(`${system.name} ${system.develop}: new features`, { 'FEATURES.md': `# ${system.develop}\n\n- invoices as PDF\n` });
    await git(path, [...AUTHOR, 'tag', '-a', system.develop, '-m', system.develop]);
    await git(path, ['checkout', '--quiet', 'main']);
  }
  await git(path, ['checkout', '--quiet', '-b', system.fixBranch.name, 'main']);
  await commit(system.fixBranch.message, { [system.fixBranch.file]: system.fixBranch.content });
  await git(path, ['checkout', '--quiet', 'main']);
  if (system.badFixBranch) {
    const current = system.main[system.main.length - 1]!;
    await git(path, ['checkout', '--quiet', '-b', system.badFixBranch.name, 'main']);
    await commit(system.badFixBranch.message, { 'server.js': serviceSource(system.name, `release ${current}`, { brokenOrders: true }) });
    await git(path, ['checkout', '--quiet', 'main']);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function demoConfigYaml(l: DemoLayout, ports: Record<string, number>): string {
  const q = JSON.stringify;
  const env = (system: DemoSystem, name: 'uat' | 'prod', line: string) => {
    const port = ports[`${system.name}/${name}`]!;
    const command = [process.execPath, l.deployScript, l.repo(system.name), l.envDir(system.name, name), '{tag}', '{version}', String(port)];
    return [
      `      ${name}:`,
      `        url: ${q(`http://127.0.0.1:${port}`)}`,
      `        line: ${line}`,
      `        deploy: { driver: command, command: ${q(command)}, timeoutSeconds: 60 }`,
      `        health: { url: ${q(`http://127.0.0.1:${port}/health`)}, timeoutSeconds: 15 }`,
    ].join('\n');
  };
  const systems = DEMO_SYSTEMS.map((s) =>
    [
      `  - name: ${s.name}`,
      `    title: ${q(s.title)}`,
      '    timeZone: Asia/Hong_Kong',
      '    schedule: { t1: "20:00", t2: "22:00" }',
      `    repository: { path: ${q(l.repo(s.name))} }`,
      '    environments:',
      env(s, 'uat', 'develop'),
      env(s, 'prod', 'main'),
      `    modules: ${q(s.modules)}`,
      '    severityPolicy: { pipeline: [low, medium] }',
      '    smoke:                     # right after every deploy and rollback; a failed step rolls back',
      '      onFailure: rollback',
      '      steps:',
      '        - name: health',
      '          request: { path: /health }',
      '          expect: { status: 200, json: [{ path: "$.status", equals: ok }] }',
      '        - name: orders',
      '          request: { path: /api/orders }',
      '          expect: { status: 200, json: [{ path: "$.orders", exists: true }], maxLatencyMs: 5000 }',
      '    rollback:',
      '      dbaContact: "dba@demo.invalid"',
      // The pre-deploy checklist's probes that need nothing outside this machine.
      '    checklist: { freeze: {}, rollbackPath: {}, headroom: { mode: warn } }',
    ].join('\n'),
  );
  return `# Written by Tonic Deploy for its demo (TONIC_HOME/demo). Run \`tonic init\` to start your own configuration.\nsystems:\n${systems.join('\n')}\n`;
}

/** Creates the demo repositories, deploy script and configuration once; returns the configuration file. */
export async function ensureDemoFiles(home: string): Promise<string> {
  const l = layout(home);
  if (existsSync(l.configFile)) return l.configFile;
  rmSync(l.dir, { recursive: true, force: true }); // a half-written demo from an interrupted first start
  mkdirSync(l.dir, { recursive: true });
  for (const system of DEMO_SYSTEMS) await createRepository(l.repo(system.name), system);
  writeFileSync(l.deployScript, DEPLOY_SCRIPT);
  const ports: Record<string, number> = {};
  for (const system of DEMO_SYSTEMS) for (const env of ['uat', 'prod']) ports[`${system.name}/${env}`] = await freePort();
  writeFileSync(l.configFile, demoConfigYaml(l, ports)); // last: its presence means the demo is complete
  return l.configFile;
}

/** First start on an empty database: record what UAT and PROD run, and report the demo bugs. */
export async function seedDemo(tonic: Tonic): Promise<void> {
  for (const demo of DEMO_SYSTEMS) {
    const system = tonic.systems.get(demo.name);
    const envs = await tonic.environments.describe(SYSTEM_ACTOR, system.name);
    if (envs.environments.some((e) => e.commit)) continue;
    const prodVersion = demo.main[demo.main.length - 1]!;
    const uatVersion = demo.develop ?? prodVersion;
    for (const [env, version] of [['prod', prodVersion], ['uat', uatVersion]] as const) {
      const commit = await git(system.repositoryPath!, ['rev-parse', `${version}^{commit}`]);
      await tonic.environments.record(SYSTEM_ACTOR, system.name, env, { version, commit });
    }
    for (const bug of demo.bugs) await tonic.bugs.report(SYSTEM_ACTOR, system.name, bug);
  }
}

function alive(pidFile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts each demo environment process that is not running, at the version recorded for it, with
 * the same deploy script the pipeline uses; returns the function that stops them all.
 */
export async function startDemoEnvironments(tonic: Tonic, home: string): Promise<() => void> {
  const l = layout(home);
  const pidFiles: string[] = [];
  for (const demo of DEMO_SYSTEMS) {
    const system = tonic.systems.get(demo.name);
    const envs = await tonic.environments.describe(SYSTEM_ACTOR, system.name);
    for (const e of envs.environments) {
      const dir = l.envDir(system.name, e.env);
      const pidFile = join(dir, 'pid');
      pidFiles.push(pidFile);
      if (alive(pidFile) || !e.version) continue;
      mkdirSync(dir, { recursive: true });
      const port = new URL(system.environments[e.env].url).port;
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [l.deployScript, system.repositoryPath!, dir, e.version!, e.version!, port], { stdio: 'ignore' });
        child.once('exit', resolve);
        child.once('error', () => resolve(null));
      });
      if (code !== 0) throw new Error(`could not start the demo ${system.name} ${e.env} environment (${e.version} on port ${port}); see ${join(dir, 'service.log')}`);
    }
  }
  return () => {
    for (const pidFile of pidFiles) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
      } catch {
        /* already stopped */
      }
    }
  };
}
