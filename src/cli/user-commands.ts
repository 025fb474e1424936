/**
 * `tonic users add` and `tonic tokens create`: people and their API tokens (admin).
 */
import { ROLES } from '../features/identity/roles.ts';
import { apiClientFrom } from './api-client.ts';
import { API_OPTIONS, oneOf, parseCommand, required, UsageError } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { linkTelegram } from './notification-commands.ts';
import { USAGE } from './usage.ts';

type User = { id: number; username: string; displayName: string; role: string; createdAt: string };

export async function runUsers(args: string[], io: CliIo): Promise<number> {
  return dispatch('users', args, io, USAGE.users, { add: runUsersAdd, 'set-password': runSetPassword, 'link-telegram': linkTelegram });
}

async function runUsersAdd(rest: string[], io: CliIo): Promise<number> {
  const usage = USAGE.usersAdd;
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

/** The password comes from standard input, never from the command line (shell history, ps). */
async function runSetPassword(rest: string[], io: CliIo): Promise<number> {
  const usage = USAGE.usersSetPassword;
  const { values, positionals } = parseCommand(rest, { ...API_OPTIONS, 'password-stdin': { type: 'boolean' } }, usage);
  if (values.help) return printUsage(io, usage);
  if (positionals.length !== 1) throw new UsageError('give one user name', usage);
  if (!values['password-stdin'] || !io.readStdin) throw new UsageError('give the password on standard input with --password-stdin, e.g. printf %s "$PASSWORD" | tonic users set-password alice --password-stdin', usage);
  const password = (await io.readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new UsageError('standard input was empty: pipe the new password in', usage);
  const username = positionals[0]!;
  await apiClientFrom(values, io.env, usage).put(`/users/${encodeURIComponent(username)}/password`, { password });
  io.out(`password set for ${username}: they sign in to the dashboard with it (their other sessions ended)`);
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
