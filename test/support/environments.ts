/**
 * UAT and PROD as real local processes' worth of behaviour: an HTTP server per environment that
 * reports the version its deploy last wrote, and a deploy command (a real child process run by the
 * `command` driver) that writes it. A `fail` file makes the next deploy exit 1; `hang` makes it sleep.
 *
 * A small application behind it for smoke tests: POST /api/login sets a session cookie and answers
 * a token; GET /api/orders needs either. A version listed in `bad-versions.json` (markBad) is
 * deployed as a bad one: its /api/orders answers 500. The deploy script reads the list, so "bad"
 * is a property of what was deployed, as with a real broken release.
 * More routes: `route(method, path, handler)` (checked before the built-in ones).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../src/config/load-config.ts';

const DEPLOY_SCRIPT = `
import { existsSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
const [dir, env, version, commit] = process.argv.slice(2);
writeFileSync(join(dir, env + '.pid'), String(process.pid));
console.log('deploying ' + version + ' to ' + env);
if (existsSync(join(dir, env + '.delay'))) { await new Promise((r) => setTimeout(r, Number(readFileSync(join(dir, env + '.delay'), 'utf8')))); }
if (existsSync(join(dir, env + '.fail'))) { console.error('simulated failure'); process.exit(1); }
if (existsSync(join(dir, env + '.hang'))) { await new Promise((r) => setTimeout(r, 60_000)); }
const bad = existsSync(join(dir, 'bad-versions.json')) && JSON.parse(readFileSync(join(dir, 'bad-versions.json'), 'utf8')).includes(version);
if (bad) console.log(version + ' is a bad version: /api/orders will fail');
writeFileSync(join(dir, env + '.json'), JSON.stringify({ version, commit, bad }));
appendFileSync(join(dir, 'deploys.log'), env + ' ' + version + '\\n');
console.log('done');
`;

export type Running = { version: string; commit: string; bad?: boolean };

/** A route of the environment servers: answers the request, or returns false to pass it on. */
export type EnvRoute = (env: 'uat' | 'prod', running: Running | null, req: IncomingMessage, res: ServerResponse, body: string) => void | boolean;

export type TestEnvironments = {
  dir: string;
  config: Record<'uat' | 'prod', EnvironmentConfig>;
  running(env: 'uat' | 'prod'): Running | null;
  /** Deploys of `version` from now on are bad: its /api/orders answers 500. */
  markBad(version: string, on?: boolean): void;
  /** Adds a route to both servers (checked before the built-in ones). */
  route(method: string, path: string, handler: EnvRoute): void;
  deploys(): string[];
  failNext(env: 'uat' | 'prod', on?: boolean): void;
  hang(env: 'uat' | 'prod', on?: boolean): void;
  /** The next deploys to `env` take `ms` longer (null: no delay). */
  delay(env: 'uat' | 'prod', ms: number | null): void;
  /** Stops the last deploy command of `env` if it still runs (a hung one). */
  stopDeploy(env: 'uat' | 'prod'): void;
  close(): Promise<void>;
};

export async function startTestEnvironments(options: { timeoutMs?: number } = {}): Promise<TestEnvironments> {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-envs-'));
  writeFileSync(join(dir, 'deploy.mjs'), DEPLOY_SCRIPT);
  const read = (env: string): Running | null => {
    try {
      return JSON.parse(readFileSync(join(dir, `${env}.json`), 'utf8')) as Running;
    } catch {
      return null;
    }
  };
  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const routes = new Map<string, EnvRoute>();
  // The application smoke tests exercise: log in, then use the session.
  routes.set('POST /api/login', (env, _running, _req, res, body) => {
    const credentials = (() => {
      try {
        return JSON.parse(body) as { user?: string; password?: string };
      } catch {
        return {};
      }
    })();
    if (credentials.user !== 'admin' || credentials.password !== 'secret') return json(res, 401, { error: 'bad credentials' });
    json(res, 200, { ok: true, token: `token-${env}` }, { 'set-cookie': `sid=session-${env}; Path=/; HttpOnly` });
  });
  routes.set('GET /api/orders', (env, running, req, res) => {
    const cookie = req.headers.cookie ?? '';
    const bearer = req.headers.authorization ?? '';
    if (!cookie.includes(`sid=session-${env}`) || bearer !== `Bearer token-${env}`) return json(res, 401, { error: 'log in first' });
    if (running?.bad) return json(res, 500, { error: `orders are broken in ${running.version}` });
    json(res, 200, { version: running?.version ?? null, orders: [{ id: 1, total: 42 }, { id: 2, total: 7 }] });
  });
  const servers: Server[] = [];
  const ports: number[] = [];
  for (const env of ['uat', 'prod'] as const) {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const running = read(env);
        const path = (req.url ?? '/').split('?')[0];
        const route = routes.get(`${req.method} ${path}`);
        if (route && route(env, running, req, res, body) !== false) return;
        json(res, running ? 200 : 503, { status: running ? 'ok' : 'empty', ...running });
      });
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
    markBad: (version, on = true) => {
      const file = join(dir, 'bad-versions.json');
      let list: string[] = [];
      try {
        list = JSON.parse(readFileSync(file, 'utf8')) as string[];
      } catch {
        /* none yet */
      }
      writeFileSync(file, JSON.stringify(on ? [...new Set([...list, version])] : list.filter((v) => v !== version)));
    },
    route: (method, path, handler) => {
      const key = `${method.toUpperCase()} ${path}`;
      const builtIn = routes.get(key);
      routes.set(key, builtIn ? (...args) => (handler(...args) === false ? builtIn(...args) : undefined) : handler);
    },
    failNext: (env, on = true) => flag(env, 'fail', on),
    hang: (env, on = true) => flag(env, 'hang', on),
    delay: (env, ms) => (ms === null ? rmSync(join(dir, `${env}.delay`), { force: true }) : writeFileSync(join(dir, `${env}.delay`), String(ms))),
    stopDeploy: (env) => {
      try {
        process.kill(Number(readFileSync(join(dir, `${env}.pid`), 'utf8')), 'SIGKILL');
      } catch {
        /* finished already */
      }
    },
    close: async () => {
      await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
