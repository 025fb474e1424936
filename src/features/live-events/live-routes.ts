/**
 * GET /api/v1/events: server-sent events for the dashboard. Each `change` event names the audit
 * streams, subjects and actions of a committed change the caller may read; the page refetches
 * what it shows. A comment line every 25 s keeps proxies from closing an idle stream. On
 * reconnecting, EventSource asks again and the page refetches everything it shows.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { GLOBAL_STREAM } from '../audit/audit-store.ts';
import type { IdentityService } from '../identity/identity-service.ts';
import { can } from '../identity/roles.ts';
import type { Change, LiveEvents } from './live-events.ts';

const HEARTBEAT_MS = 25_000;

export function registerLiveRoutes(app: FastifyInstance, deps: { live: LiveEvents; identity: IdentityService }): void {
  const open = new Set<FastifyReply>();
  // Streams never end on their own: end them when the server closes, or it would wait for them.
  app.addHook('preClose', async () => {
    for (const reply of open) reply.raw.end();
    open.clear();
  });

  app.get('/events', {
    schema: {
      tags: ['events'],
      summary: 'Live updates (text/event-stream): a `change` event for every committed change you may read',
      produces: ['text/event-stream'],
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const visible = (stream: string) => (stream === GLOBAL_STREAM ? can(deps.identity.rolesOn(actor), 'users.manage') : can(deps.identity.rolesOn(actor, stream), 'bugs.read'));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(req.id),
      });
      res.write(`retry: 3000\nevent: ready\ndata: {}\n\n`);
      const send = (change: Change) => {
        const streams = change.streams.filter(visible);
        if (!change.resync && streams.length === 0) return;
        const subjects = change.streams.length === streams.length ? change.subjects : [];
        res.write(`event: change\ndata: ${JSON.stringify({ ...change, streams, subjects })}\n\n`);
      };
      const unsubscribe = deps.live.subscribe(send);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      open.add(reply);
      req.raw.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(reply);
      });
    },
  });
}
