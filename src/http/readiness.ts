/**
 * `GET /api/v1/ready`: a load balancer sends traffic only to an instance whose database answers
 * and carries exactly the schema this version expects (not while another instance migrates).
 */
import { appliedMigrations, MIGRATIONS } from '../adapters/db/database.ts';
import type { Tonic } from '../compose.ts';

export type Readiness = { ready: boolean; database: 'ok' | 'unreachable'; schema: 'current' | 'behind' | 'ahead' | 'unknown'; detail?: string };

export async function readiness(tonic: Pick<Tonic, 'db'>): Promise<Readiness> {
  let applied: string[];
  try {
    applied = await appliedMigrations({ db: tonic.db });
  } catch (error) {
    return { ready: false, database: 'unreachable', schema: 'unknown', detail: `the database does not answer: ${(error as Error).message}` };
  }
  const known = Object.keys(MIGRATIONS);
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) return { ready: false, database: 'ok', schema: 'ahead', detail: `the database has migrations this version does not know: ${unknown.join(', ')}` };
  const missing = known.filter((name) => !applied.includes(name));
  if (missing.length > 0) return { ready: false, database: 'ok', schema: 'behind', detail: `migrations not applied yet: ${missing.join(', ')}` };
  return { ready: true, database: 'ok', schema: 'current' };
}
