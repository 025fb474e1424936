/**
 * `tonic users add` and `tonic tokens create`: people and their API tokens (admin).
 */
import { ROLES } from '../features/identity/roles.ts';
import { apiClientFrom } from './api-client.ts';
import { API_OPTIONS, oneOf, parseCommand, required, UsageError } from './args.ts';
import { printJson, printUsage, type CliIo } from './cli-io.ts';
import { linkTelegram } from './notification-commands.ts';
import { USAGE } from './usage.ts';

type User = { id: number; username: string; displayName: string; role: string; createdAt: string };

export async function runUsers(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const usage = USAGE.usersAdd;
  if (sub === 'help' || sub === '--help' || sub === '-h') return printUsage(io, `${usage}\n       ${USAGE.usersLinkTelegram}`);
  if (sub === 'link-telegram') return linkTelegram(rest, io);
  if (sub !== 'add') throw new UsageError(sub === undefined ? 'which users command?' : `unknown command "users ${sub}"`, `${usage}\n       ${USAGE.usersLinkTelegram}`);
  const { values, positionals } = parseCommand(rest, { ...API_OPTIONS, role: { type: 'string' }, 'display-name': { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  if (positionals.length !== 1) throw new UsageError('give one user name', usage);
  const role = oneOf('role', required('role', values.role, usage), ROLES, usage);
  const body = { username: positionals[0]!, role, ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}) };
  const user = await apiClientFrom(values, io.env, usage).post<User>('/users', body);
  if (values.json) return printJson(io, user);
  io.out(`created user ${user.username} (${user.role}); issue a token with: tonic tokens create ${user.username}`);
  return 0;
}

export async function runTokens(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const usage = USAGE.tokensCreate;
  if (sub === 'help' || sub === '--help' || sub === '-h') return printUsage(io, usage);
  if (sub !== 'create') throw new UsageError(sub === undefined ? 'which tokens command?' : `unknown command "tokens ${sub}"`, usage);
  const { values, positionals } = parseCommand(rest, { ...API_OPTIONS, name: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  if (positionals.length !== 1) throw new UsageError('give one user name', usage);
  const username = positionals[0]!;
  const issued = await apiClientFrom(values, io.env, usage).post<{ token: string; name: string; username: string }>(
    `/users/${encodeURIComponent(username)}/tokens`,
    { name: values.name ?? 'cli' },
  );
  if (values.json) return printJson(io, issued);
  // The token alone on stdout, so that TOKEN=$(tonic tokens create alice) works; the note to stderr.
  io.out(issued.token);
  io.err(`token "${issued.name}" for ${issued.username}: it is shown only this once, store it now (use it as TONIC_TOKEN)`);
  return 0;
}
