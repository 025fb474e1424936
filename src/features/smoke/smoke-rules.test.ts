import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../config/load-config.ts';
import { contains, evaluate, fillCaptures, parseJsonPath, readJsonPath, type Observed, type SmokeExpect } from './smoke-rules.ts';

const expect = (e: Partial<SmokeExpect>): SmokeExpect => ({ status: null, json: [], text: null, maxLatencyMs: null, exitCode: null, ...e });
const answer = (status: number, body: unknown, ms = 12): Observed => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let json: Observed['json'] = { ok: false };
  try {
    json = { ok: true, value: JSON.parse(text) };
  } catch {
    /* text */
  }
  return { status, text, json, ms, exitCode: null, error: null };
};

describe('smoke expectations', () => {
  test('JSON paths: $, .name, [index], quoted names; anything else is refused with where it fails', () => {
    assert.deepEqual(parseJsonPath('$.items[0].id'), ['items', 0, 'id']);
    assert.deepEqual(parseJsonPath("$['a b'][\"c\"]"), ['a b', 'c']);
    assert.deepEqual(parseJsonPath('$'), []);
    assert.throws(() => parseJsonPath('items[0]'), /"items\[0\]" must start with \$/);
    assert.throws(() => parseJsonPath('$.items[x]'), /cannot be read at position 7 \("\[x\]"\)/);
    assert.deepEqual(readJsonPath({ items: [{ id: 3 }] }, '$.items[0].id'), { found: true, value: 3 });
    assert.deepEqual(readJsonPath({ items: [] }, '$.items[0].id'), { found: false });
    assert.deepEqual(readJsonPath({ a: null }, '$.a'), { found: true, value: null });
  });

  test('contains: text in a string, an element of an array (objects by their keys), keys of an object', () => {
    assert.ok(contains('hello world', 'world'));
    assert.ok(contains([{ id: 1, total: 42 }, { id: 2 }], { id: 1 }));
    assert.ok(contains([1, 2, 3], 2));
    assert.ok(contains({ user: { name: 'a', roles: ['admin'] }, ok: true }, { ok: true, user: { name: 'a' } }));
    assert.ok(!contains([{ id: 2 }], { id: 1 }));
    assert.ok(!contains(42, 4));
  });

  test('every expectation is checked; a step passes only when all hold, and says what it saw', () => {
    const e = expect({ status: [200, 201], json: [{ path: '$.orders', contains: { id: 1 } }, { path: '$.error', exists: false }], text: 'orders', maxLatencyMs: 100 });
    const ok = evaluate('http', e, answer(200, { orders: [{ id: 1 }] }));
    assert.deepEqual(
      ok.map((c) => [c.expectation, c.ok]),
      [
        ['status', true],
        ['json $.orders', true],
        ['json $.error', true],
        ['text', true],
        ['latency', true],
      ],
    );
    const bad = evaluate('http', e, answer(500, { error: 'boom' }, 250));
    assert.deepEqual(
      bad.filter((c) => !c.ok).map((c) => [c.expected, c.actual]),
      [
        ['status 200 or 201', 'status 500'],
        ['$.orders contains {"id":1}', 'nothing at $.orders'],
        ['nothing at $.error', '$.error = "boom"'],
        ['body contains "orders"', 'not found in "{\\"error\\":\\"boom\\"}"'],
        ['at most 100 ms', '250 ms'],
      ],
    );
    const notJson = evaluate('http', expect({ json: [{ path: '$.ok', equals: true }] }), answer(200, '<html>'));
    assert.match(notJson[1]!.actual, /the body is not JSON/);
  });

  test('no answer at all and command exit codes', () => {
    const refused = evaluate('http', expect({}), { status: null, text: '', json: { ok: false }, ms: 3, exitCode: null, error: 'GET http://x failed: ECONNREFUSED' });
    assert.deepEqual(refused.map((c) => [c.ok, c.actual]), [[false, 'GET http://x failed: ECONNREFUSED']]);
    const exited = evaluate('command', expect({ exitCode: 0, text: 'clean' }), { status: null, text: 'ERROR x', json: { ok: false }, ms: 5, exitCode: 2, error: null });
    assert.deepEqual(exited.map((c) => [c.expected, c.actual, c.ok]), [
      ['exit code 0', 'exit code 2', false],
      ['output contains "clean"', 'not found in "ERROR x"', false],
    ]);
  });

  test('captured values fill {{name}}; a value no step captured is named', () => {
    assert.equal(fillCaptures('Bearer {{ token }}', new Map([['token', 'abc']])), 'Bearer abc');
    assert.throws(() => fillCaptures('/orders/{{id}}', new Map()), /\{\{id\}\} has no value: no earlier step captured it/);
  });
});

describe('smoke configuration: a malformed step is a load error naming its key path', () => {
  const yaml = (steps: string, extra = '') =>
    [
      'systems:',
      '  - name: shop',
      '    timeZone: Asia/Hong_Kong',
      '    schedule: { t1: "20:00", t2: "22:00" }',
      '    environments:',
      '      uat: { url: "https://uat.shop.example", line: develop }',
      '      prod: { url: "https://shop.example", line: main }',
      '    smoke:',
      extra,
      '      steps:',
      steps,
    ].join('\n');
  const problems = (text: string) => {
    try {
      parseConfig(text, 'tonic.config.yaml', {});
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.problems;
    }
    assert.fail('the file was accepted');
  };

  test('a valid list normalises per environment: the base URL, {env}, the defaults', () => {
    const text = yaml(
      [
        '        - name: login',
        '          request: { method: POST, path: /api/login, json: { user: admin } }',
        '          capture: { token: "$.token" }',
        '        - name: orders',
        '          request: { path: "/api/orders", headers: { Authorization: "Bearer {{token}}" } }',
        '          expect: { status: [200, 204], json: [{ path: "$.orders[0].id", equals: 1 }] }',
        '        - name: logs',
        '          command: "./check-logs.sh {env}"',
      ].join('\n'),
      '      baseUrl: "https://{env}.api.shop.example"',
    );
    const smoke = parseConfig(text, 'tonic.config.yaml', {}).systems[0]!.smoke!;
    assert.equal(smoke.onFailure, 'rollback');
    assert.equal(smoke.environments.uat.baseUrl, 'https://uat.api.shop.example');
    assert.equal(smoke.environments.prod.baseUrl, 'https://prod.api.shop.example');
    const [login, orders, logs] = smoke.environments.prod.steps;
    assert.deepEqual([login?.kind, orders?.kind, logs?.kind], ['http', 'http', 'command']);
    assert.deepEqual(orders?.kind === 'http' && orders.expect.status, [200, 204]);
    assert.deepEqual(logs?.kind === 'command' && logs.command, ['./check-logs.sh', '{env}']);
  });

  test('each malformed expectation names its key path and what to do', () => {
    const found = problems(
      yaml([
        '        - name: login',
        '          request: { path: /api/login }',
        '          expect: { status: 999, json: [{ path: "items[0]", equals: 1 }, { path: "$.a", equals: 1, contains: 2 }, { path: "$.b" }], exitCode: 0 }',
        '        - name: orders',
        '          request: { path: "/api/orders/{{orderId}}" }',
        '          expect: { statsu: 200 }',
        '        - name: logs',
        '          command: ./check-logs.sh',
        '          expect: { status: 200 }',
        '        - name: nothing',
        '          expect: { text: hi }',
      ].join('\n')),
    );
    const expected = [
      'systems[0].smoke.steps[0].expect.status: ',
      'systems[0].smoke.steps[0].expect.json[0].path: "items[0]" must start with $ (for example $.items[0].id)',
      'systems[0].smoke.steps[0].expect.json[1]: give exactly one of equals, contains or exists (got equals and contains)',
      'systems[0].smoke.steps[0].expect.json[2]: give exactly one of equals, contains or exists',
      'systems[0].smoke.steps[0].expect.exitCode: an HTTP step has no exit code; expect status instead',
      'systems[0].smoke.steps[1]: uses {{orderId}} but no earlier step captures "orderId"',
      'systems[0].smoke.steps[1].expect.statsu: unknown key',
      'systems[0].smoke.steps[2].expect.status: a command step has no HTTP status to check; expect exitCode or text',
      'systems[0].smoke.steps[3]: give either request (an HTTP step) or command (a program to run), not neither',
    ];
    for (const e of expected) assert.ok(found.some((p) => p.startsWith(e)), `missing "${e}" in:\n${found.join('\n')}`);
  });
});
