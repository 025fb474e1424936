/**
 * Part 5 of `npm run bench` (alone: `node --import tsx bench/dashboard.ts`): the dashboard.
 *
 * - The production bundle: the dashboard is built as `npm start` builds it; its JavaScript and
 *   CSS gzipped (what a browser downloads on a first visit) against 250 KB.
 * - The board with 10,000 bugs: seeded into a fresh SQLite database, served by the product server
 *   (the same child process as part 1), opened in Debian's Chromium (playwright-core). After
 *   signing in (not measured), the board is opened BENCH_BOARD_OPENS times (5): each a full page
 *   load of /systems/shop/bugs until its first page of 50 bugs is on screen. Then a filter
 *   (status) is applied and timed until the table shows only that status, for five statuses.
 *   The verdict takes the median open against 1 s; first and slowest are printed too.
 * Without Chromium the board is SKIPPED with the command that installs it (the bundle is still measured).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { migrateToLatest, openDatabase } from '../src/adapters/db/database.ts';
import { CHROMIUM, launchChromium } from '../test/dashboard/browser.ts';
import { BENCH_TOKEN, SYSTEM, type ServerMessage } from './common.ts';
import { generateBugs, insertSqlite } from './seed.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
export const DASHBOARD_BUGS = Number(process.env.BENCH_BOARD_BUGS ?? 10_000);
const OPENS = Number(process.env.BENCH_BOARD_OPENS ?? 5);
export const DASHBOARD_TARGETS = { boardOpenMs: 1000, bundleKb: 250 };
export const DASHBOARD_TARGET_NAMES = ['board open, 10,000 bugs (ms)', 'dashboard bundle gzipped (KB)'];
const FILTER_STATUSES = ['deployed_uat', 'pending_prod', 'closed', 'submitted', 'deployed_prod'];
const PASSWORD = 'bench password 0123';

export type DashboardResult = {
  bundle: { gzippedKb: number; files: { name: string; gzippedKb: number }[] };
  board: null | { bugs: number; opensMs: number[]; firstMs: number; medianMs: number; maxMs: number; filtersMs: { status: string; ms: number }[]; filterMedianMs: number };
  skipped: string | null;
};

/** A running product server for the board: its address and how to stop it. */
export type ProductServer = { base: string; stop(): Promise<void> };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The dashboard's JavaScript and CSS gzipped at level 9, as the server sends them (dist/web/assets/*.gz). */
export function bundleSize(webRoot = join(ROOT, 'dist', 'web')): DashboardResult['bundle'] {
  const assets = join(webRoot, 'assets');
  const files = readdirSync(assets)
    .filter((f) => /\.(js|css)$/.test(f))
    .map((name) => {
      const gz = join(assets, `${name}.gz`);
      const bytes = existsSync(gz) ? statSync(gz).size : gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
      return { name, gzippedKb: bytes / 1024 };
    });
  return { gzippedKb: files.reduce((sum, f) => sum + f.gzippedKb, 0), files };
}

async function build(): Promise<void> {
  const child = fork(join(ROOT, 'scripts', 'build.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the dashboard build failed (exit ${code})`);
}

/** The product server as a child process of its own, started with tsx (when this part runs alone). */
async function startProductWithTsx(url: string): Promise<ProductServer> {
  const child: ChildProcess = fork(join(HERE, 'server-child.ts'), ['product', url], { execArgv: ['--import', 'tsx'], env: { ...process.env, TONIC_BENCH_HOME: dirname(url) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<ServerMessage>((resolve, reject) => {
    child.once('message', (m: ServerMessage) => (m.type === 'error' ? reject(new Error(m.message)) : resolve(m)));
    child.once('exit', (code) => reject(new Error(`product server exited (${code})`)));
  });
  if (ready.type !== 'ready') throw new Error('the product server did not start');
  return {
    base: `http://127.0.0.1:${ready.port}`,
    stop: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

export async function benchDashboard(log: (message: string) => void, startProduct: (url: string) => Promise<ProductServer> = startProductWithTsx): Promise<DashboardResult> {
  await build();
  const bundle = bundleSize();
  log(`dashboard bundle: ${bundle.gzippedKb.toFixed(1)} KB gzipped (${bundle.files.map((f) => `${f.name} ${f.gzippedKb.toFixed(1)} KB`).join(', ')})`);
  if (!existsSync(CHROMIUM)) {
    const skipped = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set TONIC_CHROMIUM)`;
    log(`SKIPPED board: ${skipped}`);
    return { bundle, board: null, skipped };
  }

  const dir = mkdtempSync(join(os.tmpdir(), 'tonic-bench-board-'));
  const url = join(dir, 'tonic.sqlite');
  let server: ProductServer | null = null;
  let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
  try {
    const handle = await openDatabase({ url });
    await migrateToLatest(handle);
    await handle.close();
    insertSqlite(url, generateBugs({ count: DASHBOARD_BUGS, system: SYSTEM, seed: 8, until: new Date('2026-11-26T00:00:00Z') }));
    server = await startProduct(url);
    const base = server.base;
    const set = await fetch(`${base}/api/v1/users/admin/password`, { method: 'PUT', headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    if (!set.ok) throw new Error(`setting the admin password: ${set.status} ${await set.text()}`);
    log(`seeded ${DASHBOARD_BUGS.toLocaleString('en')} bugs; product server at ${base}`);

    browser = await launchChromium();
    const page = await browser.browser.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    const rows = page.locator('table.bugs tbody tr');
    const opensMs: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      const t0 = performance.now();
      await page.goto(`${base}/systems/${SYSTEM}/bugs`);
      await page.locator('table.bugs tbody tr:nth-child(50)').waitFor();
      opensMs.push(performance.now() - t0);
    }
    if ((await rows.count()) !== 50) throw new Error(`the board shows ${await rows.count()} rows, not a first page of 50`);

    const filtersMs: { status: string; ms: number }[] = [];
    for (const status of FILTER_STATUSES) {
      const t0 = performance.now();
      await page.getByLabel('Status').selectOption(status);
      await page.waitForFunction(
        (s) => {
          const badges = [...document.querySelectorAll('table.bugs tbody tr .badge')];
          return badges.length > 0 && badges.every((b) => b.getAttribute('data-status') === s);
        },
        status,
        { timeout: 15_000 },
      );
      filtersMs.push({ status, ms: performance.now() - t0 });
    }
    const board = {
      bugs: DASHBOARD_BUGS,
      opensMs,
      firstMs: opensMs[0]!,
      medianMs: median(opensMs),
      maxMs: Math.max(...opensMs),
      filtersMs,
      filterMedianMs: median(filtersMs.map((f) => f.ms)),
    };
    log(`board opens: ${opensMs.map((ms) => `${ms.toFixed(0)} ms`).join(', ')} (median ${board.medianMs.toFixed(0)} ms); filters: ${filtersMs.map((f) => `${f.status} ${f.ms.toFixed(0)} ms`).join(', ')}`);
    return { bundle, board, skipped: null };
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function dashboardReport(r: DashboardResult): string {
  const lines = [`Dashboard: production bundle ${r.bundle.gzippedKb.toFixed(1)} KB gzipped (JavaScript and CSS)`];
  if (r.board) {
    lines.push(
      `board with ${r.board.bugs.toLocaleString('en')} bugs, opened ${r.board.opensMs.length} times after sign-in (full page load until 50 rows show): ` +
        `first ${r.board.firstMs.toFixed(0)} ms, median ${r.board.medianMs.toFixed(0)} ms, slowest ${r.board.maxMs.toFixed(0)} ms`,
    );
    lines.push(`filter by status until the table shows only it: median ${r.board.filterMedianMs.toFixed(0)} ms (${r.board.filtersMs.map((f) => `${f.status} ${f.ms.toFixed(0)}`).join(', ')})`);
  } else lines.push(`board: SKIPPED (${r.skipped})`);
  return lines.join('\n');
}

export function dashboardVerdicts(r: DashboardResult): { target: string; value: number; limit: string; status: 'PASS' | 'FAIL' | 'SKIPPED' }[] {
  return [
    r.board
      ? { target: DASHBOARD_TARGET_NAMES[0]!, value: Number(r.board.medianMs.toFixed(0)), limit: `< ${DASHBOARD_TARGETS.boardOpenMs}`, status: r.board.medianMs < DASHBOARD_TARGETS.boardOpenMs ? 'PASS' : 'FAIL' }
      : { target: DASHBOARD_TARGET_NAMES[0]!, value: NaN, limit: '', status: 'SKIPPED' },
    { target: DASHBOARD_TARGET_NAMES[1]!, value: Number(r.bundle.gzippedKb.toFixed(1)), limit: `< ${DASHBOARD_TARGETS.bundleKb}`, status: r.bundle.gzippedKb < DASHBOARD_TARGETS.bundleKb ? 'PASS' : 'FAIL' },
  ];
}

// Alone: `node --import tsx bench/dashboard.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchDashboard((m) => console.log(`  · ${m}`))
    .then((r) => {
      console.log(`\n${dashboardReport(r)}`);
      for (const v of dashboardVerdicts(r)) console.log(`${v.target}: ${Number.isNaN(v.value) ? '-' : v.value} ${v.limit} ${v.status}`);
      console.log(`BENCH_DASHBOARD ${JSON.stringify(r)}`);
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
