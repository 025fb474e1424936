/**
 * Sign-in policy: how long a session lives, when failed sign-ins are throttled, what a password
 * must be, and the session cookie's attributes. Pure: every instant is a parameter.
 */

/** A session ends after this long without a request... */
export const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;
/** ...and after this long in any case: people sign in again once a week. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often (not on every request). */
export const SESSION_TOUCH_MS = 5 * 60 * 1000;

/** Failed sign-ins allowed per (IP, user name) within the window before sign-in is refused. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 1024;

export const SESSION_COOKIE = 'tonic_session';

/** When a session started at `createdAt` and last seen at `lastSeenAt` expires. */
export function sessionExpiry(createdAt: Date, lastSeenAt: Date): Date {
  return new Date(Math.min(createdAt.getTime() + SESSION_MAX_MS, lastSeenAt.getTime() + SESSION_IDLE_MS));
}

export function shouldTouch(lastSeenAt: Date, now: Date): boolean {
  return now.getTime() - lastSeenAt.getTime() >= SESSION_TOUCH_MS;
}

export function rateLimitKey(ip: string, username: string): string {
  return `${ip} ${username.trim().toLowerCase()}`;
}

export type LoginVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Whether another sign-in may be tried, given the instants of the failures within the window.
 * Refused once LOGIN_MAX_FAILURES failed; allowed again when the oldest of those leaves the window.
 */
export function loginVerdict(failures: readonly Date[], now: Date): LoginVerdict {
  const since = now.getTime() - LOGIN_WINDOW_MS;
  const recent = failures.map((f) => f.getTime()).filter((t) => t > since).sort((a, b) => a - b);
  if (recent.length < LOGIN_MAX_FAILURES) return { allowed: true };
  const freesAt = recent[recent.length - LOGIN_MAX_FAILURES]! + LOGIN_WINDOW_MS;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000)) };
}

/** What is wrong with a new password, or null when it is acceptable. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `the password must be at least ${PASSWORD_MIN_LENGTH} characters long`;
  if (password.length > PASSWORD_MAX_LENGTH) return `the password must be at most ${PASSWORD_MAX_LENGTH} characters long`;
  if (password.trim().toLowerCase() === username.trim().toLowerCase()) return 'the password must not be the user name';
  return null;
}

/** The Set-Cookie value for a session (or, with value null, the one that removes it). */
export function sessionCookie(value: string | null, options: { secure: boolean; maxAgeSeconds: number }): string {
  const attributes = [`${SESSION_COOKIE}=${value ?? ''}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${value === null ? 0 : options.maxAgeSeconds}`];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}
