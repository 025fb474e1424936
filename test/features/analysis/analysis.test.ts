/**
 * The language-model analysis in real T1 runs: a real git repository whose fix carries secrets,
 * real UAT/PROD deploys, the real HTTP API, and a stand-in OpenAI-compatible server on loopback
 * that records what it receives. On every dialect.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { AnalyzerConfig } from '../../../src/config/load-config.ts';
import { DEFAULT_NEVER_SEND } from '../../../src/config/config-schema.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { CANNED_ANSWER, startOpenAiStandIn, type OpenAiStandIn } from '../../support/openai-stand-in.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../../support/test-tonic.ts';

const KEY = 'sk-test-0123456789abcdef';
const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DB_PASSWORD = 'billing-Pa55w0rd-42';
const ENV_SECRET = 'env-only-secret-9f8e7d';
const PEM_LINE = 'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfnygWyF0qQ6WmZ3qE4L2hTz9Ck1pYQz8yNnPx0aW2eJt7y';
const CERT_LINE = 'MIIC0zCCAbugAwIBAgIJAKZcertificatebody';
/** What must never reach the model. */
const SECRETS = [AWS_KEY_ID, AWS_SECRET, DB_PASSWORD, ENV_SECRET, PEM_LINE, CERT_LINE];

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; model: OpenAiStandIn; server: TestServer | null; base: string };

function modelConfig(url: string, overrides: Partial<Extract<AnalyzerConfig, { provider: 'openai-compatible' }>> = {}): AnalyzerConfig {
  return { provider: 'openai-compatible', baseUrl: url, model: 'gpt-test', apiKey: KEY, apiVersion: null, timeoutMs: 5000, maxInputChars: 40_000, neverSend: [...DEFAULT_NEVER_SEND], responseFormat: 'json_object', ...overrides };
}

for (const dialect of DIALECTS) {
  describe(`AI analysis at T1 on ${dialect}`, () => {
    const worlds: World[] = [];
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        await w.server?.close();
        await w.t.close();
        await w.envs.close();
        await w.model.close();
        w.repo.remove();
      }
    });

    /** PROD and UAT on v1.0.0 (or UAT ahead on develop's v1.1.0); the system's analyzer is the stand-in. */
    async function world(options: { analyzer?: (url: string) => AnalyzerConfig; uatAhead?: boolean } = {}): Promise<World> {
      const repo = await createTestRepo();
      const model = await startOpenAiStandIn({ apiKey: KEY, models: ['gpt-test'] });
      const envs = await startTestEnvironments();
      const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
      await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
      await repo.git('checkout', '-q', '-b', 'develop');
      const ahead = await repo.commit('feature for 1.1.0', { 'feature.txt': 'new feature\n' });
      await repo.git('tag', '-a', 'v1.1.0', '-m', 'v1.1.0');
      await repo.git('checkout', '-q', 'main');
      const t = await createTestTonic({
        dialect,
        now: '2026-11-26T04:00:00Z',
        systems: [testSystem({ repositoryPath: repo.path, environments: envs.config, analyzer: (options.analyzer ?? modelConfig)(model.url) })],
      });
      const w: World = { t, repo, envs, model, server: null, base };
      worlds.push(w);
      await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
      await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', options.uatAhead ? { version: 'v1.1.0', commit: ahead } : { version: 'v1.0.0', commit: base });
      return w;
    }

    /**
     * A fix on its own branch off main: one line of app.txt, plus (with secrets) a config file with
     * an AWS key pair and a database URL, a PEM private key, a certificate and an .env file.
     */
    async function fixCommit(w: World, name: string, line: number, options: { secrets?: boolean } = {}): Promise<string> {
      await w.repo.git('checkout', '-q', '-b', name, w.base);
      const lines = APP.split('\n');
      lines[line - 1] = `line ${line} fixed`;
      const files: Record<string, string> = { 'app.txt': lines.join('\n') };
      if (options.secrets) {
        files['config/settings.js'] = [
          `export const accessKeyId = '${AWS_KEY_ID}';`,
          `export const awsSecretAccessKey = '${AWS_SECRET}';`,
          `export const databaseUrl = 'postgres://billing:${DB_PASSWORD}@db.internal:5432/billing';`,
          '',
        ].join('\n');
        files['certs/server.key'] = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_LINE}\n-----END RSA PRIVATE KEY-----\n`;
        files['deploy/tls.pem'] = `-----BEGIN CERTIFICATE-----\n${CERT_LINE}\n-----END CERTIFICATE-----\n`;
        files['.env'] = `DB_PASSWORD=${ENV_SECRET}\n`;
      }
      const sha = await w.repo.commit(`fix: ${name}`, files);
      await w.repo.git('checkout', '-q', 'main');
      return sha;
    }

    async function reportConfirmed(w: World, title: string, fix: string) {
      const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'Enter save10 at checkout: no discount.', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
      await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: fix });
      return w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
    }

    const runT1 = async (w: World, at: string) => {
      w.t.clock.set(at);
      return w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
    };
    const bugOf = (w: World, id: number) => w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', id);
    const attemptsOf = (w: World, id: number) => w.t.tonic.analysis.attempts(w.t.actors.admin, 'shop', id, { limit: 20 });

    test("T1 records the model's root cause, plan and validation steps; no secret leaves; an admin sees exactly what was sent", async () => {
      const w = await world();
      const fix = await fixCommit(w, 'fix/discount', 3, { secrets: true });
      const bug = await reportConfirmed(w, 'Discount codes ignored', fix);
      const run = await runT1(w, '2026-11-26T12:00:00Z');
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report));

      const shown = await bugOf(w, bug.id);
      assert.equal(shown.status, 'deployed_uat');
      assert.equal(shown.analysis?.source, 'model');
      assert.equal(shown.analysis?.model, 'gpt-test');
      assert.equal(shown.analysis?.rootCause, CANNED_ANSWER.rootCause);
      assert.equal(shown.analysis?.fixPlan, CANNED_ANSWER.fixPlan);
      assert.equal(shown.analysis?.fallback, null);
      assert.deepEqual(shown.validationSteps, CANNED_ANSWER.validationSteps);
      assert.deepEqual(shown.analysis?.files, ['.env', 'app.txt', 'certs/server.key', 'config/settings.js', 'deploy/tls.pem'], 'the facts come from git');
      assert.match(shown.aiFixDiff ?? '', /line 3 fixed/);

      // The request: one call, the configured model, the key as a Bearer token, the fix's own diff, no secret.
      assert.equal(w.model.requests.length, 1);
      const [request] = w.model.requests;
      assert.equal(request!.headers.authorization, `Bearer ${KEY}`);
      assert.equal(request!.body.model, 'gpt-test');
      assert.deepEqual(request!.body.response_format, { type: 'json_object' });
      assert.deepEqual(
        request!.body.messages.map((m: { role: string }) => m.role),
        ['system', 'user'],
      );
      const user = JSON.parse(request!.body.messages[1].content);
      assert.equal(user.bug.title, 'Discount codes ignored');
      assert.equal(user.bug.validateIn, 'uat');
      assert.match(user.diff, /\+line 3 fixed/);
      assert.match(user.diff, /postgres:\/\/billing:\[REDACTED:connection-string-password\]@db\.internal/);
      for (const secret of SECRETS) assert.ok(!request!.text.includes(secret), `${secret} was sent`);

      // The record: exactly that body, what was taken out, what was withheld.
      const [attempt, ...older] = await attemptsOf(w, bug.id);
      assert.deepEqual(older, []);
      assert.equal(attempt!.outcome, 'answered');
      assert.equal(attempt!.trigger, 't1');
      assert.equal(attempt!.runId, run.id);
      assert.equal(attempt!.endpoint, `${w.model.url}/chat/completions`);
      assert.deepEqual(attempt!.sent, JSON.parse(request!.text));
      assert.deepEqual(attempt!.withheld.map((x) => x.file).sort(), ['.env', 'deploy/tls.pem']);
      assert.deepEqual([...new Set(attempt!.redactions.map((r) => r.kind))].sort(), ['aws-access-key', 'aws-secret-key', 'connection-string-password', 'private-key']);
      assert.ok(!JSON.stringify(attempt).includes(AWS_SECRET), 'the record holds no secret either');
      await assert.rejects(w.t.tonic.analysis.attempts(w.t.actors.manager, 'shop', bug.id, { limit: 5 }), { code: 'forbidden' });

      // Over HTTP: the bug carries its validation steps for the approver; the record is the admin's.
      w.server = await startTestServer(w.t);
      const viewed = await w.server.request('viewer', 'GET', `/api/v1/systems/shop/bugs/${bug.id}`);
      assert.equal(viewed.status, 200);
      assert.deepEqual(viewed.body.validationSteps, CANNED_ANSWER.validationSteps);
      assert.equal(viewed.body.analysis.rootCause, CANNED_ANSWER.rootCause);
      const listed = await w.server.request('viewer', 'GET', '/api/v1/systems/shop/bugs');
      assert.equal(listed.body.items[0].validationSteps, undefined, 'lists stay short');
      assert.equal((await w.server.request('manager', 'GET', `/api/v1/systems/shop/bugs/${bug.id}/analysis`)).status, 403);
      const record = await w.server.request('admin', 'GET', `/api/v1/systems/shop/bugs/${bug.id}/analysis`);
      assert.equal(record.status, 200);
      assert.deepEqual(record.body.items[0].sent, JSON.parse(request!.text));
      assert.equal(record.body.items[0].redactions.length, attempt!.redactions.length);

      // The message asking people to validate UAT carries the checks, beside its approve button.
      const messages = await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 100 });
      const deployed = messages.find((m) => m.event === 't1.flow1.deployed_uat');
      assert.deepEqual((deployed?.payload.bugs as { id: number; validationSteps: unknown }[]).map((b) => [b.id, b.validationSteps]), [[bug.id, CANNED_ANSWER.validationSteps]]);

      const audit = await w.t.tonic.audit.list(w.t.tonic.db, { stream: 'shop', limit: 200 });
      assert.ok(audit.some((e: { action: string }) => e.action === 'analysis.sent'));
      assert.equal((await w.t.tonic.audit.verify(w.t.tonic.db)).ok, true);
    });

    test('an answer is reused for the same commits: the second T1 makes no call; on demand reuses it, refresh calls again', async () => {
      const w = await world();
      const bug = await reportConfirmed(w, 'Discount codes ignored', await fixCommit(w, 'fix/discount', 3));
      w.envs.failNext('uat');
      const failed = await runT1(w, '2026-11-26T12:00:00Z');
      assert.equal(failed.status, 'failed');
      assert.equal((await bugOf(w, bug.id)).status, 'planned');
      assert.equal(w.model.requests.length, 1);
      w.envs.failNext('uat', false);

      const again = await runT1(w, '2026-11-26T12:30:00Z');
      assert.equal(again.status, 'succeeded', JSON.stringify(again.report));
      const shown = await bugOf(w, bug.id);
      assert.equal(shown.status, 'deployed_uat');
      assert.equal(shown.analysis?.source, 'model');
      assert.equal(shown.analysis?.analysedAt, '2026-11-26T12:00:00.000Z', 'the first answer, reused');
      assert.equal(w.model.requests.length, 1, 'no second call for the same commits');
      assert.equal((await attemptsOf(w, bug.id)).length, 1);

      w.server = await startTestServer(w.t);
      const path = `/api/v1/systems/shop/bugs/${bug.id}/analyze`;
      assert.equal((await w.server.request('developer', 'POST', path, {})).status, 403);
      const reused = await w.server.request('manager', 'POST', path, {});
      assert.equal(reused.status, 200, JSON.stringify(reused.body));
      assert.equal(reused.body.cached, true);
      assert.equal(reused.body.analysis.rootCause, CANNED_ANSWER.rootCause);
      assert.equal(w.model.requests.length, 1);

      w.model.reply(() => ({ content: JSON.stringify({ ...CANNED_ANSWER, rootCause: 'A second look: the lookup lower-cases the table, not the input.' }) }));
      w.t.clock.set('2026-11-26T13:00:00Z');
      const fresh = await w.server.request('admin', 'POST', path, { refresh: true });
      assert.equal(fresh.status, 200);
      assert.equal(fresh.body.cached, false);
      assert.equal(fresh.body.attempt.outcome, 'answered');
      assert.equal(w.model.requests.length, 2);
      const updated = await bugOf(w, bug.id);
      assert.equal(updated.analysis?.rootCause, 'A second look: the lookup lower-cases the table, not the input.');
      assert.equal(updated.status, 'deployed_uat', 'an analysis does not move the bug');
      const note = updated.history.at(-1)!;
      assert.deepEqual([note.action, note.actor, note.reason], ['analysis', 'admin', 'analysed by gpt-test']);
      const attempts = await attemptsOf(w, bug.id);
      assert.deepEqual(
        attempts.map((a) => [a.trigger, a.actor]),
        [
          ['on_demand', 'admin'],
          ['t1', 'tonic'],
        ],
      );
    });

    test('a refused key: T1 goes on with the built-in analysis and says why; the next bug is not sent to the failing endpoint', async () => {
      const w = await world({ analyzer: (url) => modelConfig(url, { apiKey: 'sk-revoked-key' }) });
      const first = await reportConfirmed(w, 'First bug', await fixCommit(w, 'fix/first', 2));
      const second = await reportConfirmed(w, 'Second bug', await fixCommit(w, 'fix/second', 8));
      const run = await runT1(w, '2026-11-26T12:00:00Z');
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report));
      assert.equal(w.model.requests.length, 1, 'one refused call, not one per bug');

      for (const id of [first.id, second.id]) {
        const shown = await bugOf(w, id);
        assert.equal(shown.status, 'deployed_uat', 'the model never blocks the pipeline');
        assert.equal(shown.analysis?.source, 'builtin');
        assert.deepEqual(shown.analysis?.files, ['app.txt']);
        assert.equal(shown.validationSteps[0]?.env, 'uat');
      }
      const one = await bugOf(w, first.id);
      assert.match(String(one.analysis?.fallback), /^the language model was not used: .*refused the API key \(HTTP 401\): "Incorrect API key provided: sk-r\*\*\*.*check analyzer\.apiKey/);
      const [refused] = await attemptsOf(w, first.id);
      assert.deepEqual([refused!.outcome, refused!.failure, refused!.httpStatus], ['fallback', 'key_refused', 401]);
      assert.match(refused!.providerAnswer ?? '', /invalid_api_key/);
      assert.notEqual(refused!.sent, null, 'it was sent, so it is recorded');
      const [skipped] = await attemptsOf(w, second.id);
      assert.deepEqual([skipped!.failure, skipped!.sent], ['not_called', null]);
      assert.match(skipped!.message ?? '', new RegExp(`^not called: the endpoint failed for bug #${first.id} earlier in this run`));
    });

    test('Flow 2: a slow model times out, then an answer that is not JSON; each run goes on with the built-in analysis, validated in PROD', async () => {
      const w = await world({ uatAhead: true, analyzer: (url) => modelConfig(url, { timeoutMs: 400 }) });
      const slow = await reportConfirmed(w, 'Rounding error', await fixCommit(w, 'fix/rounding', 5));
      assert.equal(slow.fixFlow, 'flow2');
      w.model.reply(() => ({ content: JSON.stringify(CANNED_ANSWER), delayMs: 10_000 }));
      const run = await runT1(w, '2026-11-26T12:00:00Z');
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report));
      const timedOut = await bugOf(w, slow.id);
      assert.equal(timedOut.status, 'pending_prod');
      assert.equal(timedOut.analysis?.source, 'builtin');
      assert.match(String(timedOut.analysis?.fallback), /gpt-test at .* gave no answer within 400 ms/);
      assert.deepEqual([...new Set(timedOut.validationSteps.map((s) => s.env))], ['prod']);
      assert.equal((await attemptsOf(w, slow.id))[0]!.failure, 'timeout');

      const prose = await reportConfirmed(w, 'Tax label wrong', await fixCommit(w, 'fix/tax', 6));
      w.model.reply(() => ({ content: 'The root cause is probably the tax table. I would check it.' }));
      const second = await runT1(w, '2026-11-27T12:00:00Z');
      assert.equal(second.status, 'succeeded', JSON.stringify(second.report));
      const invalid = await bugOf(w, prose.id);
      assert.equal(invalid.status, 'pending_prod');
      assert.match(String(invalid.analysis?.fallback), /gpt-test answered, but the answer is not JSON/);
      const [attempt] = await attemptsOf(w, prose.id);
      assert.equal(attempt!.failure, 'invalid_output');
      assert.match(attempt!.providerAnswer ?? '', /probably the tax table/);
    });

    test('on demand: a model the endpoint does not know is recorded with its answer; a bug without a fix is refused', async () => {
      const w = await world({ analyzer: (url) => modelConfig(url, { model: 'gpt-missing' }) });
      const bug = await reportConfirmed(w, 'Discount codes ignored', await fixCommit(w, 'fix/discount', 3));
      const result = await w.t.tonic.analysis.analyzeNow(w.t.actors.manager, 'shop', bug.id);
      assert.equal(result.cached, false);
      assert.equal(result.analysis.source, 'builtin');
      assert.equal(result.attempt?.failure, 'unknown_model');
      assert.match(result.attempt?.message ?? '', /does not know the model "gpt-missing" \(HTTP 404\): "The model `gpt-missing` does not exist/);
      assert.equal((await bugOf(w, bug.id)).status, 'confirmed');
      assert.equal((await bugOf(w, bug.id)).analysis?.fallback, result.analysis.fallback);

      const bare = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title: 'No fix yet', description: '', severity: 'low', foundInEnv: 'uat' });
      await assert.rejects(w.t.tonic.analysis.analyzeNow(w.t.actors.manager, 'shop', bare.id), { code: 'fix_missing', message: /bug \d+ has no fix attached: attach one/ });
      await assert.rejects(w.t.tonic.analysis.analyzeNow(w.t.actors.developer, 'shop', bug.id), { code: 'forbidden' });
    });
  });
}
