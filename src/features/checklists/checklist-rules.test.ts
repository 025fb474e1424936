import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { evaluateFreezes, NO_FREEZE_CONFIG, type FreezeFlags } from '../freezes/freeze-rules.ts';
import {
  checklistVerdict,
  judgeAlertRules,
  judgeBackup,
  judgeDependencies,
  judgeFreeze,
  judgeHeadroom,
  judgeOnCall,
  judgeRollbackPath,
  nightT1,
  onCallAt,
  parseBackupTime,
  parseHostReport,
  PROBE_MODES,
  PROBE_RESULTS,
  PROBES,
  type ChecklistItem,
  type OnCallPerson,
} from './checklist-rules.ts';

const AT = new Date('2026-11-26T12:00:00Z'); // 20:00 in Hong Kong
const HK = 'Asia/Hong_Kong';
const evidence = { measured: {}, at: AT.toISOString(), detail: 'x' };
const item = (probe: ChecklistItem['probe'], result: ChecklistItem['result'], mode: ChecklistItem['mode']): ChecklistItem => ({ probe, result, mode, evidence });

describe('the verdict of a whole checklist', () => {
  test('only a failure in block mode blocks; warnings and warn-mode failures let the deploy go on', () => {
    assert.equal(checklistVerdict([item('backup', 'pass', 'block'), item('freeze', 'pass', 'block')]).verdict, 'pass');
    assert.equal(checklistVerdict([]).verdict, 'pass');
    const warned = checklistVerdict([item('backup', 'fail', 'warn'), item('onCall', 'warn', 'block')]);
    assert.equal(warned.verdict, 'warn');
    assert.deepEqual(warned.warnings.map((i) => i.probe), ['backup', 'onCall']);
    const blocked = checklistVerdict([item('backup', 'fail', 'block'), item('headroom', 'fail', 'warn')]);
    assert.equal(blocked.verdict, 'blocked');
    assert.deepEqual(blocked.blocking.map((i) => i.probe), ['backup']);
    assert.deepEqual(blocked.warnings.map((i) => i.probe), ['headroom']);
  });

  test('property: blocked exactly when some item fails in block mode; every non-pass item is reported once', () => {
    const arb = fc.array(fc.record({ probe: fc.constantFrom(...PROBES), result: fc.constantFrom(...PROBE_RESULTS), mode: fc.constantFrom(...PROBE_MODES) }));
    fc.assert(
      fc.property(arb, (raw) => {
        const items = raw.map((r) => ({ ...r, evidence }));
        const v = checklistVerdict(items);
        assert.equal(v.verdict === 'blocked', items.some((i) => i.result === 'fail' && i.mode === 'block'));
        assert.equal(v.blocking.length + v.warnings.length, items.filter((i) => i.result !== 'pass').length);
        if (v.verdict === 'pass') assert.ok(items.every((i) => i.result === 'pass'));
      }),
    );
  });
});

describe('backup age', () => {
  test('a command may print ISO-8601 (with a zone) or epoch seconds or milliseconds; the last line counts', () => {
    assert.equal(parseBackupTime('2026-11-26T03:00:00Z')?.toISOString(), '2026-11-26T03:00:00.000Z');
    assert.equal(parseBackupTime('starting\n2026-11-26 11:00:00+08:00\n')?.toISOString(), '2026-11-26T03:00:00.000Z');
    assert.equal(parseBackupTime('1795662000')?.toISOString(), '2026-11-26T03:00:00.000Z');
    assert.equal(parseBackupTime('1795662000000')?.toISOString(), '2026-11-26T03:00:00.000Z');
    assert.equal(parseBackupTime('1795662000.25')?.toISOString(), '2026-11-26T03:00:00.250Z');
    for (const bad of ['', 'yesterday', '2026-11-26T03:00:00', '2026-13-40T03:00:00Z', 'backup ok']) assert.equal(parseBackupTime(bad), null, bad);
  });

  test('younger than the limit passes; as old as the limit fails; a missing backup fails with the reason', () => {
    const limit = 24 * 60;
    const fresh = judgeBackup({ newest: new Date('2026-11-26T02:00:00Z'), where: '/b/db.dump' }, AT, limit);
    assert.equal(fresh.result, 'pass');
    assert.equal(fresh.measured.ageMinutes, 600);
    assert.match(fresh.detail, /\/b\/db\.dump\) is 10 h old \(limit 24 h\)/);
    const old = judgeBackup({ newest: new Date('2026-11-25T12:00:00Z'), where: '/b/db.dump' }, AT, limit);
    assert.equal(old.result, 'fail');
    assert.match(old.detail, /is 24 h old; the limit is 24 h/);
    const none = judgeBackup({ newest: null, why: 'no backup file at /b/db.dump' }, AT, limit);
    assert.deepEqual([none.result, none.detail], ['fail', 'no backup file at /b/db.dump']);
  });

  test('after the backup command ran, the evidence says what was found before and what the command did', () => {
    const j = judgeBackup({ newest: new Date('2026-11-26T11:59:00Z'), where: 'f' }, AT, 1440, {
      before: { newest: new Date('2026-11-24T12:00:00Z'), where: 'f' },
      exitCode: 0,
      detail: '`backup.sh` exited 0 in 1.2 s',
    });
    assert.equal(j.result, 'pass');
    assert.equal(j.measured.ranBackupCommand, true);
    assert.match(j.detail, /^the newest backup \(f\) was 2 days old; ran the backup command \(`backup\.sh` exited 0 in 1\.2 s\); now the newest backup \(f\) is 1 min old/);
  });
});

describe('monitoring: Prometheus alerting rules', () => {
  const rules = (groups: unknown[]) => ({ status: 'success', data: { groups } });
  const alert = (name: string, health = 'ok', state = 'inactive') => ({ type: 'alerting', name, health, state });

  test('healthy alerting rules pass; recording rules alone do not count', () => {
    assert.equal(judgeAlertRules(rules([{ name: 'shop', rules: [alert('HighErrorRate'), alert('SlowP95')] }]), [], 'P').result, 'pass');
    const onlyRecording = judgeAlertRules(rules([{ name: 'rec', rules: [{ type: 'recording', name: 'x', health: 'ok' }] }]), [], 'P');
    assert.equal(onlyRecording.result, 'fail');
    assert.match(onlyRecording.detail, /no alerting rules loaded/);
  });

  test('a rule in error fails naming it; not yet evaluated or already firing warns; a required group must be there', () => {
    const broken = judgeAlertRules(rules([{ name: 'g', rules: [alert('A'), { ...alert('B', 'err'), lastError: 'many-to-many matching' }] }]), [], 'P');
    assert.equal(broken.result, 'fail');
    assert.match(broken.detail, /1 of 2 alerting rules in 1 group fail to evaluate: B \(many-to-many matching\)/);
    assert.equal(judgeAlertRules(rules([{ name: 'g', rules: [alert('A', 'unknown')] }]), [], 'P').result, 'warn');
    const firing = judgeAlertRules(rules([{ name: 'g', rules: [alert('A', 'ok', 'firing')] }]), [], 'P');
    assert.deepEqual([firing.result, firing.measured.firingAlerts], ['warn', 1]);
    const missing = judgeAlertRules(rules([{ name: 'g', rules: [alert('A')] }]), ['shop-slo'], 'P');
    assert.equal(missing.result, 'fail');
    assert.match(missing.detail, /not the required group shop-slo/);
  });

  test('an answer that is not the rules API fails and says so', () => {
    assert.match(judgeAlertRules({ hello: 1 }, [], 'P').detail, /did not answer like Prometheus's rules API/);
    assert.equal(judgeAlertRules(null, [], 'P').result, 'fail');
  });
});

describe('on call', () => {
  const person = (name: string, channels: Partial<OnCallPerson> = { telegram: '100' }): OnCallPerson => ({ name, user: name, telegram: null, email: null, slack: null, phone: null, ...channels });
  const rotation = { start: '2026-11-02', handoverAt: '09:00', everyDays: 7, people: [person('alice'), person('bob'), person('carol')] };

  test('a weekly rotation hands over at its local time; the rotation repeats', () => {
    const who = (iso: string) => onCallAt({ person: null, rotation }, new Date(iso), HK)?.person.name ?? null;
    assert.equal(who('2026-11-02T00:59:00Z'), null, 'before the first handover (09:00 HKT) nobody');
    assert.equal(who('2026-11-02T01:00:00Z'), 'alice');
    assert.equal(who('2026-11-09T00:59:59Z'), 'alice', 'until 09:00 a week later');
    assert.equal(who('2026-11-09T01:00:00Z'), 'bob');
    assert.equal(who('2026-11-16T01:00:00Z'), 'carol');
    assert.equal(who('2026-11-26T12:00:00Z'), 'alice', 'after carol, alice again');
  });

  test('across a daylight-saving change the handover stays at 09:00 local (Europe/London, 29 March 2026)', () => {
    const daily = { start: '2026-03-27', handoverAt: '09:00', everyDays: 1, people: [person('alice'), person('bob')] };
    const who = (iso: string) => onCallAt({ person: null, rotation: daily }, new Date(iso), 'Europe/London')?.person.name;
    assert.equal(who('2026-03-28T08:59:00Z'), 'alice', 'GMT: 08:59 local, still the 27th shift');
    assert.equal(who('2026-03-28T09:00:00Z'), 'bob');
    assert.equal(who('2026-03-29T07:59:00Z'), 'bob', 'BST from 01:00: 08:59 local');
    assert.equal(who('2026-03-29T08:00:00Z'), 'alice', '09:00 BST is 08:00Z');
    assert.equal(who('2026-03-30T08:00:00Z'), 'bob');
  });

  test('property: a fixed person is always the one on call', () => {
    fc.assert(fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (at) => onCallAt({ person: person('dana'), rotation: null }, at, HK)?.person.name === 'dana'));
  });

  test('T2 belongs to the night of the latest T1 before it', () => {
    assert.equal(nightT1('t2', new Date('2026-11-26T14:00:00Z'), HK, '20:00').toISOString(), '2026-11-26T12:00:00.000Z');
    assert.equal(nightT1('t2', new Date('2026-11-26T17:00:00Z'), HK, '23:30').toISOString(), '2026-11-26T15:30:00.000Z', 'T1 23:30, T2 01:00 the next day: the evening before');
  });

  const judge = (over: Partial<Parameters<typeof judgeOnCall>[0]> = {}) =>
    judgeOnCall({ onCall: { person: person('alice'), shiftStart: null }, slotAt: AT, at: AT, timeZone: HK, acknowledgeWithinMinutes: 30, t1At: AT, ack: null, ...over });

  test('somebody must be on call, with a channel', () => {
    const nobody = judge({ onCall: null });
    assert.equal(nobody.result, 'fail');
    assert.match(nobody.detail, /nobody is on call at 2026-11-26 20:00 GMT\+8/);
    const mute = judge({ onCall: { person: person('alice', { telegram: null }), shiftStart: null } });
    assert.equal(mute.result, 'fail');
    assert.match(mute.detail, /alice is on call but has no channel/);
    assert.equal(judge({ acknowledgeWithinMinutes: null }).result, 'pass');
  });

  test('the acknowledgement: given passes, missing at the deadline fails, missing before it warns', () => {
    const asked = { requestedAt: '2026-11-26T11:30:00.000Z', deadline: AT.toISOString(), person: 'alice', acknowledgedAt: null, acknowledgedBy: null };
    const acked = judge({ ack: { ...asked, acknowledgedAt: '2026-11-26T11:41:00.000Z', acknowledgedBy: 'alice' } });
    assert.equal(acked.result, 'pass');
    assert.match(acked.detail, /acknowledged the deploy at 2026-11-26 19:41 GMT\+8/);
    const late = judge({ ack: asked });
    assert.equal(late.result, 'fail');
    assert.match(late.detail, /alice \(telegram 100\) did not acknowledge the message sent at 2026-11-26 19:30 GMT\+8 by 2026-11-26 20:00 GMT\+8/);
    const waiting = judge({ ack: asked, at: new Date('2026-11-26T11:45:00Z') });
    assert.equal(waiting.result, 'warn');
    assert.match(waiting.detail, /waiting for alice/);
    const early = judge({ at: new Date('2026-11-26T06:00:00Z') });
    assert.equal(early.result, 'warn');
    assert.match(early.detail, /asked for at 2026-11-26 19:30 GMT\+8, 30 min before T1/);
    assert.equal(judge({ ack: { ...asked, person: 'bob', acknowledgedAt: asked.requestedAt } }).result, 'fail', "someone else's acknowledgement does not count");
  });
});

describe('change freeze: the verdict on what the freeze rules found', () => {
  const flags = (f: Partial<FreezeFlags>, at = AT, zone = HK) => evaluateFreezes(at, zone, { environment: { all: null, modules: [], until: null, ...f }, config: NO_FREEZE_CONFIG }, []);

  test('nothing frozen passes, naming the instant in the system zone', () => {
    const j = judgeFreeze(flags({ all: false }), AT, HK, 'the freeze rules');
    assert.equal(j.result, 'pass');
    assert.match(j.detail, /^no freeze in force at 2026-11-26 \d\d:\d\d GMT\+8$/);
  });

  test('a module freeze warns: those modules wait, the others deploy', () => {
    const j = judgeFreeze(flags({ modules: ['financial', 'payroll'] }), AT, HK, 'the freeze rules');
    assert.equal(j.result, 'warn');
    assert.match(j.detail, /^modules financial, payroll are frozen \(.*DEPLOY_FREEZE_MODULES.*\): their bugs wait, the others deploy$/);
    assert.equal(j.measured.modules, 'financial,payroll');
  });

  test('a full freeze fails with its source and when it lifts, in the system zone', () => {
    const j = judgeFreeze(flags({ all: true, until: '2026-11-27' }), AT, HK, 'the freeze rules');
    assert.equal(j.result, 'fail');
    assert.match(j.detail, /DEPLOY_FREEZE.* until 2026-11-27 00:00 GMT\+8/);
    assert.equal(j.measured.evaluatedBy, 'the freeze rules');
    assert.equal(judgeFreeze(flags({ all: true, until: '2026-11-27' }, new Date('2026-11-26T16:00:00Z')), new Date('2026-11-26T16:00:00Z'), HK, 'x').result, 'pass', 'lifted at 00:00 HKT');
  });
});

describe('rollback path', () => {
  const c = 'c'.repeat(40);
  const facts = { env: 'prod' as const, version: 'v1.0.0', commit: c, tag: 'v1.0.0', tagCommit: c, repository: 'shop' };
  test('the tag exists and points at what runs: pass', () => assert.equal(judgeRollbackPath(facts).result, 'pass'));
  test('nothing recorded, no tag, a missing tag, or a tag pointing elsewhere: fail with the reason', () => {
    assert.match(judgeRollbackPath({ ...facts, commit: null }).detail, /what PROD runs is not recorded/);
    assert.match(judgeRollbackPath({ ...facts, tag: null }).detail, /no version recorded/);
    assert.match(judgeRollbackPath({ ...facts, tagCommit: null }).detail, /the tag v1\.0\.0 does not exist in the repository/);
    assert.match(judgeRollbackPath({ ...facts, tagCommit: 'd'.repeat(40) }).detail, /points at dddddddddd, but PROD runs cccccccccc/);
    assert.match(judgeRollbackPath({ ...facts, repository: null }).detail, /no repository is configured/);
  });
});

describe('dependencies', () => {
  test('every target up passes; any down fails naming it', () => {
    const up = { name: 'payments', target: 'http://p', ok: true, detail: '(http://p) answered 200 in 3 ms', ms: 3 };
    const down = { name: 'db', target: 'db:5432', ok: false, detail: '(tcp db:5432) connection refused', ms: null };
    assert.equal(judgeDependencies([up]).result, 'pass');
    const j = judgeDependencies([up, down]);
    assert.equal(j.result, 'fail');
    assert.equal(j.detail, '1 of 2 down: db (tcp db:5432) connection refused');
    assert.deepEqual(j.measured, { checked: 2, down: 1, payments: 'ok', db: 'down' });
  });
});

describe('host headroom', () => {
  const DF = `Filesystem     1024-blocks     Used Available Capacity Mounted on
/dev/vda         100000000 70000000  25000000      74% /
`;
  const MEMINFO = `MemTotal:       16000000 kB
MemFree:          500000 kB
MemAvailable:    4000000 kB
Buffers:          100000 kB
`;
  test('df -Pk and /proc/meminfo: available over size, and 1 - MemAvailable/MemTotal', () => {
    const m = parseHostReport(DF + MEMINFO);
    assert.equal(m.diskFreePercent, 25);
    assert.equal(m.memoryUsedPercent, 75);
    assert.equal(judgeHeadroom(m, { minDiskFreePercent: 20, maxMemoryUsedPercent: 80 }, 'host').result, 'pass');
    const tight = judgeHeadroom(m, { minDiskFreePercent: 30, maxMemoryUsedPercent: 70 }, 'host');
    assert.equal(tight.result, 'fail');
    assert.match(tight.detail, /disk 25% free \(needs more than 30%\), memory 75% used \(needs less than 70%\)/);
  });

  test('explicit lines from a script of its own, and output with nothing readable', () => {
    assert.deepEqual(parseHostReport('disk_free_percent=42.5\nmemory_used_percent: 10%\n'), { diskFreePercent: 42.5, memoryUsedPercent: 10, notes: [] });
    const nothing = judgeHeadroom(parseHostReport('permission denied'), { minDiskFreePercent: 20, maxMemoryUsedPercent: 80 }, '`ssh web-1`');
    assert.equal(nothing.result, 'fail');
    assert.match(nothing.detail, /`ssh web-1` did not give free disk or memory use: nothing readable in its output/);
  });

  test('exactly at a threshold is not enough headroom (> 20 % free, < 80 % used)', () => {
    const limits = { minDiskFreePercent: 20, maxMemoryUsedPercent: 80 };
    assert.equal(judgeHeadroom({ diskFreePercent: 20, memoryUsedPercent: 10, notes: [] }, limits, 'h').result, 'fail');
    assert.equal(judgeHeadroom({ diskFreePercent: 50, memoryUsedPercent: 80, notes: [] }, limits, 'h').result, 'fail');
    assert.equal(judgeHeadroom({ diskFreePercent: 20.1, memoryUsedPercent: 79.9, notes: [] }, limits, 'h').result, 'pass');
  });
});
