/**
 * After a deploy: does the environment answer, and does it run the new release? Retries until the
 * time limit, since a service restarting is briefly unreachable.
 */
export type HealthCheckConfig = {
  url: string;
  expectStatus: number;
  /** The body must contain the release's version (e.g. {"version":"v1.2.3"}). */
  expectVersion: boolean;
  timeoutMs: number;
  intervalMs: number;
};

export type HealthResult = { ok: boolean; detail: string; attempts: number };

export async function checkHealth(config: HealthCheckConfig, version: string, now: () => number = Date.now): Promise<HealthResult> {
  const deadline = now() + config.timeoutMs;
  let attempts = 0;
  let last = 'no attempt made';
  for (;;) {
    attempts += 1;
    try {
      const res = await fetch(config.url, { signal: AbortSignal.timeout(Math.max(250, Math.min(5_000, deadline - now()))) });
      const body = await res.text();
      if (res.status !== config.expectStatus) last = `${config.url} answered HTTP ${res.status}, expected ${config.expectStatus}`;
      else if (config.expectVersion && !reportsVersion(body, version)) last = `${config.url} answered but does not report ${version}: ${body.slice(0, 120)}`;
      else return { ok: true, detail: `${config.url} answered ${res.status}${config.expectVersion ? ` with ${version}` : ''}`, attempts };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      last = `${config.url}: ${cause === 'ECONNREFUSED' ? 'connection refused' : error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : String(error)}`;
    }
    if (now() + config.intervalMs > deadline) return { ok: false, detail: last, attempts };
    await new Promise((r) => setTimeout(r, config.intervalMs));
  }
}

/**
 * Does the health answer name exactly `version`? A JSON body's `version` (or `tag`) field must
 * equal it; any other body must contain it as a whole word, so v1.0.1 is not found in v1.0.10.
 */
export function reportsVersion(body: string, version: string): boolean {
  try {
    const json = JSON.parse(body) as { version?: unknown; tag?: unknown };
    if (json && typeof json === 'object' && ('version' in json || 'tag' in json)) return json.version === version || json.tag === version;
  } catch {
    /* not JSON: look for the word */
  }
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.])${escaped}(?![\\w]|\\.\\d)`).test(body);
}
