/**
 * Errors the use cases raise. Each carries a stable `code` that clients can branch on and a
 * message written for people: what was refused, why, and what would make it possible.
 * They know nothing of HTTP; `src/http/problem.ts` maps codes to statuses.
 */
export const ERROR_CODES = [
  'validation_failed',
  'unauthenticated',
  'forbidden',
  'not_found',
  'invalid_transition',
  'severity_requires_hotfix',
  'self_approval',
  'override_reason_required',
  'flow_unavailable',
  'stale_version',
  'precondition_failed',
  'conflict',
  'config_invalid',
  'unknown_commit',
  'fix_missing',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}

/** Exhaustiveness check for `switch` statements over unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
