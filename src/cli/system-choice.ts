/**
 * Which system a command acts on: --system, else TONIC_SYSTEM, else the server's only system.
 */
import type { ApiClient } from './api-client.ts';
import type { SystemInfo } from './api-types.ts';
import { UsageError } from './args.ts';

/** The API path of a system's resource: `/systems/{name}{rest}`. */
export function systemPath(system: string, rest = ''): string {
  return `/systems/${encodeURIComponent(system)}${rest}`;
}

export async function resolveSystem(api: ApiClient, option: string | undefined, env: NodeJS.ProcessEnv, usage: string): Promise<string> {
  const named = option ?? (env.TONIC_SYSTEM || undefined);
  if (named) return named;
  const { items } = await api.get<{ items: SystemInfo[] }>('/systems');
  if (items.length === 1) return items[0]!.name;
  throw new UsageError(
    `the server runs ${items.length} systems (${items.map((s) => s.name).join(', ')}): choose one with --system NAME or TONIC_SYSTEM`,
    usage,
  );
}
