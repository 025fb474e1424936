/**
 * A real service to monitor: a child process serving HTTP on loopback with a Prometheus `/metrics`
 * page (http_requests_total by code, a latency histogram, process memory and CPU, auth attempts),
 * and a small load loop inside it that sends it real traffic. Its behaviour switches at run time
 * (`set`): a share of API requests answer 500, requests get slower, logins fail.
 *
 * Failures are spread deterministically (with an error rate of 0.2, exactly one request in five
 * fails), so "a sample with at least 5 requests shows errors" holds on a slow machine too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type MetricsBehaviour = {
  /** Share of API requests that answer 500 (0 to 1). */
  errorRate?: number;
  /** How long each API request takes. Default 30 ms. */
  latencyMs?: number;
  /** Share of logins that fail (0 to 1). */
  authFailureRate?: number;
  /** `/metrics` answers this instead of metrics (e.g. an HTML login page). */
  metricsPage?: string | null;
};

/** The service's own source, also usable as a deployable `server.js` (reads PORT and BEHAVIOUR). */
export const METRICS_SERVICE_SOURCE = `
import { createServer } from 'node:http';

// Coarse on purpose: 30 ms requests all land in (25 ms, 500 ms], so a busy machine delaying some
// of them does not move the p95 (0.476 s); 700 ms requests land in (500 ms, 1 s].
const BUCKETS = [0.005, 0.01, 0.025, 0.5, 1, 2.5, 5];
let behaviour = { errorRate: 0, latencyMs: 30, authFailureRate: 0, metricsPage: null, ...JSON.parse(process.env.BEHAVIOUR || '{}') };
const requests = new Map();
const buckets = BUCKETS.map(() => 0);
let latencySum = 0, latencyCount = 0, apiCount = 0, loginCount = 0;
const auth = { success: 0, failure: 0 };
// Requests answered but not yet counted (their answer waits for the latency).
const pending = new Set();
let started_ = 0;
// Exactly floor(n * rate) of the first n requests fail.
const spread = (n, rate) => Math.floor(n * rate) > Math.floor((n - 1) * rate);

function observe(code, seconds) {
  requests.set(code, (requests.get(code) ?? 0) + 1);
  BUCKETS.forEach((le, i) => { if (seconds <= le) buckets[i] += 1; });
  latencySum += seconds;
  latencyCount += 1;
}

function metrics() {
  const lines = ['# HELP http_requests_total API requests by status code.', '# TYPE http_requests_total counter'];
  for (const [code, n] of requests) lines.push(\`http_requests_total{code="\${code}"} \${n}\`);
  lines.push('# HELP http_request_duration_seconds API request latency.', '# TYPE http_request_duration_seconds histogram');
  BUCKETS.forEach((le, i) => lines.push(\`http_request_duration_seconds_bucket{le="\${le}"} \${buckets[i]}\`));
  lines.push(\`http_request_duration_seconds_bucket{le="+Inf"} \${latencyCount}\`);
  lines.push(\`http_request_duration_seconds_sum \${latencySum}\`, \`http_request_duration_seconds_count \${latencyCount}\`);
  lines.push('# TYPE process_resident_memory_bytes gauge', \`process_resident_memory_bytes \${process.memoryUsage().rss}\`);
  const cpu = process.cpuUsage();
  lines.push('# TYPE process_cpu_seconds_total counter', \`process_cpu_seconds_total \${(cpu.user + cpu.system) / 1e6}\`);
  lines.push('# TYPE auth_attempts_total counter');
  for (const [result, n] of Object.entries(auth)) lines.push(\`auth_attempts_total{result="\${result}"} \${n}\`);
  return lines.join('\\n') + '\\n';
}

const server = createServer((req, res) => {
  const started = process.hrtime.bigint();
  if (req.url === '/metrics') {
    if (behaviour.metricsPage !== null) { res.setHeader('content-type', 'text/html'); return res.end(behaviour.metricsPage); }
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    return res.end(metrics());
  }
  if (req.url === '/health') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify({ status: 'ok', version: process.env.APP_VERSION ?? 'dev' })); }
  if (req.url === '/__behaviour' && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      behaviour = { ...behaviour, ...JSON.parse(body) };
      // Answer once every request decided under the old behaviour is counted: from here on the
      // metrics page shows only the new one.
      const older = [...pending];
      const settled = () => (older.some((r) => pending.has(r)) ? setTimeout(settled, 5) : res.end(JSON.stringify(behaviour)));
      settled();
    });
    return;
  }
  const id = ++started_;
  pending.add(id);
  const finish = (code, payload) => setTimeout(() => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
    observe(code, Number(process.hrtime.bigint() - started) / 1e9);
    pending.delete(id);
  }, behaviour.latencyMs);
  if (req.url === '/login') {
    loginCount += 1;
    const ok = !spread(loginCount, behaviour.authFailureRate);
    auth[ok ? 'success' : 'failure'] += 1;
    return finish(ok ? 200 : 401, { ok });
  }
  apiCount += 1;
  if (spread(apiCount, behaviour.errorRate)) return finish(500, { error: 'simulated failure' });
  finish(200, { items: [1, 2, 3] });
});

// The load loop: real requests to this service, a login every fifth.
let sent = 0;
const perSecond = Number(process.env.LOAD_PER_SECOND ?? 0);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
  if (perSecond > 0) {
    setInterval(() => {
      sent += 1;
      fetch(\`http://127.0.0.1:\${server.address().port}\${sent % 5 === 0 ? '/login' : '/api/items'}\`).then((r) => r.text()).catch(() => {});
    }, 1000 / perSecond);
  }
});
process.on('SIGTERM', () => process.exit(0));
`;

export type MetricsService = {
  url: string;
  metricsUrl: string;
  port: number;
  /** Changes how it behaves from now on; resolves once every request decided before the change is counted on the metrics page. */
  set(behaviour: MetricsBehaviour): Promise<void>;
  close(): Promise<void>;
};

/** Starts the service with its load loop (`loadPerSecond`, default 50 requests a second). */
export async function startMetricsService(options: { behaviour?: MetricsBehaviour; loadPerSecond?: number; port?: number } = {}): Promise<MetricsService> {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-metrics-service-'));
  const file = join(dir, 'server.mjs');
  writeFileSync(file, METRICS_SERVICE_SOURCE);
  const child: ChildProcess = spawn(process.execPath, [file], {
    env: { ...process.env, PORT: String(options.port ?? 0), BEHAVIOUR: JSON.stringify(options.behaviour ?? {}), LOAD_PER_SECOND: String(options.loadPerSecond ?? 50) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      output += d;
      const m = /\{"port":(\d+)\}/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', (code) => reject(new Error(`the metrics service exited (${code}) before listening:\n${output}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    metricsUrl: `${url}/metrics`,
    port,
    async set(behaviour) {
      const res = await fetch(`${url}/__behaviour`, { method: 'POST', body: JSON.stringify(behaviour) });
      if (!res.ok) throw new Error(`the metrics service refused ${JSON.stringify(behaviour)}: HTTP ${res.status}`);
      await res.text();
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
