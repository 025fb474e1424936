/**
 * A system's `services` section as a person meets it from the command line: `tonic config check`
 * checks each service (health, deploy command) and warns of a path glob matching no file in the
 * repository; `tonic serve` refuses a dependency cycle at start-up, naming it, and logs the glob
 * warning when it starts. Real git repository, real HTTP servers, real processes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestRepo, type TestRepo } from '../support/git-repo.ts';
import { eventually, freePort, runTonic as startTonic } from '../support/processes.ts';
import { runTonic } from './run-tonic.ts';

describe('services in the configuration, from the command line', () => {
  let repo: TestRepo;
  let dir: string;
  let server: Server;
  let url: string;

  before(async () => {
    repo = await createTestRepo();
    await repo.commit('app', { 'api/server.js': '1\n', 'web/app.js': '1\n' });
    await repo.git('branch', 'develop');
    dir = mkdtempSync(join(tmpdir(), 'tonic-services-config-'));
    server = createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise((ok) => server.close(ok));
    repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, o: { webPaths: string; webDependsOn?: string; apiDependsOn?: string }) => {
    const service = (name: string, paths: string, dependsOn?: string) => `
      - name: ${name}
        paths: [${paths}]
${dependsOn ? `        dependsOn: [${dependsOn}]\n` : ''}        environments:
          uat: { health: { url: ${url}/health }, deploy: { driver: command, command: ["${process.execPath}", "deploy.mjs", "{service}"] } }
          prod: { health: { url: ${url}/health } }`;
    const file = join(dir, name);
    writeFileSync(
      file,
      `systems:
  - name: shop
    timeZone: Asia/Hong_Kong
    schedule: { t1: "20:00", t2: "22:00" }
    repository: { path: ${repo.path} }
    environments:
      uat: { url: ${url}, line: develop }
      prod: { url: ${url}/prod, line: main }
    services:${service('api', '"api/**"', o.apiDependsOn)}${service('web', o.webPaths, o.webDependsOn)}
`,
    );
    return file;
  };

  test('config check: each service checked; a path glob matching no file is a warning naming it', async () => {
    const file = write('typo.yaml', { webPaths: '"webb/**", "web/**"', webDependsOn: 'api' });
    const r = await runTonic(['config', 'check', '--file', file]);
    assert.equal(r.code, 0, `warnings only: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^ok {4}shop {2}uat api health: answered 200/m);
    assert.match(r.stdout, /^ok {4}shop {2}uat web deploy: command .*node.* found at /m);
    assert.match(r.stdout, /^warn {2}shop {2}prod web deploy: no deploy driver: set systems\[0\]\.services\[\]\.environments\.prod\.deploy or systems\[0\]\.environments\.prod\.deploy$/m);
    assert.match(
      r.stdout,
      /^warn {2}shop {2}service paths: systems\[0\]\.services\[1\]\.paths\[0\]: "webb\/\*\*" matches no file in the repository on develop, main: a fix there would not deploy web; check the spelling or the folder$/m,
    );
    assert.doesNotMatch(r.stdout, /paths\[1\]/, 'web/** matches');
  });

  test('a dependency cycle: config check and the server refuse the file at start-up, naming the cycle', async () => {
    const file = write('cycle.yaml', { webPaths: '"web/**"', webDependsOn: 'api', apiDependsOn: 'web' });
    const checked = await runTonic(['config', 'check', '--file', file]);
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, /systems\[0\]\.services\[0\]\.dependsOn: dependency cycle api -> web -> api/);
    const home = mkdtempSync(join(dir, 'home-'));
    const served = await runTonic(['serve'], { TONIC_CONFIG: file, TONIC_HOME: home, PORT: String(await freePort()) });
    assert.notEqual(served.code, 0, 'nothing starts on an invalid file');
    assert.match(served.stderr, /dependency cycle api -> web -> api/);
  });

  test('the server logs the glob warning when it starts', async () => {
    const file = write('typo-serve.yaml', { webPaths: '"webb/**", "web/**"', webDependsOn: 'api' });
    const home = mkdtempSync(join(dir, 'home-'));
    const port = await freePort();
    const proc = startTonic(['serve'], { TONIC_CONFIG: file, TONIC_HOME: home, PORT: String(port), HOST: '127.0.0.1' }, dir);
    try {
      await eventually('the configuration warning in the log', async () => proc.output().includes('configuration warning: systems[0].services[1].paths[0]: \\"webb/**\\" matches no file'), 60_000);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });
});
