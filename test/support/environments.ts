/**
 * UAT and PROD as real local processes' worth of behaviour: an HTTP server per environment that
 * reports the version its deploy last wrote, and a deploy command (a real child process run by the
 * `command` driver) that writes it. A `fail` file makes the next deploy exit 1; `hang` makes it sleep.
 *
 * With `services`, each service has its own server per environment too, deployed by the same
 * command with the service's name (`{service}`): its own state, failure flags and health. A release
 * can be deployed "unhealthy" for a service (its /health answers 503) or with a health endpoint that
 * never answers (markUnhealthy, hangHealth): like `markBad`, a property of what was deployed, so the
 * previous release is healthy again after a rollback. Every deploy appends "env [service] version"
 * to deploys.log, in the order they ran.
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
const [dir, env, version, commit, service] = process.argv.slice(2);
const key = service ? env + '-' + service : env;
const listed = (file, value) => existsSync(join(dir, file)) && JSON.parse(readFileSync(join(dir, file), 'utf8')).includes(value);
writeFileSync(join(dir, env + '.pid'), String(process.pid));
console.log('deploying ' + version + ' to ' + env + (service ? ' (' + service + ')' : ''));
if (existsSync(join(dir, env + '.delay'))) { await new Promise((r) => setTimeout(r, Number(readFileSync(join(dir, env + '.delay'), 'utf8')))); }
if (existsSync(join(dir, key + '.fail'))) { console.error('simulated failure'); process.exit(1); }
if (existsSync(join(dir, key + '.hang'))) { await new Promise((r) => setTimeout(r, 60_000)); }
const bad = listed('bad-versions.json', version);
if (bad) console.log(version + ' is a bad version: /api/orders will fail');
const unhealthy = Boolean(service) && listed('unhealthy.json', service + '@' + version);
const hangHealth = Boolean(service) && listed('hang-health.json', service + '@' + version);
writeFileSync(join(dir, key + '.json'), JSON.stringify(service ? { version, commit, bad, unhealthy, hangHealth } : { version, commit, bad }));
appendFileSync(join(dir, 'deploys.log'), env + (service ? ' ' + service : '') + ' ' + version + '\\n');
console.log('done');
`;

export type Running = { version: string; commit: string; bad?: boolean; unhealthy?: boolean; hangHealth?: boolean };

/** One service's environments as a user writes them in `services[].environments` (url, deploy, health). */
export type ServiceEnvironmentsInput = Record<'uat' | 'prod', { url: string; deploy: { driver: 'command'; command: string[]; timeoutSeconds: number }; health: { url: string; timeoutSeconds: number } }>;

/** A route of the environment servers: answers the request, or returns false to pass it on. */
export type EnvRoute = (env: 'uat' | 'prod', running: Running | null, req: IncomingMessage, res: ServerResponse, body: string) => void | boolean;

export type TestEnvironments = {
  dir: string;
  config: Record<'uat' | 'prod', EnvironmentConfig>;
  running(env: 'uat' | 'prod', service?: string): Running | null;
  /** The `environments` of a service (started with `services`), as written in the configuration. */
  service(name: string, options?: { healthTimeoutSeconds?: number }): ServiceEnvironmentsInput;
  /** Deploys of `version` to `service` from now on fail its health check (503), or never answer it. */
  markUnhealthy(service: string, version: string, on?: boolean): void;
  hangHealth(service: string, version: string, on?: boolean): void;
  /** Deploys of `version` from now on are bad: its /api/orders answers 500. */
  markBad(version: string, on?: boolean): void;
  /** Adds a route to both servers (checked before the built-in ones). */
  route(method: string, path: string, handler: EnvRoute): void;
  deploys(): string[];
  failNext(env: 'uat' | 'prod', on?: boolean, service?: string): void;
  hang(env: 'uat' | 'prod', on?: boolean, service?: string): void;
  /** The next deploys to `env` take `ms` longer (null: no delay). */
  delay(env: 'uat' | 'prod', ms: number | null): void;
  /** Stops the last deploy command of `env` if it still runs (a hung one). */
  stopDeploy(env: 'uat' | 'prod'): void;
  close(): Promise<void>;
};

export async function startTestEnvironments(options: { timeoutMs?: number; services?: readonly string[] } = {}): Promise<TestEnvironments> {
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
  const hanging = new Set<ServerResponse>();
  /** A server for `env`, or for one service in it (its state file is "env-service.json"). */
  const serve = async (env: 'uat' | 'prod', service: string | null): Promise<number> => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const running = read(service ? `${env}-${service}` : env);
        const path = (req.url ?? '/').split('?')[0];
        if (service && path === '/health' && running?.hangHealth) {
          hanging.add(res); // never answered: the health check's time limit decides
          return;
        }
        if (service && path === '/health' && running?.unhealthy) return json(res, 503, { status: 'unhealthy', ...running });
        const route = routes.get(`${req.method} ${path}`);
        if (route && route(env, running, req, res, body) !== false) return;
        json(res, running ? 200 : 503, { status: running ? 'ok' : 'empty', ...(service ? { service } : {}), ...running });
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push(server);
    return (server.address() as { port: number }).port;
  };
  const ports: number[] = [await serve('uat', null), await serve('prod', null)];
  const servicePorts = new Map<string, Record<'uat' | 'prod', number>>();
  for (const name of options.services ?? []) servicePorts.set(name, { uat: await serve('uat', name), prod: await serve('prod', name) });
  const envConfig = (env: 'uat' | 'prod', port: number, line: string): EnvironmentConfig => ({
    url: `http://127.0.0.1:${port}`,
    line,
    deploy: { driver: 'command', command: [process.execPath, join(dir, 'deploy.mjs'), dir, '{env}', '{version}', '{commit}'], workdir: null, timeoutMs: options.timeoutMs ?? 20_000, env: {} },
    health: { url: `http://127.0.0.1:${port}/health`, expectStatus: 200, expectVersion: true, timeoutMs: 3_000 },
  });
  const flag = (env: string, kind: string, on = true, service?: string) => {
    const path = join(dir, `${service ? `${env}-${service}` : env}.${kind}`);
    if (on) writeFileSync(path, '');
    else rmSync(path, { force: true });
  };
  const list = (file: string, value: string, on: boolean) => {
    const path = join(dir, file);
    let values: string[] = [];
    try {
      values = JSON.parse(readFileSync(path, 'utf8')) as string[];
    } catch {
      /* none yet */
    }
    writeFileSync(path, JSON.stringify(on ? [...new Set([...values, value])] : values.filter((v) => v !== value)));
  };
  return {
    dir,
    config: { uat: envConfig('uat', ports[0]!, 'develop'), prod: envConfig('prod', ports[1]!, 'main') },
    running: (env, service) => read(service ? `${env}-${service}` : env),
    service: (name, o = {}) => {
      const ports = servicePorts.get(name);
      if (!ports) throw new Error(`service ${name} was not started: pass it in startTestEnvironments({ services })`);
      const one = (env: 'uat' | 'prod') => ({
        url: `http://127.0.0.1:${ports[env]}`,
        deploy: { driver: 'command' as const, command: [process.execPath, join(dir, 'deploy.mjs'), dir, '{env}', '{version}', '{commit}', '{service}'], timeoutSeconds: Math.ceil((options.timeoutMs ?? 20_000) / 1000) },
        health: { url: `http://127.0.0.1:${ports[env]}/health`, timeoutSeconds: o.healthTimeoutSeconds ?? 3 },
      });
      return { uat: one('uat'), prod: one('prod') };
    },
    markUnhealthy: (service, version, on = true) => list('unhealthy.json', `${service}@${version}`, on),
    hangHealth: (service, version, on = true) => list('hang-health.json', `${service}@${version}`, on),
    deploys: () => {
      try {
        return readFileSync(join(dir, 'deploys.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    markBad: (version, on = true) => list('bad-versions.json', version, on),
    route: (method, path, handler) => {
      const key = `${method.toUpperCase()} ${path}`;
      const builtIn = routes.get(key);
      routes.set(key, builtIn ? (...args) => (handler(...args) === false ? builtIn(...args) : undefined) : handler);
    },
    failNext: (env, on = true, service) => flag(env, 'fail', on, service),
    hang: (env, on = true, service) => flag(env, 'hang', on, service),
    delay: (env, ms) => (ms === null ? rmSync(join(dir, `${env}.delay`), { force: true }) : writeFileSync(join(dir, `${env}.delay`), String(ms))),
    stopDeploy: (env) => {
      try {
        process.kill(Number(readFileSync(join(dir, `${env}.pid`), 'utf8')), 'SIGKILL');
      } catch {
        /* finished already */
      }
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
