/**
 * `tonic analyze` and the analysis in `tonic bugs show`, run as child processes against the real
 * server, with a real git repository and a stand-in OpenAI-compatible model on loopback. The API
 * is dialect-independent, so SQLite is enough here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_NEVER_SEND } from '../../src/config/config-schema.ts';
import { createTestRepo, type TestRepo } from '../support/git-repo.ts';
import { CANNED_ANSWER, startOpenAiStandIn, type OpenAiStandIn } from '../support/openai-stand-in.ts';
import { ADMIN_TOKEN, createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { runTonic } from './run-tonic.ts';

const LIMIT = { timeout: 180_000 };
const KEY = 'sk-test-0123456789abcdef';

describe('tonic analyze', () => {
  let t: TestTonic;
  let server: TestServer;
  let repo: TestRepo;
  let model: OpenAiStandIn;
  let bugId: number;
  const tonic = (...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });

  before(async () => {
    repo = await createTestRepo();
    const main = await repo.commit('app', { 'app.txt': 'a\nb\nc\n' });
    await repo.git('checkout', '-q', '-b', 'fix/cli', main);
    const fix = await repo.commit('fix: b is upper-case', { 'app.txt': 'a\nB\nc\n', '.env.local': 'TOKEN=abc123abc123\n' });
    await repo.git('checkout', '-q', 'main');
    model = await startOpenAiStandIn({ apiKey: KEY });
    const analyzer = { provider: 'openai-compatible' as const, baseUrl: model.url, model: 'gpt-test', apiKey: KEY, apiVersion: null, timeoutMs: 5000, maxInputChars: 40_000, neverSend: [...DEFAULT_NEVER_SEND], responseFormat: 'json_object' as const };
    t = await createTestTonic({ dialect: 'sqlite', systems: [testSystem({ repositoryPath: repo.path, analyzer })] });
    await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: main });
    await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: main });
    server = await startTestServer(t);
    const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', { title: 'b is lower-case', description: '', severity: 'low', foundInEnv: 'uat' });
    bugId = bug.id;
    await t.tonic.bugs.attachFix(t.actors.developer, 'shop', bugId, { commit: fix });
  });
  after(async () => {
    await server?.close();
    await t?.close();
    await model?.close();
    repo?.remove();
  });

  test('prints the root cause, plan, risk and the steps to validate, and what was sent; a second run reuses the answer', LIMIT, async () => {
    const first = await tonic('analyze', '--bug', String(bugId));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^bug ${bugId}: analysed by gpt-test\\n`));
    assert.match(first.stdout, new RegExp(`^ {2}root cause +${CANNED_ANSWER.rootCause.replace(/[.()]/g, '\\$&')}$`, 'm'));
    assert.match(first.stdout, /^ {2}risk +low: One comparison changes; callers are unaffected\.$/m);
    assert.match(first.stdout, /^ {2}migration +no$/m);
    assert.match(first.stdout, /^validate before approving\n {2}1\. +UAT +Apply the code "save10" in lower case at checkout and see the discount\n {2}2\. +UAT +Apply an expired code/m);
    assert.match(first.stdout, /^sent\n {2}to +http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\n {2}answer +HTTP 200\n {2}redacted +0 secret\(s\)\n {2}withheld +\.env\.local\n/m);
    assert.equal(model.requests.length, 1);

    const again = await tonic('analyze', '--bug', String(bugId));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /analysed by gpt-test \(the answer for these commits, reused: no call was made; --refresh asks again\)/);
    assert.doesNotMatch(again.stdout, /^sent$/m);
    assert.equal(model.requests.length, 1);

    const shown = await tonic('bugs', 'show', String(bugId));
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^analysis\n {2}by +gpt-test\n/m);
    assert.match(shown.stdout, /^validate before approving\n {2}1\. +UAT +Apply the code/m);
  });

  test('a model that fails: the built-in analysis is recorded, the reason printed, exit 1', LIMIT, async () => {
    model.reply(() => ({ status: 500, json: { error: { message: 'upstream model crashed', type: 'server_error' } } }));
    try {
      const failed = await tonic('analyze', '--bug', String(bugId), '--refresh');
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stdout, new RegExp(`^bug ${bugId}: the built-in analysis was recorded; the language model was not used: http://127\\.0\\.0\\.1:\\d+/v1/chat/completions answered HTTP 500: "upstream model crashed"\\n`));
      assert.match(failed.stdout, /^ {2}by +the built-in analysis$/m);
      assert.match(failed.stdout, /^validate before approving\n {2}1\. +UAT +Do what the report describes \("b is lower-case"\)/m);
      assert.match(failed.stdout, /^ {2}answer +HTTP 500$/m);
    } finally {
      model.reply(null);
    }
  });

  test('wrong usage and a role that may not analyse', LIMIT, async () => {
    const usage = await tonic('analyze');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^error: --bug is required\nusage: tonic analyze --bug ID/);
    const dev = await t.tonic.identity.createToken(t.actors.admin, 'developer', 'cli');
    const refused = await runTonic(['analyze', '--bug', String(bugId)], { TONIC_URL: server.url, TONIC_TOKEN: dev.token });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /analysing a bug's fix on demand needs manager or admin or cto \(forbidden, HTTP 403\)/);
  });
});
