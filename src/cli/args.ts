/**
 * Argument parsing shared by the commands: node:util parseArgs, with every parse problem turned
 * into a UsageError that carries the command's usage line (exit status 2).
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** Options every command that talks to the server accepts. */
export const API_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  system: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionSpecs = NonNullable<Parameters<typeof parseArgs>[0]>['options'] & object;

/** parseArgs in strict mode with positionals; a parse problem becomes a UsageError. */
export function parseCommand<O extends OptionSpecs>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      // parseArgs appends advice about "--" that does not help here; keep its first sentence.
      throw new UsageError(error.message.split('. ')[0]!.replace(/\.$/, ''), usage);
    }
    throw error;
  }
}

/** An id argument (a bug's by default, or a run's, release's, ...): a positive whole number. */
export function parseId(value: string, usage: string, noun = 'bug'): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1 || id > 2147483647) {
    throw new UsageError(`"${value}" is not a ${noun} id: give a positive whole number`, usage);
  }
  return id;
}

/** Exactly one id positional. */
export function singleId(positionals: string[], usage: string, noun = 'bug'): number {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? `give the ${noun} id` : `give one ${noun} id`, usage);
  return parseId(positionals[0]!, usage, noun);
}

/** --limit: a page size from 1 to 200, as the API accepts. */
export function parseLimit(value: string, usage: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 200) throw new UsageError(`--limit "${value}" must be a whole number from 1 to 200`, usage);
  return n;
}

/** Checks a flag against its allowed values. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[], usage: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} "${value}" is not one of ${allowed.join(', ')}`, usage);
  }
  return value as T;
}

/** --limit and --cursor of the lists whose nextCursor is the id of the last item (runs, releases, deployments). */
export const PAGE_OPTIONS = { limit: { type: 'string' }, cursor: { type: 'string' } } as const;

export function pageQuery(values: { limit?: string; cursor?: string }, usage: string): { limit?: number; cursor?: number } {
  const cursor = values.cursor;
  if (cursor !== undefined && (!/^\d+$/.test(cursor) || Number(cursor) < 1 || !Number.isSafeInteger(Number(cursor)))) {
    throw new UsageError(`--cursor "${cursor}" is not a cursor: pass the nextCursor the previous page printed`, usage);
  }
  return { limit: values.limit === undefined ? undefined : parseLimit(values.limit, usage), cursor: cursor === undefined ? undefined : Number(cursor) };
}

export function required(flag: string, value: string | undefined, usage: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${flag} is required`, usage);
  return value;
}

export function noPositionals(positionals: string[], usage: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
}
