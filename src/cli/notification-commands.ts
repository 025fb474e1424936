/**
 * `tonic notifications list|resend` (what went out where, what failed and why; send a failed one
 * again) and `tonic users link-telegram` (a one-time code for /link in the Telegram bot).
 */
import { DELIVERY_STATUSES } from '../features/notifications/notification-rules.ts';
import { apiClientFrom } from './api-client.ts';
import { API_OPTIONS, noPositionals, oneOf, PAGE_OPTIONS, pageQuery, parseCommand, required, singleId } from './args.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { formatTable, truncate } from './table.ts';
import { USAGE } from './usage.ts';

type Delivery = {
  id: number;
  system: string | null;
  channel: string;
  event: string;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  answer: string | null;
  createdAt: string;
  sentAt: string | null;
};

const NOTIFICATIONS_USAGE = `${USAGE.notificationsList}\n       ${USAGE.notificationsResend}`;

export async function runNotifications(args: string[], io: CliIo): Promise<number> {
  return dispatch('notifications', args, io, NOTIFICATIONS_USAGE, { list, resend });
}

async function list(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.notificationsList;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, ...PAGE_OPTIONS, status: { type: 'string' }, channel: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const { limit, cursor } = pageQuery(values, usage);
  const status = values.status === undefined ? undefined : oneOf('status', values.status, DELIVERY_STATUSES, usage);
  const page = await apiClientFrom(values, io.env, usage).get<{ items: Delivery[]; nextCursor: number | null }>('/notifications', {
    status,
    system: values.system,
    channel: values.channel,
    limit,
    cursor,
  });
  if (values.json) return printJson(io, page);
  if (page.items.length === 0) {
    io.out('no notification deliveries');
    return 0;
  }
  io.out(
    formatTable([
      ['ID', 'SYSTEM', 'CHANNEL', 'EVENT', 'STATUS', 'TRIES', 'WHY'],
      ...page.items.map((d) => [String(d.id), d.system ?? '-', d.channel, d.event, d.status, String(d.attempts), d.status === 'sent' ? '' : truncate(d.lastError ?? '', 120)]),
    ]).join('\n'),
  );
  if (page.nextCursor !== null) io.out(`more: --cursor ${page.nextCursor}`);
  return 0;
}

async function resend(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.notificationsResend;
  const { values, positionals } = parseCommand(args, API_OPTIONS, usage);
  if (values.help) return printUsage(io, usage);
  const id = singleId(positionals, usage, 'notification');
  const delivery = await apiClientFrom(values, io.env, usage).post<Delivery>(`/notifications/${id}/resend`, {});
  if (values.json) return printJson(io, delivery);
  io.out(`notification ${delivery.id} (${delivery.event} to ${delivery.channel}) is queued again; the delivery worker sends it within seconds`);
  return 0;
}

export async function linkTelegram(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.usersLinkTelegram;
  const { values, positionals } = parseCommand(args, { ...API_OPTIONS, user: { type: 'string' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const username = required('user', values.user, usage);
  const made = await apiClientFrom(values, io.env, usage).post<{ code: string; username: string; expiresAt: string }>(`/users/${encodeURIComponent(username)}/telegram-link`, {});
  if (values.json) return printJson(io, made);
  io.out(made.code);
  io.err(`send "/link ${made.code}" to the Tonic bot in Telegram to link that account to ${made.username}; the code works once, until ${made.expiresAt}`);
  return 0;
}
