/**
 * T1 benchmark: the fourth part of `npm run bench`, or alone:
 *
 *   node --import tsx bench/t1.ts            (BENCH_DIALECTS=sqlite,postgres as for run.ts)
 *
 * Target (the issue): T1 for 1,000 confirmed Flow 1 bugs, each with one fix commit, takes at most
 * 1.5 times as long as the same 1,000 cherry-picks done by git alone in one loop, in the same run.
 *
 * Set-up (not measured): one real git repository in a temporary folder, built with one
 * `git fast-import`: a base commit on main (tagged v1.0.0) with one small file per bug (1,000
 * files in 20 folders) and, per bug, a fix commit on its own branch off the base changing one
 * line of that bug's file, so no two fixes conflict. `gc.auto=0` and `maintenance.auto=false` in
 * that repository, so no automatic gc lands on one side by chance; between turns the release tag
 * is deleted, unreachable objects pruned and the file system synced, so every turn starts from
 * the same repository and no write-back of the previous turn lands on the next.
 *
 * Measured, in alternating turns (git, pipeline, pipeline, git; BENCH_T1_ROUNDS of each):
 *   - git: in a fresh worktree at the base, `git cherry-pick -x <sha>` for the 1,000 commits in
 *     bug order, one git process each, from a bash loop; the loop's wall time (the worktree is
 *     made before the clock starts).
 *   - pipeline: in its own process (this file with `--pipeline-child`), Tonic as `tonic serve`
 *     wires it (openDatabase, migrateToLatest, composeTonic with the system clock) on a fresh
 *     database (an SQLite file, or a new schema on the private PostgreSQL cluster); UAT and PROD
 *     recorded at the base; bug #1 reported, its fix attached (`attachFix {commit}`) and
 *     confirmed through the use cases, bugs #2..#1000 copies of its row with their own commit
 *     (bulk insert); the UAT deploy command is `true` (command driver) with no health check, so
 *     what is measured is T1's own work. The wall time of `runs.runNow(admin, 'shop', 't1')`.
 *     Checked afterwards: the run succeeded, every bug is deployed_uat with an analysis, the
 *     release lists every bug, the audit chain verifies, and the release tag holds 1,000
 *     commits each with a "(cherry picked from commit …)" line.
 * Where the pipeline's time goes, per phase, from timestamps it leaves anyway (the run report's
 * steps, bug_history, the deployment row), the analyzer's call (wrapped) and the build's
 * temporary folder appearing and going (watched in the child's own TMPDIR).
 *
 * Knobs (environment): BENCH_T1_BUGS=1000  BENCH_T1_ROUNDS=2  BENCH_T1=0 (run.ts: skip this part)
 *   BENCH_CPU_PROF=<dir>: a V8 CPU profile of each measured runNow (only that span) in
 *   <dir>/<dialect>-t1-<turn>.cpuprofile; summarise it with bench/profile-summary.ts.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDiffAnalyzer, type Analyzer } from '../src/adapters/analyze/diff-analyzer.ts';
import { migrateToLatest, openDatabase, type Dialect } from '../src/adapters/db/database.ts';
import { git } from '../src/adapters/git/git-cli.ts';
import { TONIC_GIT_IDENTITY } from '../src/adapters/git/release-builder.ts';
import { composeTonic } from '../src/compose.ts';
import type { SystemConfig } from '../src/config/load-config.ts';
import { BUG_COLUMNS } from '../src/features/bugs/bug-store.ts';
import { ADMIN_USERNAME, type Actor } from '../src/features/identity/identity-service.ts';
import { systemClock } from '../src/shared/clock.ts';
import { BENCH_TOKEN, benchSystem, exitWithParent, SYSTEM } from './common.ts';

const SELF = fileURLToPath(import.meta.url);
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

export const T1_TARGET = 1.5;
export const T1_TARGET_NAME = 'T1 time pipeline/git';
export const T1_SETTINGS = {
  bugs: env('BENCH_T1_BUGS', 1000),
  rounds: env('BENCH_T1_ROUNDS', 2),
  cpuProf: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null,
};
/** Turn order for `rounds` of each side: a prefix of a b b a b a a b, so drift weighs on both alike. */
const ORDER = ['git', 'pipeline', 'pipeline', 'git', 'pipeline', 'git', 'git', 'pipeline'] as const;
const BASE_VERSION = 'v1.0.0';
const FOLDERS = 20;
const FILE_LINES = 30;
const FIXED_LINE = 15;
/** The same environment git gets from the product (src/adapters/git/git-cli.ts). */
const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/** CPU seconds of this process and of its waited-for children (their whole trees), from /proc/self/stat. */
let clockTicks = 0;
function cpuTimes(): { self: number; children: number } {
  clockTicks ||= Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number); // f[0] is field 3 (state)
  return { self: (f[11]! + f[12]!) / clockTicks, children: (f[13]! + f[14]!) / clockTicks };
}
/** Microseconds during which some runnable task waited for a CPU (PSI), or NaN without /proc/pressure. */
function cpuStallMicros(): number {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

export type T1Phase = { name: string; ms: number };
/** One measured turn: wall time, CPU seconds of the side's process tree, share of the time some task waited for a CPU. */
export type T1Turn = { side: 'git' | 'pipeline'; ms: number; cpuSeconds: number; stallPercent: number };
type PipelineTurn = { ms: number; cpuSeconds: number; stallPercent: number; phases: T1Phase[]; check: string; setupSeconds: number };
export type T1Result = {
  dialect: Dialect;
  bugs: number;
  /** Wall times in milliseconds, in the order measured. */
  gitMs: number[];
  pipelineMs: number[];
  /** Every turn in the order measured. */
  turns: T1Turn[];
  /** Total pipeline time over total git time. */
  ratio: number;
  /** Mean over the pipeline turns. */
  phases: T1Phase[];
  checks: string[];
  setupSeconds: number;
};
type ChildArgs = { dialect: Dialect; url: string; schema: string | null; repo: string; base: string; shasFile: string; profile: string | null };
type ChildMessage = { type: 'result'; result: PipelineTurn } | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// Clean-up: this part's children and temporary folders go whatever happens (run.ts or alone).

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
function cleanupSync(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanupSync);

// ---------------------------------------------------------------------------------------------
// The repository.

const filePath = (i: number) => `src/module-${String(i % FOLDERS).padStart(2, '0')}/file-${String(i).padStart(5, '0')}.ts`;
function fileText(i: number, fixed: boolean): string {
  const lines = Array.from({ length: FILE_LINES }, (_, l) => `// ${filePath(i)}, line ${l + 1}`);
  lines[FIXED_LINE - 1] = fixed ? `export const limit${i} = ${i} + 1; // fixed: off by one` : `export const limit${i} = ${i};`;
  return `${lines.join('\n')}\n`;
}

type Repo = { path: string; base: string; shas: string[]; shasFile: string };

/** One fast-import: the base (one file per bug), tagged v1.0.0, and one fix branch per bug. */
async function createRepo(dir: string, n: number): Promise<Repo> {
  const path = join(dir, 'repo');
  await git(dir, ['init', '--quiet', '--initial-branch=main', path]);
  const config: [string, string][] = [['gc.auto', '0'], ['maintenance.auto', 'false'], ['commit.gpgsign', 'false'], ['tag.gpgsign', 'false']];
  for (const [key, value] of config) await git(path, ['config', key, value]);
  const parts: string[] = [];
  const data = (text: string) => parts.push(`data ${Buffer.byteLength(text)}\n${text}\n`);
  const who = (t: number) => `committer Bench <bench@tonic.invalid> ${1_764_000_000 + t} +0000\n`;
  parts.push(`commit refs/heads/main\nmark :1\nauthor Bench <bench@tonic.invalid> 1764000000 +0000\n${who(0)}`);
  data('app 1.0.0');
  for (let i = 0; i < n; i++) {
    parts.push(`M 100644 inline ${filePath(i)}\n`);
    data(fileText(i, false));
  }
  parts.push(`tag ${BASE_VERSION}\nfrom :1\ntagger Bench <bench@tonic.invalid> 1764000000 +0000\n`);
  data(BASE_VERSION);
  for (let i = 0; i < n; i++) {
    parts.push(`commit refs/heads/fix/bug-${String(i + 1).padStart(5, '0')}\nmark :${i + 2}\nauthor Dev <dev@tonic.invalid> ${1_764_000_100 + i} +0000\n${who(100 + i)}`);
    data(`fix: off by one in limit${i} (bug ${i + 1})`);
    parts.push(`from :1\nM 100644 inline ${filePath(i)}\n`);
    data(fileText(i, true));
  }
  const imported = spawnSync('git', ['fast-import', '--quiet', `--export-marks=${join(dir, 'marks')}`], { cwd: path, input: parts.join(''), env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 });
  if (imported.status !== 0) throw new Error(`git fast-import failed: ${imported.stderr.toString()}`);
  await git(path, ['checkout', '--quiet', 'main']);
  const marks = new Map(readFileSync(join(dir, 'marks'), 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]));
  const base = marks.get(':1')!;
  const shas = Array.from({ length: n }, (_, i) => marks.get(`:${i + 2}`)!);
  const shasFile = join(dir, 'fixes.txt');
  writeFileSync(shasFile, `${shas.join('\n')}\n`);
  return { path, base, shas, shasFile };
}

/** Back to the state after set-up: no release tags, no worktrees, no objects the turns made. */
async function resetRepo(repo: Repo): Promise<void> {
  const tags = (await git(repo.path, ['tag', '--list'])).split('\n').filter((t) => t && t !== BASE_VERSION);
  if (tags.length > 0) await git(repo.path, ['tag', '-d', ...tags]);
  await git(repo.path, ['worktree', 'prune']);
  await git(repo.path, ['prune', '--expire=now']);
  spawnSync('sync'); // the deleted files' write-back happens now, not during the next turn
}

// ---------------------------------------------------------------------------------------------
// The two sides.

/** git alone: a bash loop, one `git cherry-pick -x` process per commit, in a fresh worktree. */
async function gitTurn(repo: Repo, dir: string, turn: number, n: number): Promise<T1Turn> {
  const tree = join(dir, `git-side-${turn}`);
  await git(repo.path, ['worktree', 'add', '--quiet', '--detach', tree, repo.base]);
  const input = openSync(repo.shasFile, 'r');
  try {
    const loop = 'while read -r sha; do git "$@" cherry-pick -x "$sha" > /dev/null || exit 1; done';
    const cpu0 = cpuTimes().children;
    const stall0 = cpuStallMicros();
    const t0 = performance.now();
    const child = spawn('bash', ['-c', loop, 'bash', ...TONIC_GIT_IDENTITY], { cwd: tree, stdio: [input, 'ignore', 'pipe'], env: GIT_ENV });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
    const ms = performance.now() - t0;
    const stallPercent = ((cpuStallMicros() - stall0) / 1000 / ms) * 100;
    const cpuSeconds = cpuTimes().children - cpu0; // bash and every git it ran
    children.delete(child);
    if (code !== 0) throw new Error(`git cherry-pick loop exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const count = Number(await git(tree, ['rev-list', '--count', `${repo.base}..HEAD`]));
    if (count !== n) throw new Error(`git cherry-pick loop made ${count} commits, not ${n}`);
    return { side: 'git', ms, cpuSeconds, stallPercent };
  } finally {
    closeSync(input);
    await git(repo.path, ['worktree', 'remove', '--force', tree]);
    await resetRepo(repo);
  }
}

/** The pipeline: a child process that sets up a fresh database and times one runNow. */
async function pipelineTurn(dialect: Dialect, pgUrl: string | null, repo: Repo, dir: string, turn: number, n: number): Promise<PipelineTurn> {
  const schema = dialect === 'postgres' ? `bench_t1_${turn}_${process.pid}` : null;
  const url = dialect === 'postgres' ? pgUrl! : join(dir, `t1-${turn}.sqlite`);
  const tmp = join(dir, `tmp-${turn}`);
  mkdirSync(tmp);
  const profile = T1_SETTINGS.cpuProf ? join(T1_SETTINGS.cpuProf, `${dialect}-t1-${turn}.cpuprofile`) : null;
  const args: ChildArgs = { dialect, url, schema, repo: repo.path, base: repo.base, shasFile: repo.shasFile, profile };
  const child = fork(SELF, ['--pipeline-child', JSON.stringify(args)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  try {
    const message = await new Promise<ChildMessage>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('T1 pipeline child: no answer within 300 s')), 300_000);
      child.once('message', (m: ChildMessage) => (clearTimeout(timer), ok(m)));
      child.once('exit', (code, signal) => (clearTimeout(timer), fail(new Error(`T1 pipeline child exited (${signal ?? `code ${code}`})`))));
    });
    if (message.type === 'error') throw new Error(`T1 pipeline child: ${message.message}`);
    const result = message.result;
    // The release tag: one cherry-picked commit per bug on top of the base.
    const tag = 'v1.0.1';
    const count = Number(await git(repo.path, ['rev-list', '--count', `${repo.base}..${tag}`]));
    const picked = (await git(repo.path, ['log', '--format=%B', `${repo.base}..${tag}`])).split('\n').filter((l) => /^\(cherry picked from commit [0-9a-f]{40}\)$/.test(l)).length;
    if (count !== n || picked !== n) throw new Error(`release tag ${tag} has ${count} commits, ${picked} with a cherry-pick line; expected ${n}`);
    return { ...result, check: `${result.check}; ${tag}: ${count} commits, ${picked} cherry-picked` };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000); // it exits by itself once it has answered
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
    if (schema) {
      const client = new pg.Client({ connectionString: pgUrl! });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    } else {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${url}${suffix}`, { force: true });
    }
    rmSync(tmp, { recursive: true, force: true });
    await resetRepo(repo);
  }
}

/**
 * The part for one dialect: set-up, then the turns. `pgUrl`: the PostgreSQL cluster's URL (each
 * pipeline turn gets a new schema there); null for SQLite.
 */
export async function benchT1(dialect: Dialect, pgUrl: string | null, log: (message: string) => void = () => undefined): Promise<T1Result> {
  const n = T1_SETTINGS.bugs;
  const dir = mkdtempSync(join(os.tmpdir(), 'tonic-bench-t1-'));
  tempDirs.push(dir);
  try {
    const t0 = performance.now();
    const repo = await createRepo(dir, n);
    const setupSeconds = (performance.now() - t0) / 1000;
    log(`T1: repository with ${n.toLocaleString('en')} files and ${n.toLocaleString('en')} fix branches in ${setupSeconds.toFixed(1)} s`);
    const order = ORDER.slice(0, Math.max(1, Math.min(4, T1_SETTINGS.rounds)) * 2);
    const all: T1Turn[] = [];
    const turns: PipelineTurn[] = [];
    const figures = (t: T1Turn) => `${(t.ms / 1000).toFixed(2)} s, CPU ${t.cpuSeconds.toFixed(2)} s, CPU stall ${t.stallPercent.toFixed(0)}%`;
    for (const [turn, side] of order.entries()) {
      if (side === 'git') {
        const result = await gitTurn(repo, dir, turn, n);
        all.push(result);
        log(`T1 turn ${turn + 1}/${order.length}: git cherry-pick loop ${figures(result)}`);
      } else {
        const result = await pipelineTurn(dialect, pgUrl, repo, dir, turn, n);
        turns.push(result);
        all.push({ side: 'pipeline', ms: result.ms, cpuSeconds: result.cpuSeconds, stallPercent: result.stallPercent });
        log(`T1 turn ${turn + 1}/${order.length}: pipeline ${figures(all[all.length - 1]!)} (set-up ${result.setupSeconds.toFixed(1)} s; ${result.check})`);
      }
    }
    const gitMs = all.filter((t) => t.side === 'git').map((t) => t.ms);
    const pipelineMs = turns.map((t) => t.ms);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const names = turns[0]!.phases.map((p) => p.name);
    const phases = names.map((name) => ({ name, ms: sum(turns.map((t) => t.phases.find((p) => p.name === name)?.ms ?? 0)) / turns.length }));
    return { dialect, bugs: n, gitMs, pipelineMs, turns: all, ratio: sum(pipelineMs) / sum(gitMs), phases, checks: turns.map((t) => t.check), setupSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.splice(tempDirs.indexOf(dir), 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Report (run.ts prints the same).

function table(head: string[], body: (string | number)[][]): string {
  const cells = [head, ...body.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function t1Report(results: readonly T1Result[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const of = (r: T1Result, side: T1Turn['side'], key: 'ms' | 'cpuSeconds' | 'stallPercent') => r.turns.filter((t) => t.side === side).map((t) => t[key]);
  const mean = (xs: number[]) => sum(xs) / xs.length;
  const out: string[] = [];
  const n = results[0]?.bugs ?? T1_SETTINGS.bugs;
  out.push(`T1: ${n.toLocaleString('en')} confirmed Flow 1 bugs, one fix commit each: runNow (analysis, build, tag, deploy with \`true\`, transitions) vs a bash loop of \`git cherry-pick -x\``);
  out.push(
    table(
      ['dialect', 'turns', 'git s (each)', 'pipeline s (each)', 'git s', 'pipeline s', 'ratio', 'best/best', 'git CPU s', 'pipeline CPU s', 'CPU ratio', 'CPU stall % git/pipeline'],
      results.map((r) => [
        r.dialect,
        r.turns.map((t) => (t.side === 'git' ? 'G' : 'P')).join(''),
        r.gitMs.map(s).join(' '),
        r.pipelineMs.map(s).join(' '),
        s(mean(r.gitMs)),
        s(mean(r.pipelineMs)),
        r.ratio.toFixed(2),
        (Math.min(...r.pipelineMs) / Math.min(...r.gitMs)).toFixed(2),
        mean(of(r, 'git', 'cpuSeconds')).toFixed(2),
        mean(of(r, 'pipeline', 'cpuSeconds')).toFixed(2),
        (mean(of(r, 'pipeline', 'cpuSeconds')) / mean(of(r, 'git', 'cpuSeconds'))).toFixed(2),
        `${mean(of(r, 'git', 'stallPercent')).toFixed(0)} / ${mean(of(r, 'pipeline', 'stallPercent')).toFixed(0)}`,
      ]),
    ),
  );
  out.push('  ratio: mean pipeline time / mean git time (the target); best/best: fastest turn of each side.');
  out.push("  CPU s: user + system time of the side's process tree (bash and its git processes; the pipeline process and the git and deploy processes it ran; not the PostgreSQL server).");
  out.push('  CPU stall %: share of the turn during which some runnable task waited for a CPU (/proc/pressure/cpu).');
  for (const r of results) {
    const stall = mean(r.turns.map((t) => t.stallPercent));
    if (stall > 25) out.push(`  NOTE ${r.dialect}: the machine was busy with other work (CPU stall ${stall.toFixed(0)}% on average): both sides waited for a CPU and the wall-time ratio is less reliable than usual.`);
  }
  if (results.length > 0) {
    out.push('\nT1 pipeline phases (mean of the pipeline turns; from the run report, bug_history, the deployment row, the analyzer call and the build folder)');
    const names = results[0]!.phases.map((p) => p.name);
    const phaseMs = (r: T1Result, test: (name: string) => boolean) => sum(r.phases.filter((p) => test(p.name)).map((p) => p.ms));
    const row = (name: string, pick: (r: T1Result) => number, share = true) => [
      name,
      ...results.flatMap((r) => [pick(r).toFixed(0), share ? ((pick(r) / mean(r.pipelineMs)) * 100).toFixed(1) : '']),
    ];
    out.push(
      table(
        ['phase', ...results.flatMap((r) => [`${r.dialect} ms`, `${r.dialect} %`])],
        [
          ...names.map((name) => row(name, (r) => phaseMs(r, (p) => p === name))),
          row('total (runNow)', (r) => mean(r.pipelineMs)),
          row('  of which bug transitions and reads (DB)', (r) => phaseMs(r, (p) => p.includes('(DB)') && !p.startsWith('deploy:'))),
          row('  of which git (analysis, build, tag)', (r) => phaseMs(r, (p) => /^(analysis|build|version)/.test(p))),
          row('git loop alone', (r) => mean(r.gitMs), false),
          row('build - git loop', (r) => phaseMs(r, (p) => p.startsWith('build')) - mean(r.gitMs), false),
        ],
      ),
    );
  }
  return out.join('\n');
}

export function t1Verdict(r: T1Result): { target: string; dialect: Dialect; value: number; limit: string; status: 'PASS' | 'FAIL' } {
  return { target: T1_TARGET_NAME, dialect: r.dialect, value: Number(r.ratio.toFixed(3)), limit: `<= ${T1_TARGET}`, status: r.ratio <= T1_TARGET ? 'PASS' : 'FAIL' };
}

// ---------------------------------------------------------------------------------------------
// The pipeline child.

async function pipelineChild(args: ChildArgs): Promise<PipelineTurn> {
  exitWithParent();
  const t0 = performance.now();
  const shas = readFileSync(args.shasFile, 'utf8').trim().split('\n');
  const database = await openDatabase(args.schema ? { url: args.url, schema: args.schema } : { url: args.url });
  await migrateToLatest(database);
  const marks = { analysisStart: NaN, analysisEnd: NaN, buildStart: NaN, buildEnd: NaN };
  const diff = createDiffAnalyzer();
  const analyzer: Analyzer = {
    async analyze(repoPath, fixes) {
      marks.analysisStart = Date.now();
      try {
        return await diff.analyze(repoPath, fixes);
      } finally {
        marks.analysisEnd = Date.now();
      }
    },
  };
  const deploy = { driver: 'command' as const, command: ['true'], workdir: null, timeoutMs: 60_000, env: {} };
  const base = benchSystem();
  const system: SystemConfig = {
    ...base,
    repositoryPath: args.repo,
    environments: { uat: { ...base.environments.uat, deploy, health: null }, prod: { ...base.environments.prod, deploy, health: null } },
  };
  const tonic = composeTonic({ database, config: { file: '(bench t1)', systems: [system] }, clock: systemClock, home: os.tmpdir(), analyzer });
  try {
    await tonic.identity.bootstrap(BENCH_TOKEN);
    const admin: Actor = { username: ADMIN_USERNAME, role: 'admin' };
    for (const env of ['prod', 'uat'] as const) await tonic.environments.record(admin, SYSTEM, env, { version: BASE_VERSION, commit: args.base });

    // Bug #1 through the use cases; the others copy its row with their own fix (bulk insert).
    const first = await tonic.bugs.report(admin, SYSTEM, { title: 'Off by one in limit0', description: 'The limit is one too low.', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
    await tonic.bugs.attachFix(admin, SYSTEM, first.id, { commit: shas[0]! });
    const confirmed = await tonic.bugs.confirm(admin, SYSTEM, first.id, { flow: 'auto' });
    if (confirmed.status !== 'confirmed' || confirmed.fixFlow !== 'flow1') throw new Error(`bug #1 is ${confirmed.status}/${confirmed.fixFlow}, not confirmed/flow1`);
    const { id: _id, ...row } = await tonic.db.selectFrom('bugs').select(BUG_COLUMNS).where('id', '=', first.id).executeTakeFirstOrThrow();
    const [ref] = JSON.parse(row.fix_refs) as { commit: string }[];
    const copies = shas.slice(1).map((sha, i) => ({
      ...row,
      title: `Off by one in limit${i + 1}`,
      fix_refs: JSON.stringify([{ ...ref, ref: sha, commit: sha }]),
    }));
    await tonic.db.transaction().execute(async (trx) => {
      for (let i = 0; i < copies.length; i += 200) await trx.insertInto('bugs').values(copies.slice(i, i + 200)).execute();
    });
    const setupSeconds = (performance.now() - t0) / 1000;

    // The build's worktree lives in a fresh temporary folder: its appearing and going marks the build.
    const tmp = os.tmpdir();
    const watcher = watch(tmp, (_event, name) => {
      if (!name?.startsWith('tonic-build-')) return;
      if (existsSync(join(tmp, name))) marks.buildStart = Number.isNaN(marks.buildStart) ? Date.now() : marks.buildStart;
      else marks.buildEnd = Date.now();
    });
    let session: Session | null = null;
    if (args.profile) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpu0 = cpuTimes();
    const stall0 = cpuStallMicros();
    const started = Date.now();
    const p0 = performance.now();
    const run = await tonic.runs.runNow(admin, SYSTEM, 't1');
    const ms = performance.now() - p0;
    const stallPercent = ((cpuStallMicros() - stall0) / 1000 / ms) * 100;
    const cpu1 = cpuTimes();
    const cpuSeconds = cpu1.self - cpu0.self + cpu1.children - cpu0.children; // node, and the git and deploy processes it ran
    const ended = started + ms;
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(join(args.profile!, '..'), { recursive: true });
      writeFileSync(args.profile!, JSON.stringify(profile));
      session.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50)); // let a late watch event in
    watcher.close();

    // What it did.
    const n = shas.length;
    const count = async (status: string, analysed: boolean) =>
      Number(
        (
          await tonic.db
            .selectFrom('bugs')
            .select((eb) => eb.fn.countAll().as('c'))
            .where('status', '=', status)
            .$if(analysed, (q) => q.where('analysis', 'is not', null).where('ai_fix_diff', 'is not', null))
            .executeTakeFirstOrThrow()
        ).c,
      );
    const deployedUat = await count('deployed_uat', true);
    const release = await tonic.db.selectFrom('releases').selectAll().where('run_id', '=', run.id).executeTakeFirst();
    const members = release ? Number((await tonic.db.selectFrom('release_bugs').select((eb) => eb.fn.countAll().as('c')).where('release_id', '=', release.id).executeTakeFirstOrThrow()).c) : 0;
    const chain = await tonic.audit.verify(tonic.db);
    if (run.status !== 'succeeded' || deployedUat !== n || members !== n || release?.tag !== 'v1.0.1' || !chain.ok) {
      throw new Error(`T1 did not do its work: run ${run.status} (${run.error ?? ''}), ${deployedUat}/${n} deployed_uat with analysis, release ${release?.tag ?? 'none'} with ${members} bugs, audit chain ${chain.ok ? 'ok' : 'BROKEN'}; steps: ${JSON.stringify(run.report.steps.slice(-4))}`);
    }

    // Phases, between timestamps the run leaves (ms precision, the same clock).
    const history = await tonic.db
      .selectFrom('bug_history')
      .select(['action', (eb) => eb.fn.max('at').as('last')])
      .where('action', 'in', ['start_analysis', 'record_plan', 'deploy_uat'])
      .groupBy('action')
      .execute();
    const last = (action: string) => Date.parse(String(history.find((h) => h.action === action)?.last));
    const step = (pattern: RegExp) => Date.parse(run.report.steps.find((s) => pattern.test(s.message))?.at ?? '');
    const deployment = await tonic.db.selectFrom('deployments').select(['started_at', 'finished_at']).where('run_id', '=', run.id).executeTakeFirst();
    // Each phase ends at its mark; a missing mark folds its phase into the next one.
    const ends: [string, number][] = [
      ['claim, repository, version check', step(/^version check/)],
      ['load candidates + start_analysis x N (DB)', marks.analysisStart],
      ['analysis: git show (analyzer)', marks.analysisEnd],
      ['record_plan x N (DB)', last('record_plan')],
      ['load views x N (DB) + worktree dir', marks.buildStart],
      ['build: worktree + cherry-picks', marks.buildEnd],
      ['version, tag, release row', step(/^built /)],
      ['deploy: row, driver `true`, env (DB)', Date.parse(deployment?.finished_at ?? '')],
      ['deploy report step', step(/^deployed /)],
      ['deploy_uat x N (DB)', last('deploy_uat')],
      ['announce, finish run, re-read', ended],
    ];
    const phases: T1Phase[] = [];
    let previous = started;
    let pending: string[] = [];
    for (const [name, at] of ends) {
      pending.push(name);
      if (Number.isNaN(at)) continue;
      phases.push({ name: pending.join(' + '), ms: at - previous });
      previous = at;
      pending = [];
    }
    const check = `run ${run.status}, ${deployedUat} deployed_uat with analysis, ${release.tag} lists ${members} bugs, audit chain ok`;
    return { ms, cpuSeconds, stallPercent, phases, check, setupSeconds };
  } finally {
    await tonic.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Alone: `node --import tsx bench/t1.ts`.

async function main(): Promise<number> {
  // @ts-expect-error: plain JavaScript module without type declarations
  const { findPgBinaries, startPgCluster } = await import('../scripts/pg-cluster.mjs');
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as Dialect[];
  let cluster: { url: string; stop(): Promise<void>; stopSync(): void } | null = null;
  process.on('exit', () => cluster?.stopSync());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));
  const cpus = os.cpus();
  console.log('Tonic Deploy benchmark: T1');
  console.log(`machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores; node ${process.version}; ${spawnSync('git', ['--version']).stdout.toString().trim()}`);
  const results: T1Result[] = [];
  const verdicts: { target: string; dialect: Dialect; value: number; limit: string; status: string }[] = [];
  for (const dialect of dialects) {
    console.log(`\n[${dialect}]`);
    try {
      if (dialect === 'postgres') {
        if (!findPgBinaries()) {
          console.log('SKIPPED postgres: PostgreSQL server binaries not found');
          verdicts.push({ target: T1_TARGET_NAME, dialect, value: NaN, limit: '', status: 'SKIPPED' });
          continue;
        }
        cluster = await startPgCluster();
      }
      const r = await benchT1(dialect, cluster?.url ?? null, (m) => console.log(`  · ${m}`));
      results.push(r);
      verdicts.push(t1Verdict(r));
    } catch (error) {
      console.log(`ERROR ${dialect}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      verdicts.push({ target: T1_TARGET_NAME, dialect, value: NaN, limit: '', status: 'ERROR' });
    } finally {
      await cluster?.stop();
      cluster = null;
    }
  }
  console.log(`\n${t1Report(results)}`);
  console.log('\nTargets');
  console.log(table(['target', 'dialect', 'value', 'limit', 'result'], verdicts.map((v) => [v.target, v.dialect, Number.isNaN(v.value) ? '-' : String(v.value), v.limit, v.status])));
  console.log(`BENCH_T1_RESULT ${JSON.stringify({ settings: T1_SETTINGS, target: T1_TARGET, results, verdicts })}`);
  return verdicts.some((v) => v.status === 'ERROR') ? 1 : 0;
}

if (process.argv[2] === '--pipeline-child') {
  pipelineChild(JSON.parse(process.argv[3]!) as ChildArgs)
    .then((result) => {
      process.send!({ type: 'result', result } satisfies ChildMessage, () => process.exit(0));
    })
    .catch((error: unknown) => {
      process.send!({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildMessage, () => process.exit(1));
    });
} else if (resolve(process.argv[1] ?? '') === SELF) {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`\nT1 benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    });
}
