/**
 * A loopback HTTP server standing in for Slack's incoming webhooks and for a generic webhook
 * receiver: it records every request (headers and body) and answers 200 "ok", or as told for the
 * next requests (a 503 while "down", a 404 "no_service" for a Slack URL that no longer exists).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';

export type ReceivedRequest = { path: string; headers: IncomingHttpHeaders; body: string; json: any };
type Answer = { status: number; body: string; headers?: Record<string, string> };

export type HttpReceiver = {
  url: string;
  /** The requests answered 2xx, in order. */
  delivered: ReceivedRequest[];
  /** Every request, whatever it was answered. */
  received: ReceivedRequest[];
  /** The next `count` requests are answered this way (Infinity: until `up()`). */
  answerNext(count: number, answer: Answer): void;
  up(): void;
  close(): Promise<void>;
};

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const delivered: ReceivedRequest[] = [];
  const received: ReceivedRequest[] = [];
  let override: (Answer & { left: number }) | null = null;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      const request = { path: req.url ?? '/', headers: req.headers, body, json };
      received.push(request);
      if (override && override.left > 0) {
        override.left -= 1;
        res.writeHead(override.status, { 'content-type': 'text/plain', ...override.headers });
        res.end(override.body);
        return;
      }
      delivered.push(request);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    delivered,
    received,
    answerNext(count, answer) {
      override = { ...answer, left: count };
    },
    up() {
      override = null;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
