/**
 * UAT and PROD as real local processes' worth of behaviour: an HTTP server per environment that
 * reports the version its deploy last wrote, and a deploy command (a real child process run by the
 * `command` driver) that writes it. A `fail` file makes the next deploy exit 1; `hang` makes it sleep.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../src/config/load-config.ts';

const DEPLOY_SCRIPT = `
import { existsSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
const [dir, env, version, commit] = process.argv.slice(2);
console.log('deploying ' + version + ' to ' + env);
if (existsSync(join(dir, env + '.fail'))) { console.error('simulated failure'); process.exit(1); }
if (existsSync(join(dir, env + '.hang'))) { await new Promise((r) => setTimeout(r, 60_000)); }
writeFileSync(join(dir, env + '.json'), JSON.stringify({ version, commit }));
appendFileSync(join(dir, 'deploys.log'), env + ' ' + version + '\\n');
console.log('done');
`;

export type TestEnvironments = {
  dir: string;
  config: Record<'uat' | 'prod', EnvironmentConfig>;
  running(env: 'uat' | 'prod'): { version: string; commit: string } | null;
  deploys(): string[];
  failNext(env: 'uat' | 'prod', on?: boolean): void;
  hang(env: 'uat' | 'prod', on?: boolean): void;
  close(): Promise<void>;
};

export async function startTestEnvironments(options: { timeoutMs?: number } = {}): Promise<TestEnvironments> {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-envs-'));
  writeFileSync(join(dir, 'deploy.mjs'), DEPLOY_SCRIPT);
  const read = (env: string) => {
    try {
      return JSON.parse(readFileSync(join(dir, `${env}.json`), 'utf8')) as { version: string; commit: string };
    } catch {
      return null;
    }
  };
  const servers: Server[] = [];
  const ports: number[] = [];
  for (const env of ['uat', 'prod'] as const) {
    const server = createServer((_req, res) => {
      const running = read(env);
      res.writeHead(running ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: running ? 'ok' : 'empty', ...running }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  const envConfig = (env: 'uat' | 'prod', port: number, line: string): EnvironmentConfig => ({
    url: `http://127.0.0.1:${port}`,
    line,
    deploy: { driver: 'command', command: [process.execPath, join(dir, 'deploy.mjs'), dir, '{env}', '{version}', '{commit}'], workdir: null, timeoutMs: options.timeoutMs ?? 20_000, env: {} },
    health: { url: `http://127.0.0.1:${port}/health`, expectStatus: 200, expectVersion: true, timeoutMs: 3_000 },
  });
  const flag = (env: string, kind: string, on = true) => {
    const path = join(dir, `${env}.${kind}`);
    if (on) writeFileSync(path, '');
    else rmSync(path, { force: true });
  };
  return {
    dir,
    config: { uat: envConfig('uat', ports[0]!, 'develop'), prod: envConfig('prod', ports[1]!, 'main') },
    running: read,
    deploys: () => {
      try {
        return readFileSync(join(dir, 'deploys.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    failNext: (env, on = true) => flag(env, 'fail', on),
    hang: (env, on = true) => flag(env, 'hang', on),
    close: async () => {
      await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
