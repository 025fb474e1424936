/**
 * One call to an OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM,
 * LM Studio): `POST {baseUrl}/chat/completions` with a JSON body, the key as a Bearer token (Azure:
 * the api-key header and ?api-version=), a timeout. Every way it can go wrong becomes an outcome
 * with a message for people and the provider's own answer; nothing is thrown.
 */

export type ChatEndpoint = {
  baseUrl: string;
  model: string;
  apiKey: string | null;
  apiVersion: string | null;
  timeoutMs: number;
  responseFormat: 'json_object' | 'json_schema';
};

export type ChatMessage = { role: 'system' | 'user'; content: string };

export type ChatFailureKind = 'timeout' | 'unreachable' | 'key_refused' | 'unknown_model' | 'not_found' | 'not_compatible' | 'rate_limited' | 'http_error';

export type ChatOutcome =
  | { ok: true; status: number; content: string; answer: string; /** finish_reason "length": the model was cut off. */ cutOff: boolean }
  | { ok: false; kind: ChatFailureKind; message: string; status: number | null; answer: string | null };

/** Characters of the provider's answer kept with an attempt. */
export const ANSWER_KEEP = 4000;

/** Where the request goes: the URL (with api-version for Azure) and its headers, the key among them. */
export function chatTarget(endpoint: ChatEndpoint): { url: string; headers: Record<string, string> } {
  const url = `${endpoint.baseUrl.replace(/\/+$/, '')}/chat/completions${endpoint.apiVersion ? `?api-version=${encodeURIComponent(endpoint.apiVersion)}` : ''}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (endpoint.apiKey) {
    if (endpoint.apiVersion) headers['api-key'] = endpoint.apiKey;
    else headers.authorization = `Bearer ${endpoint.apiKey}`;
  }
  return { url, headers };
}

/** The JSON body exactly as sent (stored with the attempt: it holds no key). */
export function chatBody(endpoint: ChatEndpoint, messages: readonly ChatMessage[], schema: { name: string; schema: Record<string, unknown> }): string {
  const responseFormat =
    endpoint.responseFormat === 'json_schema' ? { type: 'json_schema', json_schema: { name: schema.name, strict: true, schema: schema.schema } } : { type: 'json_object' };
  return JSON.stringify({ model: endpoint.model, messages, temperature: 0, response_format: responseFormat });
}

export async function postChatCompletion(endpoint: ChatEndpoint, body: string): Promise<ChatOutcome> {
  const { url, headers } = chatTarget(endpoint);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(endpoint.timeoutMs), redirect: 'error' });
    text = await response.text();
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return { ok: false, kind: 'timeout', message: `${endpoint.model} at ${url} gave no answer within ${seconds(endpoint.timeoutMs)}`, status: null, answer: null };
    }
    const why = e.cause?.code ?? e.cause?.message ?? e.message;
    return { ok: false, kind: 'unreachable', message: `cannot reach ${url}: ${why}`, status: null, answer: null };
  }
  return readAnswer(endpoint, url, response.status, response.headers.get('content-type'), text);
}

/** What an HTTP answer means, from its status, type and body. Pure. */
export function readAnswer(endpoint: Pick<ChatEndpoint, 'model'>, url: string, status: number, contentType: string | null, text: string): ChatOutcome {
  const answer = text.length > ANSWER_KEEP ? `${text.slice(0, ANSWER_KEEP)}… (${text.length - ANSWER_KEEP} more characters)` : text;
  const type = contentType?.split(';')[0]?.trim() || 'no content type';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const fail = (kind: ChatFailureKind, message: string): ChatOutcome => ({ ok: false, kind, message, status, answer });
  const providerSays = providerMessage(json);
  const said = providerSays ? `: "${providerSays}"` : json === undefined ? ` (${type}, not JSON)` : '';

  if (status === 401 || status === 403) {
    return fail('key_refused', `${url} refused the API key (HTTP ${status})${said}; check analyzer.apiKey and that the key may use ${endpoint.model}`);
  }
  if (status === 404 || (status === 400 && isModelError(json))) {
    if (json !== undefined && isModelError(json)) {
      return fail('unknown_model', `${url} does not know the model "${endpoint.model}" (HTTP ${status})${said}; check analyzer.model against the models it serves`);
    }
    return fail('not_found', `no chat-completions endpoint at ${url} (HTTP ${status}${json === undefined ? `, ${type}` : ''}); check analyzer.baseUrl (it usually ends in /v1)`);
  }
  if (status === 429) return fail('rate_limited', `${url} is rate-limiting or out of quota (HTTP 429)${said}`);
  if (status < 200 || status >= 300) return fail('http_error', `${url} answered HTTP ${status}${said}`);
  if (json === undefined) {
    return fail('not_compatible', `${url} answered HTTP ${status} with ${type}, not JSON: it is not an OpenAI-compatible chat-completions endpoint; check analyzer.baseUrl`);
  }
  const choice = (json as { choices?: { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown }[] }).choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== 'string') {
    if (typeof choice?.message?.refusal === 'string') return fail('http_error', `the model refused to answer: "${choice.message.refusal}"`);
    return fail('not_compatible', `${url} answered JSON without choices[0].message.content: not an OpenAI-compatible chat-completions answer`);
  }
  return { ok: true, status, content, answer, cutOff: choice?.finish_reason === 'length' };
}

/** The provider's own error message: OpenAI `{error: {message}}`, Ollama `{error: "…"}`, others `{message}` / `{detail}`. */
function providerMessage(json: unknown): string | null {
  if (!json || typeof json !== 'object') return null;
  const j = json as { error?: unknown; message?: unknown; detail?: unknown };
  if (typeof j.error === 'string') return j.error.slice(0, 300);
  if (j.error && typeof j.error === 'object' && typeof (j.error as { message?: unknown }).message === 'string') return ((j.error as { message: string }).message).slice(0, 300);
  if (typeof j.message === 'string') return j.message.slice(0, 300);
  if (typeof j.detail === 'string') return j.detail.slice(0, 300);
  return null;
}

function isModelError(json: unknown): boolean {
  if (!json || typeof json !== 'object') return false;
  const error = (json as { error?: unknown }).error;
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; type?: unknown; message?: unknown };
    if (e.code === 'model_not_found' || e.code === 'DeploymentNotFound' || e.type === 'model_not_found') return true;
    return typeof e.message === 'string' && /\bmodel\b/i.test(e.message) && /not (?:be )?found|does not exist|unknown|not exist/i.test(e.message);
  }
  return typeof error === 'string' && /\bmodel\b/i.test(error) && /not found|does not exist|unknown/i.test(error);
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
