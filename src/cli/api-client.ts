/**
 * A small client for /api/v1: Bearer token, JSON in and out. A problem+json answer becomes an
 * ApiError carrying the problem; a server that cannot be reached becomes a ConnectionError that
 * says which URL was tried and how to fix it.
 */
import { UsageError } from './args.ts';
import type { Problem } from './api-types.ts';

export const DEFAULT_URL = 'http://127.0.0.1:4100';
const TIMEOUT_MS = 30_000;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

export type ApiClient = ReturnType<typeof createApiClient>;
export type Query = Record<string, string | number | undefined>;

export function createApiClient({ url, token, timeoutMs = TIMEOUT_MS }: { url: string; token: string; timeoutMs?: number }) {
  const base = `${url.replace(/\/+$/, '')}/api/v1`;

  async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, asText = false): Promise<T> {
    let text: string;
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: asText ? 'text/markdown, text/plain, application/problem+json' : 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw connectionError(url, error, timeoutMs);
    }
    if (response.status === 204) return undefined as T;
    if (asText && response.ok) return text as T;
    const parsed = parseJson(text, response.headers.get('content-type'));
    if (response.ok) {
      if (parsed === undefined) throw notTonic(method, base + path, response);
      return parsed as T;
    }
    if (isProblem(parsed)) throw new ApiError(parsed);
    throw notTonic(method, base + path, response);
  }

  const withQuery = (path: string, query: Query) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return qs ? `${path}?${qs}` : path;
  };

  return {
    get<T>(path: string, query: Query = {}): Promise<T> {
      return request<T>('GET', withQuery(path, query));
    },
    /** A text answer (Markdown) as it came; a problem is still an ApiError. */
    getText(path: string, query: Query = {}): Promise<string> {
      return request<string>('GET', withQuery(path, query), undefined, true);
    },
    post<T>(path: string, body: unknown = {}): Promise<T> {
      return request<T>('POST', path, body);
    },
    delete<T>(path: string, query: Query = {}): Promise<T> {
      return request<T>('DELETE', withQuery(path, query));
    },
    patch<T>(path: string, body: unknown): Promise<T> {
      return request<T>('PATCH', path, body);
    },
    /** A change answered with 204 No Content resolves to undefined. */
    put<T = undefined>(path: string, body: unknown): Promise<T> {
      return request<T>('PUT', path, body);
    },
  };
}

/** The client for a command's --url/--token, falling back to TONIC_URL and TONIC_TOKEN. */
export function apiClientFrom(values: { url?: string; token?: string }, env: NodeJS.ProcessEnv, usage: string, timeoutMs?: number): ApiClient {
  const url = values.url ?? (env.TONIC_URL || DEFAULT_URL);
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    /* reported below */
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    const from = values.url !== undefined ? '--url' : 'TONIC_URL';
    throw new UsageError(`${from} "${url}" is not an http(s) URL, e.g. ${DEFAULT_URL}`, usage);
  }
  // TONIC_ADMIN_TOKEN is the server's bootstrap token: on the server's own machine it works too.
  const token = values.token ?? (env.TONIC_TOKEN || env.TONIC_ADMIN_TOKEN);
  if (!token) {
    throw new UsageError('no API token: set TONIC_TOKEN or pass --token (an admin issues one with `tonic tokens create USER`)', usage);
  }
  return createApiClient({ url, token, ...(timeoutMs ? { timeoutMs } : {}) });
}

function parseJson(text: string, contentType: string | null): unknown {
  if (!contentType || !/[/+]json\b/.test(contentType)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isProblem(value: unknown): value is Problem {
  if (!value || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return typeof p.detail === 'string' && typeof p.code === 'string' && typeof p.status === 'number';
}

function notTonic(method: string, target: string, response: Response): ApiError {
  const type = response.headers.get('content-type') ?? 'no content type';
  return new ApiError({
    status: response.status,
    code: 'not_tonic_api',
    detail: `${method} ${target} answered ${response.status} ${response.statusText} (${type}), not the Tonic API: check TONIC_URL or --url`,
  });
}

function connectionError(url: string, error: unknown, timeoutMs: number): ConnectionError {
  const advice = 'start the server with `tonic serve`, or set TONIC_URL (or --url) to a running one';
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ConnectionError(`Tonic at ${url} did not answer within ${Math.round(timeoutMs / 1000)} s`);
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(`cannot connect to Tonic at ${url}: connection refused; ${advice}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`cannot connect to Tonic at ${url}: host ${new URL(url).hostname} not found; check TONIC_URL (or --url)`);
    default: {
      const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      return new ConnectionError(`cannot connect to Tonic at ${url}: ${reason}; ${advice}`);
    }
  }
}
