/**
 * The one way the dashboard talks to the API: same-origin fetch with the session cookie, the
 * session's CSRF token on every change, If-Match when the caller knows the version it saw, and
 * every failure turned into an ApiProblem whose `detail` is said in plain words.
 */
import type { Problem } from './types.ts';

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: { path: string; message: string }[];

  constructor(status: number, code: string, title: string, detail: string, errors: { path: string; message: string }[] = []) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = errors;
  }

  /** Someone changed the thing meanwhile: the page should refetch and show it. */
  get isConflict(): boolean {
    return this.status === 412 || this.code === 'stale_version' || this.code === 'invalid_transition';
  }
}

let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API says the session is over (expired, signed out elsewhere). */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api<T>(method: Method, path: string, body?: unknown, options: { ifMatch?: number; quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiProblem(0, 'network', 'No connection', 'The server cannot be reached: check your connection; the page retries when it is back.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (response.ok) return parsed as T;
  const problem = parsed as Partial<Problem> | null;
  if (response.status === 401 && !options.quiet401) for (const listener of unauthenticatedListeners) listener();
  if (problem && typeof problem.detail === 'string') {
    throw new ApiProblem(response.status, problem.code ?? 'error', problem.title ?? response.statusText, problem.detail, problem.errors ?? []);
  }
  throw new ApiProblem(response.status, 'error', response.statusText, `The server answered ${response.status} ${response.statusText}: try again in a moment.`);
}

export const systemPath = (system: string, rest = '') => `/systems/${encodeURIComponent(system)}${rest}`;

export function queryString(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
