/**
 * 6. Dependent services healthy: each HTTP target must answer its status (any 2xx by default),
 * each TCP target accept a connection, within its time limit. All are probed at once.
 */
import { connect } from 'node:net';
import type { DependenciesProbeConfig, DependencyTarget } from '../checklist-config.ts';
import { judgeDependencies, outcome, type DependencyCheck } from '../checklist-rules.ts';
import { describeFetchError, fetchWithin, type Probe } from './probe.ts';

async function checkHttp(t: Extract<DependencyTarget, { kind: 'http' }>, signal: AbortSignal): Promise<DependencyCheck> {
  const started = Date.now();
  try {
    const res = await fetchWithin(t.url, t.timeoutMs, signal);
    await res.arrayBuffer().catch(() => undefined);
    const ms = Date.now() - started;
    const ok = t.expectStatus === null ? res.status >= 200 && res.status < 300 : res.status === t.expectStatus;
    const wanted = t.expectStatus === null ? '2xx' : String(t.expectStatus);
    return { name: t.name, target: t.url, ok, ms, detail: ok ? `(${t.url}) answered ${res.status} in ${ms} ms` : `(${t.url}) answered ${res.status}, expected ${wanted}` };
  } catch (error) {
    return { name: t.name, target: t.url, ok: false, ms: null, detail: `(${describeFetchError(t.url, error, t.timeoutMs)})` };
  }
}

function checkTcp(t: Extract<DependencyTarget, { kind: 'tcp' }>, signal: AbortSignal): Promise<DependencyCheck> {
  const target = `${t.host}:${t.port}`;
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: t.host, port: t.port });
    const finish = (ok: boolean, detail: string) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve({ name: t.name, target, ok, ms: ok ? Date.now() - started : null, detail });
    };
    const timer = setTimeout(() => finish(false, `(tcp ${target}) did not accept a connection within ${t.timeoutMs / 1000} s`), t.timeoutMs);
    const abort = () => finish(false, `(tcp ${target}) the probe ran out of time`);
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => finish(true, `(tcp ${target}) accepted a connection in ${Date.now() - started} ms`));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ENOTFOUND' ? 'host not found' : (error.code ?? error.message);
      finish(false, `(tcp ${target}) ${why}`);
    });
  });
}

export function createDependenciesProbe(config: DependenciesProbeConfig): Probe {
  return {
    name: 'dependencies',
    budgetMs: Math.max(config.timeoutMs, ...config.targets.map((t) => t.timeoutMs)) + 1000,
    async run(ctx) {
      const checks = await Promise.all(config.targets.map((t) => (t.kind === 'http' ? checkHttp(t, ctx.signal) : checkTcp(t, ctx.signal))));
      return outcome(judgeDependencies(checks), ctx.at);
    },
  };
}
