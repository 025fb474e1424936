/**
 * A private, real Prometheus server (Debian's `prometheus` package) on a free loopback port, with
 * its own configuration and storage in a temporary folder: it scrapes the given targets and loads
 * the given rules. Tests that need Prometheus fail (never skip) when the binary is missing, with
 * the command that installs it; CI installs it (.ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

export type PrometheusOptions = {
  /** What to scrape: "host:port" (path /metrics) or a full URL such as "http://127.0.0.1:8080/custom/metrics". */
  scrapeTargets?: string[];
  /** Scrape and rule-evaluation interval. Default 1 s, so tests see samples and rule health quickly. */
  scrapeIntervalSeconds?: number;
  /** The text of a rules file (YAML: `groups: [...]`), loaded at start. */
  rules?: string;
  /**
   * Resolve only once every target was scraped (up or down). Prometheus hands new targets to its
   * scrapers about 5 s after start, so this is what makes the first query see samples. Default true.
   */
  waitForFirstScrape?: boolean;
  /** How long to wait for /-/ready (and the first scrapes). Default 30 s. */
  startTimeoutMs?: number;
};

export type TestPrometheus = {
  /** The base URL, e.g. http://127.0.0.1:41234 (API under /api/v1). */
  url: string;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
};

export const PROMETHEUS_BINARY = process.env.TONIC_TEST_PROMETHEUS ?? 'prometheus';

/** Fails with installation instructions when the binary cannot be run: never a skip. */
export function assertPrometheusInstalled(binary = PROMETHEUS_BINARY): void {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`the prometheus binary ("${binary}") is not installed; these tests need a real Prometheus server.
Install it with: apt-get update && apt-get install -y prometheus   (Debian; .ci/run does this in CI)
or point TONIC_TEST_PROMETHEUS at a prometheus binary.`);
  }
}

/** One scrape job per target, named target0, target1, …, so a target may carry its own path and scheme. */
function scrapeConfigs(targets: readonly string[]): string {
  if (targets.length === 0) return 'scrape_configs: []\n';
  const jobs = targets.map((target, i) => {
    const url = new URL(target.includes('://') ? target : `http://${target}/metrics`);
    return [
      `  - job_name: target${i}`,
      `    scheme: ${url.protocol.replace(':', '')}`,
      `    metrics_path: ${JSON.stringify(url.pathname || '/metrics')}`,
      `    static_configs:`,
      `      - targets: [${JSON.stringify(url.host)}]`,
    ].join('\n');
  });
  return `scrape_configs:\n${jobs.join('\n')}\n`;
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<TestPrometheus> {
  assertPrometheusInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'tonic-prometheus-'));
  const interval = options.scrapeIntervalSeconds ?? 1;
  const lines = [`global:`, `  scrape_interval: ${interval}s`, `  evaluation_interval: ${interval}s`];
  if (options.rules !== undefined) {
    writeFileSync(join(dir, 'rules.yml'), options.rules);
    lines.push(`rule_files:`, `  - ${JSON.stringify(join(dir, 'rules.yml'))}`);
  }
  writeFileSync(join(dir, 'prometheus.yml'), `${lines.join('\n')}\n${scrapeConfigs(options.scrapeTargets ?? [])}`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  // Nothing may outlive the test process: a stray Prometheus would keep its port and folder.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const targets = options.scrapeTargets?.length ?? 0;
  const waitForScrapes = targets > 0 && options.waitForFirstScrape !== false;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`prometheus exited at start (${child.exitCode ?? child.signalCode}):\n${stderr}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok && (!waitForScrapes || (await scrapedOnce(url, targets)))) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready on ${url}${waitForScrapes ? ' (or did not scrape its targets)' : ''} in time:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop };
}

/** Has every target been scraped at least once (whatever the outcome)? */
async function scrapedOnce(url: string, targets: number): Promise<boolean> {
  const res = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(1_000) });
  const body = (await res.json()) as { data?: { activeTargets?: { lastScrape?: string }[] } };
  const active = body.data?.activeTargets ?? [];
  return active.length >= targets && active.every((t) => t.lastScrape && !t.lastScrape.startsWith('0001-'));
}
