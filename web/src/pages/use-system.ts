import { useQuery } from '@tanstack/react-query';
import { useParams } from 'wouter';
import { api } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { SystemInfo, SystemList } from '../api/types.ts';

/** The system of the page (from its path) and its configuration (zone, schedule, modules). */
export function useSystem(): { name: string; info: SystemInfo | undefined } {
  const params = useParams<{ system: string }>();
  const name = params.system ?? '';
  const systems = useQuery({ queryKey: keys.systems, queryFn: () => api<SystemList>('GET', '/systems'), staleTime: Infinity });
  return { name, info: systems.data?.items.find((s) => s.name === name) };
}
