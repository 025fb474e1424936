/**
 * The server's one logger: JSON lines (pino), built once in the composition root and handed to
 * Fastify and to the features that log. Every line written while a request, a run or a deployment
 * is being handled carries its id (`reqId`, `runId`, `deploymentId`): the ids live in an async
 * context that `withLogContext` opens, and pino's mixin adds them to each line, so code deep in a
 * run needs no logger of its own passed down.
 *
 * Secrets never reach the output: keys that hold them are redacted wherever pino sees them, the
 * userinfo of URLs and Bearer tokens are masked in every line, and so are the secret values the
 * server knows (its admin token, DATABASE_URL's password, the configuration's tokens, passwords and
 * keys), wherever they appear, messages and error stacks included.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a line is about: the request, run and deployment being handled. */
export type LogContext = { reqId?: string; runId?: number; deploymentId?: number };

const context = new AsyncLocalStorage<LogContext>();

/** Fastify's per-request loggers, which bind `reqId` themselves (the mixin then leaves it out). */
const requestLoggers = new WeakSet<object>();

/** Fastify's `childLoggerFactory`: the request's logger, known to carry its `reqId` already. */
export function requestLogger<L extends { child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): L }>(logger: L, bindings: pino.Bindings, options: pino.ChildLoggerOptions): L {
  const child = logger.child(bindings, options);
  requestLoggers.add(child);
  return child;
}

/** Runs `fn` with `ids` added to the context of every line logged inside it (nested contexts merge). */
export function withLogContext<T>(ids: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...ids }, fn);
}

/** The ids of the current context (empty outside any). */
export function currentLogContext(): LogContext {
  return context.getStore() ?? {};
}

/** Keys whose values are secrets, at any of the depths pino is told about. */
const SECRET_KEYS = ['authorization', 'cookie', 'set-cookie', 'token', 'password', 'apiKey', 'api-key', 'secret', 'webhookSecret', 'databaseUrl', 'x-csrf-token', 'x-api-key'];

export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_KEYS.map((k) => (/^[A-Za-z]+$/.test(k) ? k : `["${k}"]`)),
  ...SECRET_KEYS.map((k) => (/^[A-Za-z]+$/.test(k) ? `*.${k}` : `*["${k}"]`)),
  ...SECRET_KEYS.map((k) => `req.headers["${k}"]`),
  ...SECRET_KEYS.map((k) => `res.headers["${k}"]`),
  ...SECRET_KEYS.map((k) => `headers["${k}"]`),
];

const MASK = '[redacted]';

/**
 * Masks what looks like a secret in text: the password in `scheme://user:password@host`, a Bearer
 * token, `token=`/`password=`/`secret=`/`key=` query parameters, and each of `known` (values of at
 * least 6 characters). Pure.
 */
export function scrubSecrets(text: string, known: readonly string[] = []): string {
  let out = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)[^\s@/"']+@/gi, `$1${MASK}@`)
    .replace(/(\bBearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${MASK}`)
    .replace(/([?&](?:token|access_token|password|secret|api_key|apikey|key)=)[^&\s"'#]+/gi, `$1${MASK}`);
  for (const secret of known) {
    if (secret.length >= 6) out = out.split(secret).join(MASK);
  }
  return out;
}

export type LoggerOptions = {
  level?: LogLevel;
  /** Secret values to mask wherever they appear (tokens, passwords, keys from settings and configuration). */
  secrets?: readonly string[];
  /** Where lines go (default standard output). */
  destination?: { write(line: string): unknown };
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const known = [...new Set(options.secrets ?? [])].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  const target = options.destination ?? process.stdout;
  const destination: DestinationStream = { write: (line: string) => void target.write(scrubSecrets(line, known)) };
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: MASK },
      mixin: (_line, _level, logger) => {
        const ids = context.getStore();
        if (!ids) return {};
        if (ids.reqId !== undefined && requestLoggers.has(logger)) {
          const { reqId: _bound, ...rest } = ids;
          return rest;
        }
        return { ...ids };
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that writes nothing: the default where no logger is given (tests, the CLI). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The secret values of a configuration: every string under a key that names a secret. */
export function secretValuesIn(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return /token|password|secret|apikey|api_key|webhookurl|databaseurl/i.test(key) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => secretValuesIn(v, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => secretValuesIn(v, k));
  return [];
}
