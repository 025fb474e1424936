/**
 * The one error handler: domain errors and transport errors become application/problem+json
 * (RFC 9457) with a stable `code` and the request id. 5xx answers hide internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode } from '../shared/errors.ts';

export type ProblemCode =
  | ErrorCode
  | 'malformed_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'route_not_found'
  | 'shutting_down'
  | 'internal_error';

const STATUS: Record<ProblemCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  invalid_transition: 409,
  stale_version: 409,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  severity_requires_hotfix: 422,
  self_approval: 422,
  override_reason_required: 422,
  flow_unavailable: 422,
  unknown_commit: 422,
  deploy_in_progress: 409,
  severity_requires_pipeline: 422,
  team_not_notified: 422,
  approval_required: 422,
  duplicate_approval: 422,
  note_required: 422,
  deploy_failed: 502,
  rate_limited: 429,
  fix_missing: 422,
  config_invalid: 500,
  internal_error: 500,
  shutting_down: 503,
};

const TITLE: Record<ProblemCode, string> = {
  validation_failed: 'The request is not valid',
  malformed_json: 'The body is not valid JSON',
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  route_not_found: 'No such endpoint',
  invalid_transition: 'Not allowed in the current status',
  stale_version: 'Changed by someone else',
  conflict: 'Conflict',
  precondition_failed: 'The resource changed since it was read',
  payload_too_large: 'The body is too large',
  unsupported_media_type: 'Unsupported content type',
  severity_requires_hotfix: 'Severity requires an emergency hotfix',
  self_approval: 'Self-approval is not allowed',
  override_reason_required: 'A reason is required',
  flow_unavailable: 'No flow is available',
  unknown_commit: 'Not in the repository',
  deploy_in_progress: 'A deploy is in progress',
  severity_requires_pipeline: 'Not an emergency: the pipeline takes this severity',
  team_not_notified: 'Nobody else has been notified',
  approval_required: 'Approval required',
  duplicate_approval: 'Already approved by this person',
  note_required: 'The post-incident note is required',
  deploy_failed: 'The deploy failed',
  rate_limited: 'Too many attempts',
  fix_missing: 'No fix attached',
  config_invalid: 'Server configuration error',
  internal_error: 'Internal error',
  shutting_down: 'This instance is shutting down',
};

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  requestId: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
};

export function problem(code: ProblemCode, detail: string, requestId: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `https://tonic.dev/problems/${code.replaceAll('_', '-')}`, title: TITLE[code], status: STATUS[code], detail, code, requestId, ...extra };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return send(reply, body);
}

function send(reply: FastifyReply, body: Problem): FastifyReply {
  if (body.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer realm="tonic"');
  const retryAfter = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply.code(body.status).type('application/problem+json').send(body);
}

type AjvIssue = { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> };

/** "/services/0" + "must be string" → { path: "services[0]", message: "must be string" } */
function describeValidation(part: string, issues: readonly AjvIssue[]): { path: string; message: string }[] {
  return issues.map((i) => {
    let path = i.instancePath
      .split('/')
      .slice(1)
      .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
    let message = i.message ?? 'is not valid';
    if (i.keyword === 'additionalProperties') {
      const extra = String(i.params.additionalProperty);
      path = path ? `${path}.${extra}` : extra;
      message = 'is not a known field: remove it or check its spelling';
    } else if (i.keyword === 'required') {
      const missing = String(i.params.missingProperty);
      path = path ? `${path}.${missing}` : missing;
      message = 'is required';
    } else if (i.keyword === 'enum') {
      message = `must be one of ${(i.params.allowedValues as unknown[]).map(String).join(', ')}`;
    }
    return { path: `${part}${path ? `.${path}` : ''}`, message };
  });
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const id = String(request.id);
    if (error instanceof DomainError) {
      const extra = error.details ? { details: error.details } : {};
      return send(reply, problem(error.code, error.message, id, extra));
    }
    if (error.validation) {
      const part = error.validationContext ?? 'body';
      const errors = describeValidation(part, error.validation as AjvIssue[]);
      const detail = errors.map((e) => `${e.path} ${e.message}`).join('; ');
      return send(reply, problem('validation_failed', detail, id, { errors }));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, problem('malformed_json', `${error.message}: send a JSON object`, id));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, problem('payload_too_large', `${error.message}: requests are limited to 1 MiB`, id));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, problem('unsupported_media_type', `${error.message}: send application/json`, id));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, problem('validation_failed', error.message, id));
    }
    request.log.error({ err: error }, 'request failed');
    return send(reply, problem('internal_error', `the server failed to handle this request; quote request id ${id} when reporting it`, id));
  });

  app.setNotFoundHandler((request, reply) => {
    send(reply, problem('route_not_found', `${request.method} ${request.url.split('?')[0]} is not an endpoint; see /api/v1/openapi.json`, String(request.id)));
  });
}
