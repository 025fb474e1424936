/**
 * The one interface every checklist probe implements, and the small I/O helpers they share:
 * running a command with a time limit, fetching with one, and asking Prometheus. Each failure
 * comes back as a sentence that says what was tried and what happened, for the evidence.
 */
import { spawn } from 'node:child_process';
import { fillPlaceholders } from '../../../adapters/deploy/deploy-driver.ts';
import type { SystemConfig } from '../../../config/load-config.ts';
import type { AckState, ProbeName, ProbeOutcome } from '../checklist-rules.ts';

export type ProbeContext = {
  system: SystemConfig;
  /** The environment the guarded deploy goes to. */
  env: 'uat' | 'prod';
  /** The slot the checklist guards and its instant (for the on-call rotation and the night's acknowledgement). */
  slot: 't1' | 't2';
  slotAt: Date;
  /** When the checklist runs: ages, freezes and deadlines are judged at this instant. */
  at: Date;
  /** The night's on-call acknowledgement, read (or asked for) by the service before the probes run. */
  ack: AckState;
  /** Aborted when the probe's time is up. */
  signal: AbortSignal;
};

export interface Probe {
  readonly name: ProbeName;
  /** How long the whole probe may take (a backup command run included). */
  readonly budgetMs: number;
  run(ctx: ProbeContext): Promise<ProbeOutcome>;
}

export type CommandResult = { code: number | null; stdout: string; stderr: string; timedOut: boolean; error: string | null; ms: number };

/**
 * Runs argv without a shell, {system} and {env} filled in each argument; the process group is
 * killed when the time is up. Never rejects: what went wrong is in the result.
 */
export function runCommand(argv: readonly string[], o: { cwd: string; timeoutMs: number; values: Record<string, string>; signal?: AbortSignal }): Promise<CommandResult> {
  const [program, ...args] = argv.map((part) => fillPlaceholders(part, o.values));
  const started = Date.now();
  if (!program) return Promise.resolve({ code: null, stdout: '', stderr: '', timedOut: false, error: 'the command is empty', ms: 0 });
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, TONIC_SYSTEM: o.values.system, TONIC_ENV: o.values.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-64_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8_000)));
    let timedOut = false;
    const kill = () => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(kill, o.timeoutMs);
    o.signal?.addEventListener('abort', kill, { once: true });
    const done = (r: Omit<CommandResult, 'ms' | 'stdout' | 'stderr' | 'timedOut'>) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
      resolve({ ...r, stdout, stderr, timedOut, ms: Date.now() - started });
    };
    child.once('error', (error) => done({ code: null, error: `cannot run ${program}: ${error.message}` }));
    child.once('close', (code, signal) => done({ code, error: timedOut ? `did not finish within ${Math.round(o.timeoutMs / 100) / 10} s and was stopped` : code === null ? `stopped by ${signal}` : null }));
  });
}

/** `$ prog args` exit 0 in 1.2 s: for evidence. */
export function describeCommand(argv: readonly string[], r: CommandResult): string {
  const shown = argv.join(' ');
  const cut = shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
  if (r.error) return `\`${cut}\` ${r.error}`;
  const tail = r.code !== 0 && r.stderr.trim() ? `: ${r.stderr.trim().split('\n').at(-1)!.slice(0, 160)}` : '';
  return `\`${cut}\` exited ${r.code} in ${Math.round(r.ms / 100) / 10} s${tail}`;
}

/** Why a fetch failed, in words: refused, no answer in time, unknown host. */
export function describeFetchError(url: string, error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `${url} did not answer within ${Math.round(timeoutMs / 100) / 10} s`;
  switch (e.cause?.code) {
    case 'ECONNREFUSED':
      return `${url}: connection refused (is it running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${url}: host not found`;
    case 'ECONNRESET':
      return `${url}: the connection was reset`;
    default:
      return `${url}: ${e.cause?.code ?? e.cause?.message ?? e.message ?? String(error)}`;
  }
}

export async function fetchWithin(url: string, timeoutMs: number, signal: AbortSignal, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
}

/** One number per series of an instant query; a Prometheus error becomes an Error with its own words. */
export async function queryPrometheus(base: string, promql: string, timeoutMs: number, signal: AbortSignal): Promise<{ labels: Record<string, string>; value: number }[]> {
  const url = `${base.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  let res: Response;
  try {
    res = await fetchWithin(url, timeoutMs, signal);
  } catch (error) {
    throw new Error(describeFetchError(base, error, timeoutMs));
  }
  const text = await res.text();
  let body: { status?: string; errorType?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${base} answered HTTP ${res.status} that is not Prometheus JSON: ${text.slice(0, 120)}`);
  }
  if (body.status !== 'success') throw new Error(`Prometheus refused the query ${promql}: ${body.errorType ?? 'error'}: ${body.error ?? `HTTP ${res.status}`}`);
  const data = body.data;
  if (data?.resultType === 'scalar') return [{ labels: {}, value: Number((data.result as [number, string])[1]) }];
  if (data?.resultType !== 'vector') throw new Error(`the query ${promql} gave a ${data?.resultType ?? 'missing'} result; it must give an instant vector`);
  return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
}

/** The values {system} and {env} commands may use. */
export function commandValues(ctx: ProbeContext): Record<string, string> {
  return { system: ctx.system.name, env: ctx.env };
}
