/**
 * Each checklist probe against real things: files with set modification times, real commands,
 * HTTP and TCP servers on loopback, a real Prometheus (Debian's package) scraping a loopback
 * host exporter and loading real rule files. Pass, warn and fail, each with its evidence.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, statfsSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normaliseChecklist, type ChecklistInput } from '../../../src/features/checklists/checklist-config.ts';
import type { ProbeOutcome } from '../../../src/features/checklists/checklist-rules.ts';
import type { Probe, ProbeContext } from '../../../src/features/checklists/probes/probe.ts';
import { buildProbes } from '../../../src/features/checklists/probes/probe-set.ts';
import { evaluateFreezes, NO_FREEZE_CONFIG } from '../../../src/features/freezes/freeze-rules.ts';
import { readFreezeEnvironment } from '../../../src/config/settings.ts';
import { eventually, freePort } from '../../support/processes.ts';
import { assertPrometheusInstalled, startPrometheus, type TestPrometheus } from '../../support/prometheus.ts';
import { testSystem } from '../../support/test-tonic.ts';

const AT = new Date('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const system = testSystem();
const dir = mkdtempSync(join(tmpdir(), 'tonic-probes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One probe from a checklist section, as the service builds it (db-free probes only). */
function probe(section: ChecklistInput, env: NodeJS.ProcessEnv = {}): Probe {
  const c = normaliseChecklist(section, dir)!;
  // The freeze rules as the freeze service applies them, with only the environment's DEPLOY_FREEZE* as a source.
  const freezes = { source: 'DEPLOY_FREEZE* variables', at: async (_system: string, instant: Date) => evaluateFreezes(instant, system.timeZone, { environment: readFreezeEnvironment(env), config: NO_FREEZE_CONFIG }, []) };
  const probes = buildProbes(c, { freezes } as never);
  assert.equal(probes.size, 1);
  return [...probes.values()][0]!;
}

function run(p: Probe, over: Partial<ProbeContext> = {}): Promise<ProbeOutcome> {
  return p.run({ system, env: 'prod', slot: 't2', slotAt: AT, at: AT, ack: null, signal: new AbortController().signal, ...over });
}

/** A file whose modification time is `ageMs` before AT. */
function backupFile(name: string, ageMs: number): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, 'dump');
  const when = new Date(AT.getTime() - ageMs);
  utimesSync(path, when, when);
  return path;
}

const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((ok) => s.close(ok)))));

/** A real HTTP server on loopback, closed when the file's tests end. */
async function httpServer(handler: Parameters<typeof createHttpServer>[1]): Promise<{ url: string }> {
  const server = createHttpServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('1. DB backup', () => {
  test('a file younger than 24 h passes with its age; an older one fails with its age and the limit', async () => {
    const fresh = await run(probe({ backup: { file: backupFile('fresh.dump', 2 * HOUR) } }));
    assert.equal(fresh.result, 'pass', fresh.evidence.detail);
    assert.equal(fresh.evidence.measured.ageMinutes, 120);
    assert.equal(fresh.evidence.measured.newestAt, new Date(AT.getTime() - 2 * HOUR).toISOString());
    assert.equal(fresh.evidence.at, AT.toISOString());
    const stale = await run(probe({ backup: { file: backupFile('stale.dump', 30 * HOUR) } }));
    assert.equal(stale.result, 'fail');
    assert.match(stale.evidence.detail, /stale\.dump\) is 30 h old; the limit is 24 h$/);
    const tighter = await run(probe({ backup: { file: backupFile('fresh.dump', 2 * HOUR), maxAgeHours: 1 } }));
    assert.equal(tighter.result, 'fail', 'maxAgeHours is configurable');
  });

  test('a stale backup runs the backup command now, then looks again and passes', async () => {
    const file = backupFile('nightly.dump', 30 * HOUR);
    const made = new Date(AT.getTime() - 60_000).toISOString();
    const result = await run(probe({ backup: { file, backupCommand: ['touch', '-d', made, file] } }));
    assert.equal(result.result, 'pass', result.evidence.detail);
    assert.equal(statSync(file).mtime.toISOString(), made, 'the backup command really ran');
    assert.equal(result.evidence.measured.ranBackupCommand, true);
    assert.match(result.evidence.detail, /^the newest backup \(.*nightly\.dump\) was 30 h old; ran the backup command \(`touch -d .*` exited 0 in [\d.]+ s\); now the newest backup \(.*\) is 1 min old/);
  });

  test('a backup command that fails leaves the probe failing, with its exit and last error line', async () => {
    const file = backupFile('broken.dump', 48 * HOUR);
    const result = await run(probe({ backup: { file, backupCommand: ['sh', '-c', 'echo "pg_dump: disk full" >&2; exit 3'] } }));
    assert.equal(result.result, 'fail');
    assert.match(result.evidence.detail, /exited 3 in [\d.]+ s: pg_dump: disk full\); now the newest backup .* is 2 days old; the limit is 24 h/);
  });

  test('a folder: the newest file matching the pattern counts; a newer file that does not match is ignored', async () => {
    backupFile('folder/shop-1.dump', 40 * HOUR);
    backupFile('folder/shop-2.dump', 3 * HOUR);
    backupFile('folder/notes.txt', 0);
    const result = await run(probe({ backup: { folder: join(dir, 'folder'), pattern: 'shop-*.dump' } }));
    assert.equal(result.result, 'pass');
    assert.match(result.evidence.detail, /shop-2\.dump\) is 3 h old/);
    const none = await run(probe({ backup: { folder: join(dir, 'folder'), pattern: '*.sql' } }));
    assert.equal(none.result, 'fail');
    assert.match(none.evidence.detail, /no file in .*folder matches \*\.sql/);
    const missing = await run(probe({ backup: { folder: join(dir, 'nowhere') } }));
    assert.match(missing.evidence.detail, /the backup folder .*nowhere does not exist/);
  });

  test('a command that prints the time: ISO or epoch passes; anything else fails and quotes what it printed', async () => {
    const iso = await run(probe({ backup: { command: ['echo', '2026-11-26T10:00:00Z'] } }));
    assert.equal(iso.result, 'pass');
    assert.equal(iso.evidence.measured.ageMinutes, 120);
    const epoch = await run(probe({ backup: { command: ['sh', '-c', `echo checking; echo ${(AT.getTime() - 25 * HOUR) / 1000}`] } }));
    assert.equal(epoch.result, 'fail');
    assert.match(epoch.evidence.detail, /is 25 h old/);
    const garbage = await run(probe({ backup: { command: ['echo', 'last backup: yesterday'] } }));
    assert.equal(garbage.result, 'fail');
    assert.match(garbage.evidence.detail, /printed "last backup: yesterday", which is not an ISO-8601 time or epoch seconds/);
    const absent = await run(probe({ backup: { command: ['/nonexistent/backup-age'] } }));
    assert.match(absent.evidence.detail, /failed: `\/nonexistent\/backup-age` cannot run \/nonexistent\/backup-age: spawn .* ENOENT/);
  });

  test('a URL: its Last-Modified header, or a JSON field; a URL that is down says so', async () => {
    const { url } = await httpServer((req, res) => {
      if (req.url === '/file') {
        res.writeHead(200, { 'last-modified': new Date(AT.getTime() - 5 * HOUR).toUTCString() });
        res.end('dump');
      } else if (req.url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ backup: { finishedAt: new Date(AT.getTime() - 26 * HOUR).toISOString() } }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    const header = await run(probe({ backup: { url: `${url}/file` } }));
    assert.equal(header.result, 'pass');
    assert.equal(header.evidence.measured.ageMinutes, 300);
    const field = await run(probe({ backup: { url: `${url}/status`, jsonField: 'backup.finishedAt' } }));
    assert.equal(field.result, 'fail');
    assert.match(field.evidence.detail, /\/status backup\.finishedAt\) is 26 h old/);
    const wrongField = await run(probe({ backup: { url: `${url}/status`, jsonField: 'lastBackup' } }));
    assert.match(wrongField.evidence.detail, /answered JSON without the field lastBackup/);
    const notFound = await run(probe({ backup: { url: `${url}/missing` } }));
    assert.match(notFound.evidence.detail, /\/missing answered HTTP 404/);
    const down = await run(probe({ backup: { url: `http://127.0.0.1:${await freePort()}/status` } }));
    assert.equal(down.result, 'fail');
    assert.match(down.evidence.detail, /connection refused/);
  });
});

describe('2. Monitoring alerts active, against a real Prometheus', () => {
  const HEALTHY = `groups:
  - name: shop
    rules:
      - alert: HighErrorRate
        expr: vector(1) < 0
      - alert: SlowP95
        expr: vector(2) < 0
      - record: shop:requests:rate5m
        expr: vector(3)
`;
  const monitoring = (url: string, requireGroups?: string[]) => probe({ monitoring: { prometheus: url, ...(requireGroups ? { requireGroups } : {}), timeoutSeconds: 5 } });
  /** The probe's answer once Prometheus evaluated its rules (they are "unknown" until then). */
  const settled = (p: Probe) => eventually('rules evaluated', async () => {
    const r = await run(p);
    return /not evaluated yet/.test(r.evidence.detail) ? null : r;
  });

  test('healthy alerting rules loaded: pass, with the counts as evidence; a required group that is missing fails', async (t) => {
    const prom = await startPrometheus({ rules: HEALTHY });
    t.after(() => prom.stop());
    const result = await settled(monitoring(prom.url));
    assert.equal(result.result, 'pass', result.evidence.detail);
    assert.deepEqual(result.evidence.measured, { alertingGroups: 1, alertingRules: 2, unhealthyRules: 0, firingAlerts: 0 });
    assert.match(result.evidence.detail, /2 alerting rules in 1 group, all healthy, none firing/);
    const required = await run(monitoring(prom.url, ['shop', 'payments']));
    assert.equal(required.result, 'fail');
    assert.match(required.evidence.detail, /not the required group payments/);
  });

  test('a rule that fails to evaluate fails the probe; an alert already firing warns', async (t) => {
    const prom = await startPrometheus({
      rules: `groups:
  - name: broken
    rules:
      - alert: Ambiguous
        expr: vector(1) * on() group_left() (vector(1) or label_replace(vector(1), "a", "b", "", ""))
`,
    });
    t.after(() => prom.stop());
    const broken = await settled(monitoring(prom.url));
    assert.equal(broken.result, 'fail');
    assert.match(broken.evidence.detail, /1 of 1 alerting rule in 1 group fail to evaluate: Ambiguous \(.*duplicate series/);

    const firingProm = await startPrometheus({ rules: `groups:\n  - name: shop\n    rules:\n      - alert: AlreadyBad\n        expr: vector(1) > 0\n` });
    t.after(() => firingProm.stop());
    const firing = await eventually('the alert fires', async () => {
      const r = await run(monitoring(firingProm.url));
      return r.result === 'warn' && /already firing/.test(r.evidence.detail) ? r : null;
    });
    assert.match(firing.evidence.detail, /all healthy, but already firing: AlreadyBad/);
  });

  test('Prometheus with no rules, Prometheus down, and something that is not Prometheus: each fails and says which', async (t) => {
    const empty = await startPrometheus();
    t.after(() => empty.stop());
    const none = await run(monitoring(empty.url));
    assert.equal(none.result, 'fail');
    assert.match(none.evidence.detail, /answers but has no alerting rules loaded: nobody would be alerted/);

    const port = await freePort();
    const down = await run(monitoring(`http://127.0.0.1:${port}`));
    assert.equal(down.result, 'fail');
    assert.equal(down.evidence.detail, `Prometheus at http://127.0.0.1:${port}: connection refused (is it running?)`);

    const { url } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>grafana</html>');
    });
    const html = await run(monitoring(url));
    assert.match(html.evidence.detail, /answered HTTP 200 that is not JSON: is .* Prometheus\?/);
  });

  test('without the prometheus binary these tests fail and say how to install it (they never skip)', () => {
    assert.throws(() => assertPrometheusInstalled('/nonexistent/prometheus'), /not installed; .*\nInstall it with: apt-get update && apt-get install -y prometheus/);
    assertPrometheusInstalled();
  });

  test('a plain URL must answer 2xx', async () => {
    let status = 200;
    const { url } = await httpServer((_req, res) => {
      res.writeHead(status);
      res.end();
    });
    assert.equal((await run(probe({ monitoring: { url: `${url}/-/healthy` } }))).result, 'pass');
    status = 503;
    const failing = await run(probe({ monitoring: { url: `${url}/-/healthy` } }));
    assert.equal(failing.result, 'fail');
    assert.match(failing.evidence.detail, /answered HTTP 503, not 2xx/);
  });
});

describe('3. On call (the acknowledgement flow is tested with the service)', () => {
  test('a fixed person with a channel passes; a rotation person without one fails', async () => {
    const fixed = await run(probe({ onCall: { person: { name: 'alice', telegram: '1001' } } }));
    assert.equal(fixed.result, 'pass');
    assert.equal(fixed.evidence.detail, 'alice (telegram 1001) is on call');
    const rotation = await run(probe({ onCall: { rotation: { start: '2026-11-20', everyDays: 1, people: [{ name: 'bob' }] } } }));
    assert.equal(rotation.result, 'fail');
    assert.match(rotation.evidence.detail, /bob is on call but has no channel/);
  });
});

describe('4. Change freeze from the DEPLOY_FREEZE* variables', () => {
  test('no freeze passes; modules warn; a full freeze fails with its source', async () => {
    assert.equal((await run(probe({ freeze: {} }))).result, 'pass');
    const modules = await run(probe({ freeze: {} }, { DEPLOY_FREEZE_MODULES: 'financial' }));
    assert.equal(modules.result, 'warn');
    assert.equal(modules.evidence.measured.evaluatedBy, 'DEPLOY_FREEZE* variables');
    const full = await run(probe({ freeze: {} }, { DEPLOY_FREEZE: 'true', DEPLOY_FREEZE_UNTIL: '2026-12-01' }));
    assert.equal(full.result, 'fail');
    assert.match(full.evidence.detail, /^frozen at 2026-11-26 20:00 GMT\+8: environment: DEPLOY_FREEZE=true, DEPLOY_FREEZE_UNTIL=2026-12-01 until 2026-12-01 00:00 GMT\+8$/);
  });
});

describe('6. Dependent services healthy', () => {
  test('HTTP and TCP targets that answer pass; a refused port, a wrong status and no answer in time fail, each named', async (t) => {
    const { url } = await httpServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      res.writeHead(req.url === '/broken' ? 500 : req.url === '/empty' ? 204 : 200);
      res.end();
    });
    const tcp = createTcpServer((s) => s.end());
    await new Promise<void>((ok) => tcp.listen(0, '127.0.0.1', ok));
    t.after(() => tcp.close());
    const tcpPort = (tcp.address() as { port: number }).port;
    const closed = await freePort();

    const healthy = await run(
      probe({
        dependencies: {
          targets: [
            { name: 'payments', http: `${url}/health` },
            { name: 'mailer', http: `${url}/empty`, expectStatus: 204 },
            { name: 'db', tcp: `127.0.0.1:${tcpPort}` },
          ],
        },
      }),
    );
    assert.equal(healthy.result, 'pass', healthy.evidence.detail);
    assert.deepEqual(healthy.evidence.measured, { checked: 3, down: 0, payments: 'ok', mailer: 'ok', db: 'ok' });

    const failing = await run(
      probe({
        dependencies: {
          targets: [
            { name: 'payments', http: `${url}/broken` },
            { name: 'queue', tcp: `127.0.0.1:${closed}` },
            { name: 'search', http: `${url}/hang`, timeoutSeconds: 1 },
            { name: 'db', tcp: `127.0.0.1:${tcpPort}` },
          ],
        },
      }),
    );
    assert.equal(failing.result, 'fail');
    assert.deepEqual(failing.evidence.measured, { checked: 4, down: 3, payments: 'down', queue: 'down', search: 'down', db: 'ok' });
    assert.match(failing.evidence.detail, /^3 of 4 down: /);
    assert.match(failing.evidence.detail, /payments \(.*\/broken\) answered 500, expected 2xx/);
    assert.match(failing.evidence.detail, new RegExp(`queue \\(tcp 127\\.0\\.0\\.1:${closed}\\) connection refused`));
    assert.match(failing.evidence.detail, /search \(.*\/hang did not answer within 1 s\)/);
  });
});

describe('7. Host headroom', () => {
  test('by default, this machine: df and /proc/meminfo, the same numbers the kernel gives', async () => {
    const result = await run(probe({ headroom: { minDiskFreePercent: 0, maxMemoryUsedPercent: 100 } }));
    assert.equal(result.result, 'pass', result.evidence.detail);
    const fs = statfsSync('/');
    const disk = (fs.bavail / fs.blocks) * 100;
    assert.ok(Math.abs((result.evidence.measured.diskFreePercent as number) - disk) < 1, `df says ${result.evidence.measured.diskFreePercent}%, statfs ${disk}%`);
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(meminfo)![1]);
    const used = (1 - kb('MemAvailable') / kb('MemTotal')) * 100;
    assert.ok(Math.abs((result.evidence.measured.memoryUsedPercent as number) - used) < 5, `probe ${result.evidence.measured.memoryUsedPercent}%, now ${used}%`);
    assert.match(result.evidence.detail, /^disk [\d.]+% free, memory [\d.]+% used \(this host \(df -Pk \/, \/proc\/meminfo\); disk \/: .* available of .*; memory: .* used of .*\)$/);

    const impossible = await run(probe({ headroom: { minDiskFreePercent: 100 } }));
    assert.equal(impossible.result, 'fail');
    assert.match(impossible.evidence.detail, /^not enough headroom: disk [\d.]+% free \(needs more than 100%\)/);
  });

  test('a command of its own (say over ssh) may print the two numbers; a failing one says why', async () => {
    const ok = await run(probe({ headroom: { command: ['sh', '-c', 'echo disk_free_percent=35; echo memory_used_percent=85'] } }));
    assert.equal(ok.result, 'fail');
    assert.match(ok.evidence.detail, /memory 85% used \(needs less than 80%\)/);
    assert.deepEqual([ok.evidence.measured.diskFreePercent, ok.evidence.measured.memoryUsedPercent], [35, 85]);
    const broken = await run(probe({ headroom: { command: ['sh', '-c', 'echo "ssh: connect to host web-1 port 22: No route to host" >&2; exit 255'] } }));
    assert.equal(broken.result, 'fail');
    assert.match(broken.evidence.detail, /the host command failed: .* exited 255 in [\d.]+ s: ssh: connect to host web-1 port 22: No route to host/);
  });

  describe('from Prometheus node metrics', () => {
    let prom: TestPrometheus;
    let exporter: string;
    const host = { avail: 30e9, memAvailable: 2e9 };
    before(async () => {
      const { url } = await httpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(
          [
            '# TYPE node_filesystem_avail_bytes gauge',
            `node_filesystem_avail_bytes{device="/dev/vda1",fstype="ext4",mountpoint="/"} ${host.avail}`,
            'node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1e8',
            '# TYPE node_filesystem_size_bytes gauge',
            'node_filesystem_size_bytes{device="/dev/vda1",fstype="ext4",mountpoint="/"} 1e11',
            'node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1e9',
            '# TYPE node_memory_MemAvailable_bytes gauge',
            `node_memory_MemAvailable_bytes ${host.memAvailable}`,
            '# TYPE node_memory_MemTotal_bytes gauge',
            'node_memory_MemTotal_bytes 8e9',
            '',
          ].join('\n'),
        );
      });
      exporter = new URL(url).host;
      prom = await startPrometheus({ scrapeTargets: [exporter] });
    });
    after(() => prom?.stop());

    const headroom = (over: Record<string, string> = {}) => probe({ headroom: { prometheus: { url: prom.url, instance: exporter, ...over }, timeoutSeconds: 5 } });

    test('PromQL on node_filesystem_avail_bytes and node_memory_MemAvailable_bytes: pass, then fail when the disk fills', async () => {
      const first = await eventually('a scrape', async () => {
        const r = await run(headroom());
        return r.evidence.measured.diskFreePercent !== null ? r : null;
      });
      assert.equal(first.result, 'pass', first.evidence.detail);
      assert.deepEqual([first.evidence.measured.diskFreePercent, first.evidence.measured.memoryUsedPercent], [30, 75]);
      assert.match(first.evidence.detail, new RegExp(`^disk 30% free, memory 75% used \\(Prometheus at ${prom.url}\\)$`));

      host.avail = 15e9;
      const full = await eventually('the next scrape', async () => {
        const r = await run(headroom());
        return r.evidence.measured.diskFreePercent === 15 ? r : null;
      });
      assert.equal(full.result, 'fail');
      assert.match(full.evidence.detail, /not enough headroom: disk 15% free \(needs more than 20%\)/);
    });

    test('invalid PromQL, an instance with no metrics, and Prometheus down: each explained in the evidence', async () => {
      const invalid = await run(headroom({ diskQuery: 'node_filesystem_avail_bytes{' }));
      assert.equal(invalid.result, 'fail');
      assert.match(invalid.evidence.detail, /Prometheus refused the query node_filesystem_avail_bytes\{: bad_data: .*parse error/);
      const unknown = await run(headroom({ instance: 'web-9:9100' }));
      assert.equal(unknown.result, 'fail');
      assert.match(unknown.evidence.detail, /the disk query returned no series .* is node exporter scraped for instance web-9:9100\?/);
      const port = await freePort();
      const down = await run(probe({ headroom: { prometheus: { url: `http://127.0.0.1:${port}` } } }));
      assert.equal(down.result, 'fail');
      assert.match(down.evidence.detail, new RegExp(`did not give free disk or memory use: http://127\\.0\\.0\\.1:${port}: connection refused`));
    });
  });
});
