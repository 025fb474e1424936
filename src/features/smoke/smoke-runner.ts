/**
 * Runs a system's smoke steps against one environment: real HTTP requests (cookies carried from
 * answer to request, captured values filled into later steps) and commands run without a shell.
 * It observes and measures; smoke-rules.ts decides pass or fail.
 */
import { execFile } from 'node:child_process';
import type { Clock } from '../../shared/clock.ts';
import {
  evaluate,
  fillCaptures,
  fillCapturesDeep,
  readJsonPath,
  skippedStep,
  stepResult,
  type Observed,
  type SmokeCommandStep,
  type SmokeHttpStep,
  type SmokePlan,
  type SmokeReport,
  type SmokeStepResult,
} from './smoke-rules.ts';

export type SmokeContext = { env: 'uat' | 'prod'; version: string; commit: string; url: string; workdir: string };

const SECRET_HEADERS = /^(authorization|cookie|x-api-key|proxy-authorization)$/i;

export function createSmokeRunner({ clock }: { clock: Clock }) {
  function placeholders(text: string, ctx: SmokeContext): string {
    return text.replaceAll('{env}', ctx.env).replaceAll('{version}', ctx.version).replaceAll('{commit}', ctx.commit).replaceAll('{url}', ctx.url);
  }

  async function httpStep(step: SmokeHttpStep, plan: SmokePlan, ctx: SmokeContext, cookies: Map<string, string>, captured: Map<string, string>): Promise<SmokeStepResult> {
    let url = '';
    let request = `${step.method} ${step.path}`;
    try {
      const path = fillCaptures(placeholders(step.path, ctx), captured);
      url = /^https?:\/\//.test(path) ? path : `${plan.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.headers)) headers[k] = fillCaptures(placeholders(v, ctx), captured);
      if (cookies.size > 0 && !Object.keys(headers).some((k) => k.toLowerCase() === 'cookie')) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const body = step.json === undefined ? undefined : JSON.stringify(fillCapturesDeep(step.json, captured));
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      request = `${step.method} ${url}${Object.keys(headers).length ? ` (headers: ${Object.keys(headers).map((k) => (SECRET_HEADERS.test(k) ? `${k}: ***` : `${k}: ${headers[k]}`)).join(', ')})` : ''}`;

      const started = performance.now();
      let observed: Observed;
      try {
        const res = await fetch(url, { method: step.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(step.timeoutMs) });
        const text = step.method === 'HEAD' ? '' : await res.text();
        const ms = performance.now() - started;
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const eq = pair!.indexOf('=');
          if (eq > 0) cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
        }
        let json: Observed['json'] = { ok: false };
        try {
          json = { ok: true, value: JSON.parse(text) };
        } catch {
          /* not JSON */
        }
        observed = { status: res.status, text, json, ms, exitCode: null, error: null };
      } catch (error) {
        const e = error as Error & { cause?: { code?: string } };
        const why = e.name === 'TimeoutError' ? `no answer within ${step.timeoutMs} ms` : `${e.cause?.code ?? e.message}`;
        observed = { status: null, text: '', json: { ok: false }, ms: performance.now() - started, exitCode: null, error: `${step.method} ${url} failed: ${why}` };
      }
      const checks = evaluate('http', step.expect, observed);
      for (const [name, path] of Object.entries(step.capture)) {
        const found = observed.json.ok ? readJsonPath(observed.json.value, path) : { found: false as const };
        if (found.found && found.value !== null && found.value !== undefined) captured.set(name, typeof found.value === 'string' ? found.value : JSON.stringify(found.value));
        else checks.push({ expectation: `capture ${name}`, expected: `a value at ${path} to keep as {{${name}}}`, actual: `nothing at ${path}`, ok: false });
      }
      return stepResult(step, checks, Math.round(observed.ms), request);
    } catch (error) {
      // A captured value missing (its step failed to capture it): this step cannot be sent.
      return stepResult(step, [{ expectation: 'request', expected: 'a request that can be sent', actual: (error as Error).message, ok: false }], null, request);
    }
  }

  function commandStep(step: SmokeCommandStep, ctx: SmokeContext, captured: Map<string, string>): Promise<SmokeStepResult> {
    const argv = step.command.map((part) => fillCaptures(placeholders(part, ctx), captured));
    const request = `$ ${argv.join(' ')}`;
    const started = performance.now();
    return new Promise((resolve) => {
      execFile(argv[0]!, argv.slice(1), { cwd: ctx.workdir, timeout: step.timeoutMs, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, TONIC_ENV: ctx.env, TONIC_VERSION: ctx.version, TONIC_URL: ctx.url } }, (error, stdout, stderr) => {
        const ms = performance.now() - started;
        const text = `${stdout}${stderr}`;
        let observed: Observed;
        if (error && typeof error.code !== 'number') {
          const why = error.killed ? `did not finish within ${step.timeoutMs} ms and was stopped` : error.message;
          observed = { status: null, text, json: { ok: false }, ms, exitCode: null, error: `${argv[0]}: ${why}` };
        } else {
          observed = { status: null, text, json: { ok: false }, ms, exitCode: error ? Number(error.code) : 0, error: null };
        }
        resolve(stepResult(step, evaluate('command', step.expect, observed), Math.round(ms), request));
      });
    });
  }

  return {
    /** Runs the steps in order; the first failure stops the rest (SEED.md: any failure → rollback). */
    async run(plan: SmokePlan, ctx: SmokeContext): Promise<SmokeReport> {
      const startedAt = clock.now().toISOString();
      const cookies = new Map<string, string>();
      const captured = new Map<string, string>();
      const steps: SmokeStepResult[] = [];
      let failed: string | null = null;
      for (const step of plan.steps) {
        if (failed !== null) {
          steps.push(skippedStep(step, failed));
          continue;
        }
        const result = step.kind === 'http' ? await httpStep(step, plan, ctx, cookies, captured) : await commandStep(step, ctx, captured);
        steps.push(result);
        if (result.result === 'fail') failed = step.name;
      }
      return { ok: failed === null, env: ctx.env, version: ctx.version, baseUrl: plan.baseUrl, startedAt, finishedAt: clock.now().toISOString(), failedStep: failed, steps };
    },
  };
}

export type SmokeRunner = ReturnType<typeof createSmokeRunner>;
