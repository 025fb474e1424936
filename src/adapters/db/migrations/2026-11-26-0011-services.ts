// Frozen: a migration never imports application code and is never edited once released.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Multi-service releases (DESIGN.md decision 11): the deploy plan of a deployment (order, reverse
  // order) and each service's progress (pending, deploying, healthy, failed, rolled_back), as JSON;
  // null for a system of one service.
  await db.schema.alterTable('deployments').addColumn('services', 'text').execute();
  // The services a release touches: the union of its bugs' services (JSON string array).
  await db.schema.alterTable('releases').addColumn('services', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('releases').dropColumn('services').execute();
  await db.schema.alterTable('deployments').dropColumn('services').execute();
}
