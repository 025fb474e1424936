/**
 * `tonic config check` as a person runs it: a real git repository, real HTTP servers on loopback
 * (one answering, one that never answers within the timeout), a closed port and deploy commands
 * that do or do not exist. Every problem is named with what to fix; the run is bounded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestRepo, type TestRepo } from '../support/git-repo.ts';
import { freePort } from '../support/processes.ts';
import { runTonic } from './run-tonic.ts';

describe('tonic config check', () => {
  let repo: TestRepo;
  let dir: string;
  const servers: Server[] = [];
  let answering: string;
  let answeringProd: string;
  let hanging: string;
  let closed: string;

  const listen = async (handler: RequestListener) => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };

  before(async () => {
    repo = await createTestRepo();
    await repo.commit('app', { 'app.txt': 'v1\n' });
    await repo.git('branch', 'develop');
    dir = mkdtempSync(join(tmpdir(), 'tonic-config-check-'));
    answering = await listen((_req, res) => res.end('{"status":"ok"}'));
    answeringProd = await listen((_req, res) => res.end('{"status":"ok"}'));
    hanging = await listen(() => {}); // accepts, never answers
    closed = `http://127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
    repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, yaml: string) => {
    const file = join(dir, name);
    writeFileSync(file, yaml);
    return file;
  };
  const system = (o: { uatUrl: string; prodUrl: string; prodLine: string; command: string; t1?: string; tz?: string }) => `
systems:
  - name: shop
    timeZone: ${o.tz ?? 'Asia/Hong_Kong'}
    schedule: { t1: "${o.t1 ?? '20:00'}", t2: "22:00" }
    repository: { path: ${repo.path} }
    environments:
      uat:
        url: ${o.uatUrl}
        line: develop
        health: { url: ${o.uatUrl}/health }
        deploy: { driver: command, command: ["${o.command}", "deploy.mjs", "{env}"] }
      prod:
        url: ${o.prodUrl}
        line: ${o.prodLine}
        health: { url: ${o.prodUrl}/health }
        deploy: { driver: command, command: ["${o.command}", "deploy.mjs", "{env}"] }
`;

  test('a configuration whose repository, lines, URLs and commands are all there passes', async () => {
    const file = write('good.yaml', system({ uatUrl: answering, prodUrl: answeringProd, prodLine: 'main', command: process.execPath }));
    const r = await runTonic(['config', 'check', '--file', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: valid \(1 system\(s\)\)/);
    assert.match(r.stdout, /^ok {4}shop {2}repository: .*: 2 branch\(es\)$/m);
    assert.match(r.stdout, /^ok {4}shop {2}prod line: branch main exists$/m);
    assert.match(r.stdout, /^ok {4}shop {2}uat health: answered 200 in \d+ ms/m);
    assert.match(r.stdout, /^ok {4}shop {2}schedule: T1 20:00, T2 22:00 Asia\/Hong_Kong/m);
    assert.match(r.stdout, /^no problems, 0 warning\(s\)$/m);
  });

  test('each problem is named with what to fix, and a URL that hangs is bounded by the timeout', async () => {
    const file = write('bad.yaml', system({ uatUrl: hanging, prodUrl: closed, prodLine: 'release', command: 'no-such-deploy-tool', t1: '10:00' }));
    const r = await runTonic(['config', 'check', '--file', file, '--timeout', '1']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL {2}shop {2}prod line: branch release does not exist in .*: create it, or fix systems\[\]\.environments\.prod\.line$/m);
    assert.match(r.stdout, new RegExp(`^FAIL {2}shop {2}uat url: ${hanging} did not answer within 1000 ms$`, 'm'));
    assert.match(r.stdout, new RegExp(`^FAIL {2}shop {2}prod url: ${closed} cannot be reached \\(ECONNREFUSED\\)$`, 'm'));
    assert.match(r.stdout, /^FAIL {2}shop {2}uat deploy: command no-such-deploy-tool is not an executable file here \(looked in PATH\)/m);
    assert.match(r.stdout, /^warn {2}shop {2}schedule: T1 at 10:00 is inside business hours/m);
    assert.match(r.stdout, /^7 problem\(s\) to fix, 1 warning\(s\)$/m);
  });

  test('an invalid file lists every problem with its key path', async () => {
    const file = write('invalid.yaml', 'systems:\n  - name: Shop\n    timeZone: Mars/Olympus\n');
    const r = await runTonic(['config', 'check', '--file', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid\.yaml is not valid:/);
    assert.match(r.stderr, /systems\[0\]\.timeZone: "Mars\/Olympus" is not an IANA time zone/);
    assert.match(r.stderr, /systems\[0\]\.name: /);
  });
});
