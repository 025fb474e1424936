/**
 * The chat-completions client against a stand-in OpenAI-compatible server on loopback: the
 * request it sends, and what each kind of answer (or none) becomes.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { chatBody, postChatCompletion, type ChatEndpoint, type ChatMessage } from '../../../src/adapters/analyze/chat-completions.ts';
import { wireSchema } from '../../../src/features/analysis/analysis-rules.ts';
import { freePort } from '../../support/processes.ts';
import { CANNED_ANSWER, startOpenAiStandIn, type OpenAiStandIn } from '../../support/openai-stand-in.ts';

const KEY = 'sk-test-0123456789abcdef';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'answer in JSON' },
  { role: 'user', content: '{"bug":{"title":"x"}}' },
];
const SCHEMA = { name: 'bug_analysis', schema: wireSchema() };

describe('the chat-completions client', () => {
  let standIn: OpenAiStandIn;
  let endpoint: ChatEndpoint;
  const call = (overrides: Partial<ChatEndpoint> = {}) => {
    const e = { ...endpoint, ...overrides };
    return postChatCompletion(e, chatBody(e, MESSAGES, SCHEMA));
  };
  before(async () => {
    standIn = await startOpenAiStandIn({ apiKey: KEY, models: ['gpt-test'] });
  });
  beforeEach(() => {
    standIn.reply(null);
    standIn.requests.length = 0;
    endpoint = { baseUrl: standIn.url, model: 'gpt-test', apiKey: KEY, apiVersion: null, timeoutMs: 5000, responseFormat: 'json_object' };
  });
  after(() => standIn.close());

  test('sends the model, the messages and JSON mode to {baseUrl}/chat/completions with the key as a Bearer token', async () => {
    const outcome = await call();
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.deepEqual(outcome.ok && JSON.parse(outcome.content), CANNED_ANSWER);
    const [request] = standIn.requests;
    assert.equal(standIn.requests.length, 1);
    assert.equal(request!.path, '/v1/chat/completions');
    assert.equal(request!.headers.authorization, `Bearer ${KEY}`);
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.deepEqual(request!.body, { model: 'gpt-test', messages: MESSAGES, temperature: 0, response_format: { type: 'json_object' } });
  });

  test('json_schema asks for structured output with the answer schema, without the size keywords strict modes refuse', async () => {
    await call({ responseFormat: 'json_schema' });
    const format = standIn.requests[0]!.body.response_format;
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.name, 'bug_analysis');
    assert.equal(format.json_schema.strict, true);
    assert.deepEqual(format.json_schema.schema.required, ['rootCause', 'fixPlan', 'risk', 'validationSteps', 'migrationInvolved']);
    assert.doesNotMatch(JSON.stringify(format), /minLength|maxItems/);
  });

  test('a local server without a key gets no Authorization header', async () => {
    const open = await startOpenAiStandIn({ apiKey: null, models: ['llama3.1'] });
    try {
      const outcome = await call({ baseUrl: open.url, apiKey: null, model: 'llama3.1' });
      assert.equal(outcome.ok, true);
      assert.equal(open.requests[0]!.headers.authorization, undefined);
    } finally {
      await open.close();
    }
  });

  test('Azure OpenAI: the key in the api-key header and the api-version query parameter', async () => {
    const azure = await startOpenAiStandIn({ apiKey: KEY, azureApiVersion: '2024-10-21' });
    try {
      const outcome = await call({ baseUrl: azure.url, apiVersion: '2024-10-21' });
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      const [request] = azure.requests;
      assert.equal(request!.query.get('api-version'), '2024-10-21');
      assert.equal(request!.headers['api-key'], KEY);
      assert.equal(request!.headers.authorization, undefined);
    } finally {
      await azure.close();
    }
  });

  test('a refused API key (401) says so, with the provider answer', async () => {
    const outcome = await call({ apiKey: 'sk-wrong-key' });
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.kind, 'key_refused');
    assert.equal(outcome.status, 401);
    assert.match(outcome.message, /refused the API key \(HTTP 401\): "Incorrect API key provided: sk-w\*\*\*/);
    assert.match(outcome.message, /check analyzer\.apiKey/);
    assert.match(outcome.answer ?? '', /invalid_api_key/);
  });

  test('a model the endpoint does not know (404 model_not_found) names the model', async () => {
    const outcome = await call({ model: 'gpt-nonexistent' });
    assert.equal(!outcome.ok && outcome.kind, 'unknown_model');
    assert.match(!outcome.ok ? outcome.message : '', /does not know the model "gpt-nonexistent" \(HTTP 404\).*check analyzer\.model/);
  });

  test('an endpoint that is not OpenAI-compatible: an HTML page (200) or a 404 at the path', async () => {
    standIn.reply(() => ({ status: 200, html: '<!doctype html><html><body>Welcome to nginx!</body></html>' }));
    const html = await call();
    assert.equal(!html.ok && html.kind, 'not_compatible');
    assert.match(!html.ok ? html.message : '', /answered HTTP 200 with text\/html, not JSON: it is not an OpenAI-compatible chat-completions endpoint/);
    assert.match((!html.ok && html.answer) || '', /Welcome to nginx/);

    const missing = await call({ baseUrl: standIn.url.replace(/\/v1$/, '/api') });
    assert.equal(!missing.ok && missing.kind, 'not_found');
    assert.match(!missing.ok ? missing.message : '', /no chat-completions endpoint at http:\/\/127\.0\.0\.1:\d+\/api\/chat\/completions \(HTTP 404\); check analyzer\.baseUrl/);

    standIn.reply(() => ({ status: 200, json: { result: 'ok' } }));
    const json = await call();
    assert.equal(!json.ok && json.kind, 'not_compatible');
    assert.match(!json.ok ? json.message : '', /without choices\[0\]\.message\.content/);
  });

  test('a server error and a rate limit carry the provider message', async () => {
    standIn.reply(() => ({ status: 503, json: { error: { message: 'The server is overloaded', type: 'server_error' } } }));
    const busy = await call();
    assert.equal(!busy.ok && busy.kind, 'http_error');
    assert.match(!busy.ok ? busy.message : '', /answered HTTP 503: "The server is overloaded"/);
    standIn.reply(() => ({ status: 429, json: { error: { message: 'You exceeded your current quota' } } }));
    const limited = await call();
    assert.equal(!limited.ok && limited.kind, 'rate_limited');
  });

  test('a slow answer times out', async () => {
    standIn.reply(() => ({ content: JSON.stringify(CANNED_ANSWER), delayMs: 10_000 }));
    const outcome = await call({ timeoutMs: 300 });
    assert.equal(!outcome.ok && outcome.kind, 'timeout');
    assert.match(!outcome.ok ? outcome.message : '', /gpt-test at http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions gave no answer within 300 ms/);
  });

  test('nothing listening: unreachable, with the reason', async () => {
    const outcome = await call({ baseUrl: `http://127.0.0.1:${await freePort()}/v1` });
    assert.equal(!outcome.ok && outcome.kind, 'unreachable');
    assert.match(!outcome.ok ? outcome.message : '', /cannot reach .*: ECONNREFUSED/);
  });

  test('an answer cut off by the token limit is flagged', async () => {
    standIn.reply(() => ({ content: '{"rootCause": "The disc', finishReason: 'length' }));
    const outcome = await call();
    assert.equal(outcome.ok && outcome.cutOff, true);
  });
});
