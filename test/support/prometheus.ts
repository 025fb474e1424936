/**
 * A real Prometheus server (Debian's `prometheus` package) on a loopback port, with its own
 * temporary configuration and storage, scraping the given targets. A missing binary fails the
 * test with how to install it; it is never a skip.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './processes.ts';

export type TestPrometheus = { url: string; stop(): Promise<void> };

function findPrometheus(): string {
  const candidates = [process.env.PROMETHEUS_BIN, ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'prometheus')), '/usr/bin/prometheus'];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  throw new Error(
    'the prometheus binary is not installed, and this test needs a real Prometheus server: ' +
      'install it with `apt-get install -y prometheus` (Debian; .ci/run does this in CI), or set PROMETHEUS_BIN to its path',
  );
}

/**
 * Starts Prometheus scraping `scrapeTargets` ("127.0.0.1:PORT", each its own job named
 * "target0", "target1", …) every `scrapeIntervalSeconds` (default 1), with alerting `rules` (a
 * rules file's YAML) loaded when given. Resolves when it reports ready.
 */
export async function startPrometheus(options: { scrapeTargets?: string[]; scrapeIntervalSeconds?: number; rules?: string } = {}): Promise<TestPrometheus> {
  const binary = findPrometheus();
  const dir = mkdtempSync(join(tmpdir(), 'tonic-prometheus-'));
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const jobs = (options.scrapeTargets ?? []).map((target, i) => [`  - job_name: target${i}`, `    static_configs:`, `      - targets: [${JSON.stringify(target)}]`].join('\n'));
  if (options.rules !== undefined) writeFileSync(join(dir, 'rules.yml'), options.rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      ...(options.rules !== undefined ? ['rule_files:', `  - ${JSON.stringify(join(dir, 'rules.yml'))}`] : []),
      ...(jobs.length ? ['scrape_configs:', ...jobs] : []),
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited (${child.exitCode}) before it was ready:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop };
}
