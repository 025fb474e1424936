/**
 * The files of the demo: the HTTP service that lives in the demo repositories, and the deploy
 * script the `command` driver runs to put a release on a local "environment" process.
 */

/**
 * What every demo process measures and serves on /metrics (Prometheus text): requests by status, a
 * latency histogram, resident memory and CPU seconds, as post-deploy monitoring scrapes them.
 */
const METRICS = `const counts = new Map();
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const buckets = BUCKETS.map(() => 0);
let latencySum = 0;
let latencyCount = 0;

function metrics() {
  const lines = ['# TYPE http_requests_total counter'];
  for (const [code, n] of counts) lines.push(\`http_requests_total{code="\${code}"} \${n}\`);
  lines.push('# TYPE http_request_duration_seconds histogram');
  BUCKETS.forEach((le, i) => lines.push(\`http_request_duration_seconds_bucket{le="\${le}"} \${buckets[i]}\`));
  lines.push(\`http_request_duration_seconds_bucket{le="+Inf"} \${latencyCount}\`);
  lines.push(\`http_request_duration_seconds_sum \${latencySum}\`);
  lines.push(\`http_request_duration_seconds_count \${latencyCount}\`);
  lines.push('# TYPE process_resident_memory_bytes gauge');
  lines.push(\`process_resident_memory_bytes \${process.memoryUsage().rss}\`);
  const cpu = process.cpuUsage();
  lines.push('# TYPE process_cpu_seconds_total counter');
  lines.push(\`process_cpu_seconds_total \${(cpu.user + cpu.system) / 1e6}\`);
  return lines.join('\\n') + '\\n';
}`;

/** The start of every request handler: measure it; answer /metrics. */
const MEASURED = `  const started = process.hrtime.bigint();
  res.on('finish', () => {
    counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    BUCKETS.forEach((le, i) => { if (seconds <= le) buckets[i] += 1; });
    latencySum += seconds;
    latencyCount += 1;
  });
  if (req.url === '/metrics') {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    return res.end(metrics());
  }`;

/**
 * The demo service: /health with its version, /metrics in Prometheus text, and a tiny API
 * (/api/orders, which the demo's smoke steps check). `brokenOrders` writes the regression a bad
 * fix brings in: /api/orders answers 500, so smoke fails and the deploy is rolled back.
 */
export function serviceSource(service: string, bugLine: string, options: { brokenOrders?: boolean } = {}): string {
  const orders = options.brokenOrders
    ? `  // Cached orders list: the cache is read before it is filled (the regression the demo rolls back).
  if (req.url === '/api/orders') { res.statusCode = 500; return res.end(JSON.stringify({ error: 'orders cache is empty' })); }`
    : `  if (req.url === '/api/orders') return res.end(JSON.stringify({ orders: [{ id: 1, total: 42 }, { id: 2, total: 7 }] }));`;
  return `// ${service}: the service Tonic Deploy's demo ships. APP_VERSION and PORT come from the deploy.
import { createServer } from 'node:http';

const version = process.env.APP_VERSION ?? 'dev';
${METRICS}
const server = createServer((req, res) => {
${MEASURED}
  res.setHeader('content-type', 'application/json');
  if (req.url === '/health') return res.end(JSON.stringify({ status: 'ok', service: '${service}', version }));
${orders}
  // ${bugLine}
  res.end(JSON.stringify({ service: '${service}', version }));
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
}

/**
 * The demo's web front (shop's `web` service): its own /health and /metrics, a front page, and
 * /api/* passed on to the api of the same environment (API_URL): it depends on the api, so the api
 * deploys first.
 */
export function webSource(service: string, title: string, bugLine: string): string {
  return `// ${service}: the web front of Tonic Deploy's demo. APP_VERSION, PORT and API_URL come from the deploy.
import { createServer } from 'node:http';

const version = process.env.APP_VERSION ?? 'dev';
const api = process.env.API_URL ?? 'http://127.0.0.1:0';
${METRICS}
const server = createServer(async (req, res) => {
${MEASURED}
  if (req.url === '/health') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ status: 'ok', service: '${service}', version }));
  }
  if (req.url?.startsWith('/api/')) {
    try {
      const answer = await fetch(api + req.url, { signal: AbortSignal.timeout(5000) });
      res.statusCode = answer.status;
      res.setHeader('content-type', answer.headers.get('content-type') ?? 'application/json');
      return res.end(await answer.text());
    } catch (error) {
      res.statusCode = 502;
      return res.end(JSON.stringify({ error: 'the api does not answer: ' + error.message }));
    }
  }
  // ${bugLine}
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(\`<!doctype html><title>${title}</title><h1>${title}</h1><p>web \${version}</p>\`);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
}

/**
 * deploy.mjs <repo> <envDir> <tag> <version> <port> [<folder> [NAME=VALUE…]]: exports the tag's
 * files into envDir/app, stops the process running there (pid file), starts <folder>/server.js
 * (default: the root's) detached with the extra variables, and waits until it answers /health with
 * the version. Exit code 0 only when it does; otherwise it prints why and the end of the service's log.
 */
export const DEPLOY_SCRIPT = `import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [repo, envDir, tag, version, port, folder = '.', ...vars] = process.argv.slice(2);
const app = join(envDir, 'app');
const pidFile = join(envDir, 'pid');

console.log(\`exporting \${tag} from \${repo}\`);
rmSync(app, { recursive: true, force: true });
mkdirSync(app, { recursive: true });
const archive = spawnSync('git', ['-C', repo, 'archive', '--format=tar', tag], { maxBuffer: 64 * 1024 * 1024 });
if (archive.status !== 0) { console.error(String(archive.stderr)); process.exit(1); }
const untar = spawnSync('tar', ['-x', '-C', app], { input: archive.stdout });
if (untar.status !== 0) { console.error(String(untar.stderr)); process.exit(1); }

if (existsSync(pidFile)) {
  const old = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(old, 'SIGTERM');
    console.log(\`stopped the previous process \${old}\`);
    for (let i = 0; i < 50; i++) { process.kill(old, 0); await new Promise((r) => setTimeout(r, 100)); }
  } catch { /* gone */ }
}

const log = openSync(join(envDir, 'service.log'), 'a');
const extra = Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
const child = spawn(process.execPath, [join(app, folder, 'server.js')], {
  detached: true,
  stdio: ['ignore', log, log],
  env: { ...process.env, ...extra, PORT: port, APP_VERSION: version },
});
let exited = null;
child.once('exit', (code) => { exited = code; });
child.unref();
writeFileSync(pidFile, String(child.pid));
console.log(\`started \${version} as process \${child.pid} on port \${port}\`);

// Up to 45 s, within the deploy command's 60 s: a loaded machine starts Node slowly.
for (let i = 0; i < 450 && exited === null; i++) {
  try {
    const res = await fetch(\`http://127.0.0.1:\${port}/health\`);
    const body = await res.text();
    if (res.ok && body.includes(version)) { console.log(\`healthy: \${body}\`); process.exit(0); }
  } catch { /* not up yet */ }
  await new Promise((r) => setTimeout(r, 100));
}
const tail = readFileSync(join(envDir, 'service.log'), 'utf8').split('\\n').slice(-10).join('\\n');
console.error(exited === null ? 'the service did not become healthy within 45 s' : \`the service exited (\${exited}) before it was healthy\`);
console.error(tail);
process.exit(1);
`;
