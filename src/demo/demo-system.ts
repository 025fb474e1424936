/**
 * The demo `npm start` brings up when no tonic.config.yaml exists: two systems, each a small git
 * repository with a few versions in its history, whose UAT and PROD run as local processes on
 * loopback ports and are deployed by the `command` driver.
 * - shop: two services, an `api` (api/) and a `web` front (web/) that depends on it and passes
 *   /api/* on to it; each its own process per environment. UAT and PROD on the same release (a bug
 *   confirmed now takes Flow 1).
 * - billing: one service; UAT ahead of PROD (Flow 2).
 * The server starts the environment processes at start-up and stops them when it stops.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fillPlaceholders } from '../adapters/deploy/deploy-driver.ts';
import { git } from '../adapters/git/git-cli.ts';
import type { Tonic } from '../compose.ts';
import { SYSTEM_ACTOR } from '../features/identity/identity-service.ts';
import { DEPLOY_SCRIPT, serviceSource, webSource } from './demo-sources.ts';

const AUTHOR = ['-c', 'user.name=Tonic Demo', '-c', 'user.email=demo@tonic.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];

type DemoSystem = {
  name: string;
  title: string;
  modules: string[];
  /** Versions on main, oldest first; the last is what PROD runs. */
  main: string[];
  /** A version on develop ahead of main (UAT runs it), or null when UAT and PROD match. */
  develop: string | null;
  /**
   * Its services, each in its own folder of the repository and its own process per environment
   * (api first: web depends on it); none: one service, server.js at the root.
   */
  services?: readonly { name: 'api' | 'web'; dependsOn?: string[] }[];
  fixBranch: { name: string; files: Record<string, string>; message: string };
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
    services: [{ name: 'api' }, { name: 'web', dependsOn: ['api'] }],
    // Touches both services: api computes the discount, web shows it; api deploys first.
    fixBranch: {
      name: 'fix/discount-code',
      files: {
        'api/discount.js': "export const applyDiscount = (total, code) => (code === 'SAVE10' ? total * 0.9 : total);\n",
        'web/checkout.js': "export const discountLabel = (code) => (code === 'SAVE10' ? '10 % off' : '');\n",
      },
      message: 'Apply the SAVE10 discount at checkout',
    },
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
    fixBranch: { name: 'fix/invoice-rounding', files: { 'rounding.js': 'export const round = (amount) => Math.round(amount * 100) / 100;\n' }, message: 'Round invoice totals to cents' },
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

/** The files of the system's service(s): server.js at the root, or api/server.js and web/server.js. */
function serverFiles(system: DemoSystem, bugLine: string, options: { brokenOrders?: boolean } = {}): Record<string, string> {
  if (!system.services) return { 'server.js': serviceSource(system.name, bugLine, options) };
  return { 'api/server.js': serviceSource(`${system.name}-api`, bugLine, options), 'web/server.js': webSource(`${system.name}-web`, system.title, bugLine) };
}

async function createRepository(path: string, system: DemoSystem): Promise<void> {
  mkdirSync(path, { recursive: true });
  await git(path, ['init', '--quiet', '--initial-branch=main']);
  const commit = async (message: string, files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(path, name)), { recursive: true });
      writeFileSync(join(path, name), content);
    }
    await git(path, ['add', '-A']);
    await git(path, [...AUTHOR, 'commit', '--quiet', '-m', message]);
  };
  for (const version of system.main) {
    await commit(`${system.name} ${version}`, {
      ...serverFiles(system, `release ${version}`),
      'README.md': `# ${system.name}\n\nThe ${system.services ? 'services' : 'service'} Tonic Deploy ships in its demo. Current release: ${version}.\n`,
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
  await commit(system.fixBranch.message, system.fixBranch.files);
  await git(path, ['checkout', '--quiet', 'main']);
  if (system.badFixBranch) {
    const current = system.main[system.main.length - 1]!;
    await git(path, ['checkout', '--quiet', '-b', system.badFixBranch.name, 'main']);
    // Only the service that serves /api/orders changes: on shop, the api alone is redeployed.
    const broken = serverFiles(system, `release ${current}`, { brokenOrders: true });
    const file = system.services ? 'api/server.js' : 'server.js';
    await commit(system.badFixBranch.message, { [file]: broken[file]! });
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
  /** The deploy command of one process: the script exports the tag, starts `folder`/server.js on `port` with `vars`. */
  const deployCommand = (system: DemoSystem, env: 'uat' | 'prod', service: string | null, vars: string[] = []) => {
    const port = ports[service ? `${system.name}/${env}/${service}` : `${system.name}/${env}`]!;
    const dir = service ? join(l.envDir(system.name, env), service) : l.envDir(system.name, env);
    return [process.execPath, l.deployScript, l.repo(system.name), dir, '{tag}', '{version}', String(port), service ?? '.', ...vars];
  };
  const url = (system: DemoSystem, env: 'uat' | 'prod', service?: string) => `http://127.0.0.1:${ports[service ? `${system.name}/${env}/${service}` : `${system.name}/${env}`]}`;
  const env = (system: DemoSystem, name: 'uat' | 'prod', line: string) => {
    // With services, people open the web front; each service deploys and is checked on its own.
    const front = system.services ? url(system, name, 'web') : url(system, name);
    return [
      `      ${name}:`,
      `        url: ${q(front)}`,
      `        line: ${line}`,
      ...(system.services
        ? []
        : [`        deploy: { driver: command, command: ${q(deployCommand(system, name, null))}, timeoutSeconds: 60 }`, `        health: { url: ${q(`${front}/health`)}, timeoutSeconds: 15 }`]),
    ].join('\n');
  };
  const services = (system: DemoSystem) => {
    if (!system.services) return [];
    const lines = ['    services:                  # api first (web depends on it), each checked before the next; a failure rolls back in reverse order'];
    for (const service of system.services) {
      // web passes /api/* on to the api of the same environment.
      const vars = (e: 'uat' | 'prod') => (service.name === 'web' ? [`API_URL=${url(system, e, 'api')}`] : []);
      lines.push(
        `      - name: ${service.name}`,
        `        paths: [${q(`${service.name}/**`)}]`,
        ...(service.dependsOn ? [`        dependsOn: ${q(service.dependsOn)}`] : []),
        '        environments:',
        ...(['uat', 'prod'] as const).flatMap((e) => [
          `          ${e}:`,
          `            url: ${q(url(system, e, service.name))}`,
          `            deploy: { driver: command, command: ${q(deployCommand(system, e, service.name, vars(e)))}, timeoutSeconds: 60 }`,
          `            health: { url: ${q(`${url(system, e, service.name)}/health`)}, timeoutSeconds: 15 }`,
        ]),
        ...(service.name === 'web' ? ['        smoke:                 # its own check, before the deploy moves on', '          steps:', `            - { name: front page, request: { path: / }, expect: { status: 200, text: ${q(system.title)} } }`] : []),
      );
    }
    return lines;
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
      ...services(s),
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
  for (const system of DEMO_SYSTEMS) {
    for (const env of ['uat', 'prod']) {
      if (!system.services) ports[`${system.name}/${env}`] = await freePort();
      for (const service of system.services ?? []) ports[`${system.name}/${env}/${service.name}`] = await freePort();
    }
  }
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
 * Starts each demo environment process that is not running (one per service of a multi-service
 * system), at the version recorded for it, with the deploy command the pipeline uses; returns the
 * function that stops them all.
 */
export async function startDemoEnvironments(tonic: Tonic, home: string): Promise<() => void> {
  const l = layout(home);
  const pidFiles: string[] = [];
  for (const demo of DEMO_SYSTEMS) {
    const system = tonic.systems.get(demo.name);
    const envs = await tonic.environments.describe(SYSTEM_ACTOR, system.name);
    for (const e of envs.environments) {
      // Each process with the command that deploys it (the demo's are all `command` drivers).
      const processes = system.services
        ? system.services.map((s) => ({ dir: join(l.envDir(system.name, e.env), s.name), deploy: s.environments[e.env].deploy, what: `${s.name} ${e.env}` }))
        : [{ dir: l.envDir(system.name, e.env), deploy: system.environments[e.env].deploy, what: e.env }];
      for (const p of processes) {
        const pidFile = join(p.dir, 'pid');
        pidFiles.push(pidFile);
        if (alive(pidFile) || !e.version || p.deploy?.driver !== 'command') continue;
        mkdirSync(p.dir, { recursive: true });
        const [program, ...args] = p.deploy.command.map((part) => fillPlaceholders(part, { tag: e.version!, version: e.version! }));
        let said = '';
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(program!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
          child.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
          child.once('close', resolve);
          child.once('error', () => resolve(null));
        });
        if (code !== 0) {
          throw new Error(`could not start the demo ${system.name} ${p.what} environment (${e.version}); see ${join(p.dir, 'service.log')}${said.trim() ? `:\n${said.trim()}` : ''}`);
        }
      }
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
