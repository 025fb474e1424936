/**
 * The real server with the demo (`tonic serve` in a temporary folder: SQLite, the demo's git
 * repositories, UAT and PROD as processes deployed by the command driver) for the dashboard tests,
 * with the dashboard built first. `configure` edits the demo's tonic.config.yaml before the first
 * start, as a person would (monitoring, channels, freeze rules). Also the browser steps every
 * dashboard test shares: signing in and out, and screenshots under dist/test-screenshots.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { ensureDemoFiles } from '../../src/demo/demo-system.ts';
import { freePort, runTonic, waitForHealth, type TonicProcess } from '../support/processes.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SHOTS = join(ROOT, 'dist', 'test-screenshots');
export const ADMIN_TOKEN = 'dashboard-test-token-0123456789';

/** The demo's configuration as plain data: `systems[i]` by name, any section may be added. */
export type DemoConfig = { systems: ({ name: string } & Record<string, unknown>)[] } & Record<string, unknown>;

export type DemoDashboard = {
  url: string;
  cwd: string;
  /** TONIC_HOME/tonic.sqlite: the server's database. */
  databaseFile: string;
  adminPassword: string;
  server(): TonicProcess;
  /** The API with a Bearer token (the admin's by default); fails the test on an error answer. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<any>;
  /** The raw answer, for refusals. */
  request(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** Stops the server and starts it again on the same port and database (a lost connection, for the browser). */
  restart(): Promise<void>;
  close(): Promise<void>;
};

let built = false;

/** Builds the server bundle and the dashboard once per test process. */
export function buildDashboard(): void {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  built = true;
}

export async function startDemoDashboard(options: { configure?: (config: DemoConfig) => void; env?: Record<string, string> } = {}): Promise<DemoDashboard> {
  mkdirSync(SHOTS, { recursive: true });
  buildDashboard();
  const cwd = mkdtempSync(join(tmpdir(), 'tonic-dashboard-'));
  const home = join(cwd, '.tonic');
  if (options.configure) {
    const file = await ensureDemoFiles(home);
    const config = parse(readFileSync(file, 'utf8')) as DemoConfig;
    options.configure(config);
    writeFileSync(file, `# The demo's configuration, edited by a dashboard test.\n${stringify(config)}`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { PORT: String(port), TONIC_ADMIN_TOKEN: ADMIN_TOKEN, TONIC_SCHEDULER_TICK_SECONDS: '3600', ...options.env };
  let server = runTonic(['serve'], env, cwd);
  await waitForHealth(url, server);
  const adminPassword = readFileSync(join(home, 'demo', 'admin-password'), 'utf8').trim();

  const request = async (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: json as any };
  };
  const stop = async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
    // A server that stopped by itself says why in its output: show it with the failures it causes.
    else console.error(`the server had stopped by itself (exit ${server.child.exitCode ?? server.child.signalCode}):\n${server.output()}`);
    await server.exited;
  };
  return {
    url,
    cwd,
    databaseFile: join(home, 'tonic.sqlite'),
    adminPassword,
    server: () => server,
    request,
    api: async (method, path, body, token) => {
      const res = await request(method, path, body, token);
      assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    restart: async () => {
      await stop();
      server = runTonic(['serve'], env, cwd);
      await waitForHealth(url, server);
    },
    close: async () => {
      await stop();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

/** The system a configuration change is about. */
export function systemOf(config: DemoConfig, name: string): Record<string, unknown> {
  const found = config.systems.find((s) => s.name === name);
  assert.ok(found, `the demo has a system ${name}`);
  return found;
}
