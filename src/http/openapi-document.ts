/**
 * The OpenAPI document of this version, built without a server or data: the real app on an
 * empty database in memory. `npm run docs` renders docs/api.md from it.
 */
import { tmpdir } from 'node:os';
import { migrateToLatest, openDatabase } from '../adapters/db/database.ts';
import { composeTonic } from '../compose.ts';
import { systemClock } from '../shared/clock.ts';
import type { OpenApi } from './api-reference.ts';
import { buildApp } from './app.ts';

export async function openApiDocument(): Promise<OpenApi> {
  const database = await openDatabase({ url: ':memory:' });
  await migrateToLatest(database);
  const tonic = composeTonic({ database, config: { file: '(docs)', systems: [] }, clock: systemClock, home: tmpdir() });
  try {
    const app = await buildApp(tonic);
    await app.ready();
    const doc = app.swagger() as unknown as OpenApi;
    await app.close();
    return doc;
  } finally {
    await tonic.close();
  }
}
