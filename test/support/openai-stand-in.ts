/**
 * A stand-in for an OpenAI-compatible chat-completions API: a real HTTP server on a loopback port
 * that speaks the protocol (POST {base}/chat/completions, Bearer key or Azure's api-key header and
 * api-version, OpenAI's error bodies for a refused key and an unknown model) and records every
 * request it receives, so tests can check what left Tonic.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RecordedRequest = { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers']; text: string; body: any };

/** What the stand-in answers to a well-formed request; `undefined` from a handler: the default. */
export type StandInReply =
  | { content: string; finishReason?: string; delayMs?: number }
  | { status: number; json: unknown; delayMs?: number }
  | { status: number; html: string; delayMs?: number };

export type OpenAiStandIn = {
  /** The base URL to configure: http://127.0.0.1:PORT/v1 */
  url: string;
  requests: RecordedRequest[];
  /** Replaces how well-formed requests are answered (auth and model are checked first). */
  reply(handler: ((request: RecordedRequest) => StandInReply | undefined) | null): void;
  close(): Promise<void>;
};

/** A valid structured answer: what a model following the prompt returns. */
export const CANNED_ANSWER = {
  rootCause: 'The discount code was compared case-sensitively, so lower-case codes never matched.',
  fixPlan: 'Normalise codes to upper case before the lookup; no schema change. Deploy with the usual release.',
  risk: { level: 'low', reasons: ['One comparison changes; callers are unaffected.'] },
  validationSteps: [
    { env: 'uat', check: 'Apply the code "save10" in lower case at checkout and see the discount' },
    { env: 'uat', check: 'Apply an expired code and see it refused' },
  ],
  migrationInvolved: false,
};

export async function startOpenAiStandIn(options: { apiKey?: string | null; models?: string[]; azureApiVersion?: string } = {}): Promise<OpenAiStandIn> {
  const apiKey = options.apiKey === undefined ? 'sk-test-0123456789abcdef' : options.apiKey;
  const models = options.models ?? ['gpt-test'];
  const requests: RecordedRequest[] = [];
  let handler: ((request: RecordedRequest) => StandInReply | undefined) | null = null;
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, status: number, type: string, body: string, delayMs = 0) => {
    const write = () => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (delayMs <= 0) return write();
    const timer = setTimeout(() => {
      timers.delete(timer);
      write();
    }, delayMs);
    timers.add(timer);
  };
  const error = (res: ServerResponse, status: number, message: string, code: string, type = 'invalid_request_error') =>
    send(res, status, 'application/json', JSON.stringify({ error: { message, type, param: null, code } }));

  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        /* checked below */
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, text, body };
      requests.push(recorded);
      const listing = req.method === 'GET' && url.pathname === '/v1/models';
      if (!listing && (req.method !== 'POST' || url.pathname !== '/v1/chat/completions')) return error(res, 404, `Invalid URL (${req.method} ${url.pathname})`, 'unknown_url');
      if (options.azureApiVersion && url.searchParams.get('api-version') !== options.azureApiVersion) return error(res, 404, 'Resource not found', '404');
      if (apiKey) {
        const given = options.azureApiVersion ? req.headers['api-key'] : /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
        if (given !== apiKey) {
          const shown = typeof given === 'string' ? `${given.slice(0, 4)}***` : 'none';
          return error(res, 401, `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_api_key');
        }
      }
      // GET /v1/models: the models this key may use, as OpenAI lists them.
      if (listing) return send(res, 200, 'application/json', JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1764115200, owned_by: 'stand-in' })) }));
      const b = body as { model?: unknown; messages?: unknown } | null;
      if (!b || typeof b.model !== 'string' || !Array.isArray(b.messages) || b.messages.some((m: any) => typeof m?.role !== 'string' || typeof m?.content !== 'string')) {
        return error(res, 400, 'The body must be JSON with a model and messages [{role, content}]', 'invalid_body');
      }
      if (!models.includes(b.model)) return error(res, 404, `The model \`${b.model}\` does not exist or you do not have access to it.`, 'model_not_found');

      const reply: StandInReply = handler?.(recorded) ?? { content: JSON.stringify(CANNED_ANSWER) };
      if ('content' in reply) {
        const completion = {
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: 1764115200,
          model: b.model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: reply.finishReason ?? 'stop' }],
          usage: { prompt_tokens: Math.ceil(text.length / 4), completion_tokens: Math.ceil(reply.content.length / 4), total_tokens: 0 },
        };
        return send(res, 200, 'application/json', JSON.stringify(completion), reply.delayMs);
      }
      if ('json' in reply) return send(res, reply.status, 'application/json', JSON.stringify(reply.json), reply.delayMs);
      return send(res, reply.status, 'text/html; charset=utf-8', reply.html, reply.delayMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (h) => (handler = h),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
