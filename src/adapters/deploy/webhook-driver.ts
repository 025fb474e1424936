/**
 * The `webhook` deploy driver: POSTs the release as JSON, signed with HMAC-SHA256 over
 * "<timestamp>.<body>" (headers X-Tonic-Timestamp and X-Tonic-Signature: sha256=<hex>). The answer
 * decides: {"status":"succeeded"|"failed"} at once, or "pending" (or 202) with a statusUrl that is
 * polled, signed the same way over an empty body, until it says succeeded or failed, or time runs out.
 */
import { createHmac } from 'node:crypto';
import { DeployFailure, placeholders, type DeployDriver, type DeployLog, type DeployTarget } from './deploy-driver.ts';

export type WebhookDriverConfig = {
  url: string;
  secret: string;
  timeoutMs: number;
  pollIntervalMs: number;
  /** Time limit of one HTTP request. */
  requestTimeoutMs?: number;
};

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

type Answer = { status?: string; statusUrl?: string; message?: string };

export function createWebhookDriver(config: WebhookDriverConfig, now: () => number = Date.now): DeployDriver {
  async function call(method: 'POST' | 'GET', url: string, body: string, deadline: number): Promise<{ code: number; answer: Answer }> {
    const timestamp = String(Math.floor(now() / 1000));
    const remaining = Math.max(1, deadline - now());
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          'content-type': 'application/json',
          'x-tonic-timestamp': timestamp,
          'x-tonic-signature': signWebhook(config.secret, timestamp, body),
        },
        body: method === 'POST' ? body : undefined,
        signal: AbortSignal.timeout(Math.min(remaining, config.requestTimeoutMs ?? 30_000)),
      });
    } catch (error) {
      const why = error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : String((error as Error).cause ?? error);
      throw new DeployFailure(`${method} ${url}: ${why}`);
    }
    const text = await res.text();
    let answer: Answer = {};
    try {
      answer = text ? (JSON.parse(text) as Answer) : {};
    } catch {
      answer = { message: text.slice(0, 200) };
    }
    return { code: res.status, answer };
  }

  return {
    kind: 'webhook',
    async deploy(target: DeployTarget, log: DeployLog): Promise<void> {
      const deadline = now() + config.timeoutMs;
      const body = JSON.stringify({ event: 'deploy', ...placeholders(target) });
      log('tonic', `POST ${config.url}`);
      const first = await call('POST', config.url, body, deadline);
      log('tonic', `answered ${first.code} ${JSON.stringify(first.answer)}`);
      if (first.code < 200 || first.code >= 300) {
        throw new DeployFailure(`the deploy webhook answered HTTP ${first.code}${first.answer.message ? `: ${first.answer.message}` : ''}`);
      }
      let answer = first.answer;
      let pending = first.code === 202 || answer.status === 'pending';
      const statusUrl = answer.statusUrl ? new URL(answer.statusUrl, config.url).toString() : null;
      while (pending) {
        if (!statusUrl) throw new DeployFailure('the deploy webhook said the deploy is pending but gave no statusUrl to poll');
        if (now() + config.pollIntervalMs > deadline) {
          throw new DeployFailure(`the deploy did not finish within ${Math.round(config.timeoutMs / 1000)} s (last status: ${answer.status ?? 'unknown'})`);
        }
        await new Promise((r) => setTimeout(r, config.pollIntervalMs));
        const polled = await call('GET', statusUrl, '', deadline);
        log('tonic', `GET ${statusUrl} → ${polled.code} ${JSON.stringify(polled.answer)}`);
        if (polled.code >= 500 || polled.code === 404) throw new DeployFailure(`the status URL answered HTTP ${polled.code}`);
        answer = polled.answer;
        pending = answer.status === 'pending' || answer.status === undefined;
      }
      if (answer.status === 'failed') throw new DeployFailure(`the deploy failed${answer.message ? `: ${answer.message}` : ''}`);
      if (answer.status !== undefined && answer.status !== 'succeeded') {
        throw new DeployFailure(`the deploy webhook answered status "${answer.status}"; expected succeeded, failed or pending`);
      }
    },
  };
}
