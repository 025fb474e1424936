/**
 * The demo's way in to the dashboard: the first start gives the `admin` user a random password,
 * keeps it in TONIC_HOME/demo/admin-password (readable by the owner only) and every start prints
 * it while it still works. Once someone sets another password, nothing is printed or changed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Tonic } from '../compose.ts';
import { ADMIN_USERNAME, SYSTEM_ACTOR } from '../features/identity/identity-service.ts';

export type DemoSignIn = { username: string; password: string; file: string } | null;

export async function ensureDemoSignIn(tonic: Tonic, home: string): Promise<DemoSignIn> {
  const file = join(home, 'demo', 'admin-password');
  if (existsSync(file)) {
    const known = readFileSync(file, 'utf8').trim();
    if (known && (await tonic.sessions.passwordWorks(ADMIN_USERNAME, known))) return { username: ADMIN_USERNAME, password: known, file };
  }
  if (await tonic.sessions.hasPassword(ADMIN_USERNAME)) return null;
  const password = randomBytes(12).toString('base64url');
  await tonic.sessions.setPassword(SYSTEM_ACTOR, ADMIN_USERNAME, { password });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return { username: ADMIN_USERNAME, password, file };
}
