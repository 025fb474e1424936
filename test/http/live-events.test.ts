/**
 * Live updates: GET /api/v1/events tells a connected dashboard of every committed change it may
 * read, once the change is visible; on PostgreSQL, a change made through one instance reaches the
 * clients of another (LISTEN/NOTIFY).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/adapters/db/database.ts';
import { composeTonic } from '../../src/compose.ts';
import { buildApp } from '../../src/http/app.ts';
import { createFakeClock } from '../../src/shared/clock.ts';
import { DIALECTS } from '../support/databases.ts';
import { openEventStream } from '../support/event-stream.ts';
import { ADMIN_TOKEN, createTestTonic, fixedVersions, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';

const report = { title: 'Live one', description: '', severity: 'low', foundInEnv: 'uat' };

for (const dialect of DIALECTS) {
  describe(`live updates on ${dialect}`, () => {
    let t: TestTonic;
    let api: TestServer;

    before(async () => {
      t = await createTestTonic({ dialect, versions: fixedVersions('same'), systems: [testSystem()] });
      api = await startTestServer(t);
    });
    after(async () => {
      await api.close();
      await t.close();
    });

    test('a committed change reaches connected clients, and is visible when they refetch', async () => {
      const stream = await openEventStream(api.url, { authorization: `Bearer ${api.tokens.viewer}` });
      try {
        assert.match(stream.contentType ?? '', /^text\/event-stream/);
        await stream.next((e) => e.event === 'ready');
        await t.tonic.live.ready();
        const created = await api.request('developer', 'POST', '/api/v1/systems/shop/bugs', report);
        assert.equal(created.status, 201);
        const change = await stream.next((e) => e.event === 'change' && e.data.subjects.includes(`bug:${created.body.id}`));
        assert.deepEqual(change.data.streams, ['shop']);
        assert.deepEqual(change.data.actions, ['bug.reported']);
        const read = await api.request('viewer', 'GET', `/api/v1/systems/shop/bugs/${created.body.id}`);
        assert.equal(read.status, 200, 'the change is committed before it is announced');

        await api.request('manager', 'POST', `/api/v1/systems/shop/bugs/${created.body.id}/confirm`, {});
        const confirmed = await stream.next((e) => e.event === 'change' && e.data.actions.includes('bug.confirm'));
        assert.deepEqual(confirmed.data.subjects, [`bug:${created.body.id}`]);
      } finally {
        stream.close();
      }
    });

    test('users and sessions changes go only to those who manage users; a refused change sends nothing', async () => {
      const viewer = await openEventStream(api.url, { authorization: `Bearer ${api.tokens.viewer}` });
      const admin = await openEventStream(api.url, { authorization: `Bearer ${ADMIN_TOKEN}` });
      try {
        await Promise.all([viewer.next((e) => e.event === 'ready'), admin.next((e) => e.event === 'ready')]);
        await t.tonic.live.ready();
        const refused = await api.request('viewer', 'POST', '/api/v1/systems/shop/bugs', report);
        assert.equal(refused.status, 403);
        assert.equal((await api.request('admin', 'POST', '/api/v1/users', { username: 'carol', role: 'viewer' })).status, 201);
        const seen = await admin.next((e) => e.event === 'change' && e.data.subjects.includes('user:carol'));
        assert.deepEqual(seen.data.streams, ['_global']);
        // A later shop change reaches the viewer: by then the user change would have arrived too.
        const bug = await api.request('developer', 'POST', '/api/v1/systems/shop/bugs', { ...report, title: 'After carol' });
        await viewer.next((e) => e.event === 'change' && e.data.subjects.includes(`bug:${bug.body.id}`));
        assert.ok(!viewer.events.some((e) => JSON.stringify(e.data).includes('carol')), 'the viewer was not told of the user change');
        assert.equal(viewer.events.filter((e) => e.event === 'change').length, 1, 'the refused report announced nothing');
      } finally {
        viewer.close();
        admin.close();
      }
    });

    if (dialect === 'postgres') {
      test('a change made through one instance reaches the clients of another (LISTEN/NOTIFY)', async () => {
        const database = await openDatabase({ url: t.databaseUrl, poolSize: 3 });
        const other = composeTonic({
          database,
          config: { file: '(test)', systems: [testSystem()] },
          clock: createFakeClock('2026-11-26T04:00:00Z'),
          home: '/tmp',
          versions: fixedVersions('same'),
          instance: 'instance-b',
        });
        const app = await buildApp(other);
        await app.listen({ host: '127.0.0.1', port: 0 });
        const otherUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
        const stream = await openEventStream(otherUrl, { authorization: `Bearer ${ADMIN_TOKEN}` });
        try {
          await stream.next((e) => e.event === 'ready');
          await other.live.ready();
          const created = await api.request('developer', 'POST', '/api/v1/systems/shop/bugs', { ...report, title: 'Seen elsewhere' });
          const change = await stream.next((e) => e.event === 'change' && e.data.subjects.includes(`bug:${created.body.id}`));
          assert.deepEqual(change.data.streams, ['shop']);
        } finally {
          stream.close();
          await app.close();
          await other.close();
        }
      });
    }
  });
}
