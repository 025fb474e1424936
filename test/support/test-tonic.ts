/**
 * Tonic wired exactly as the server wires it (composeTonic), on a test database with a fake clock,
 * plus one user per role. `startTestServer` runs the real HTTP app on a loopback port.
 */
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Dialect } from '../../src/adapters/db/database.ts';
import { composeTonic, type Tonic } from '../../src/compose.ts';
import type { SystemConfig } from '../../src/config/load-config.ts';
import type { VersionGraph } from '../../src/features/environments/flow-rules.ts';
import { ADMIN_USERNAME, type Actor } from '../../src/features/identity/identity-service.ts';
import { ROLES, type Role } from '../../src/features/identity/roles.ts';
import { buildApp } from '../../src/http/app.ts';
import { createFakeClock } from '../../src/shared/clock.ts';
import { openTestDatabase } from './databases.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export function testSystem(overrides: Partial<SystemConfig> = {}): SystemConfig {
  return {
    name: 'shop',
    title: 'Shop',
    timeZone: 'Asia/Hong_Kong',
    t1: '20:00',
    t2: '22:00',
    repositoryPath: null,
    repositoryUrl: null,
    fixBranch: null,
    push: false,
    environments: {
      uat: { url: 'http://127.0.0.1:5001', line: 'develop', deploy: null, health: null },
      prod: { url: 'http://127.0.0.1:5002', line: 'main', deploy: null, health: null },
    },
    minGapMinutes: 60,
    graceMinutes: 30,
    modules: ['checkout', 'financial'],
    pipelineSeverities: ['low', 'medium'],
    people: { viewer: [], developer: [], manager: [], admin: [], cto: [] },
    allowSelfApproval: false,
    analyzer: { provider: 'builtin' },
    ...overrides,
  };
}

export type TestTonic = {
  tonic: Tonic;
  clock: ReturnType<typeof createFakeClock>;
  /** One user per role, named after it ("manager", "developer", ...), and `admin`. */
  actors: Record<Role, Actor>;
  close(): Promise<void>;
};

export async function createTestTonic(options: {
  dialect: Dialect;
  systems?: SystemConfig[];
  versions?: VersionGraph;
  now?: string;
  home?: string;
  instance?: string;
  leaseMs?: number;
}): Promise<TestTonic> {
  const database = await openTestDatabase(options.dialect);
  const clock = createFakeClock(options.now ?? '2026-11-26T04:00:00Z');
  const tonic = composeTonic({
    database,
    config: { file: '(test)', systems: options.systems ?? [testSystem()] },
    clock,
    home: options.home ?? tmpdir(),
    versions: options.versions,
    instance: options.instance,
    leaseMs: options.leaseMs,
    // Waits (monitoring's polls) take real time, and the fake clock moves on by as much.
    sleep: async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      clock.advance(ms);
    },
  });
  await tonic.identity.bootstrap(ADMIN_TOKEN);
  const admin: Actor = { username: ADMIN_USERNAME, role: 'admin' };
  const actors = { admin } as Record<Role, Actor>;
  for (const role of ROLES) {
    if (role === 'admin') continue;
    await tonic.identity.createUser(admin, { username: role, role });
    actors[role] = { username: role, role };
  }
  return { tonic, clock, actors, close: () => tonic.close() };
}

/** A fixed-answer version graph, for tests that are about something other than git. */
export function fixedVersions(relation: Awaited<ReturnType<VersionGraph['relate']>>): VersionGraph {
  return { relate: async () => relation };
}

export type TestServer = {
  app: FastifyInstance;
  url: string;
  /** A token per role (the admin's is ADMIN_TOKEN). */
  tokens: Record<Role, string>;
  /** fetch against the server as `role` (or with no token when role is null). */
  request(role: Role | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
};

export async function startTestServer(t: TestTonic): Promise<TestServer> {
  const app = await buildApp(t.tonic);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const tokens = { admin: ADMIN_TOKEN } as Record<Role, string>;
  for (const role of ROLES) {
    if (role !== 'admin') tokens[role] = (await t.tonic.identity.createToken(t.actors.admin, role, 'test')).token;
  }
  return {
    app,
    url,
    tokens,
    async request(role, method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    close: () => app.close(),
  };
}
