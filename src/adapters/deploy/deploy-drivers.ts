/** Builds the configured deploy driver and health check of each system's environments. */
import type { SystemConfig } from '../../config/load-config.ts';
import { createCommandDriver } from './command-driver.ts';
import type { DeployDriver } from './deploy-driver.ts';
import { createWebhookDriver } from './webhook-driver.ts';

export type DeployDrivers = { for(system: SystemConfig, env: 'uat' | 'prod'): DeployDriver | null };

export function createDeployDrivers(): DeployDrivers {
  const cache = new Map<string, DeployDriver | null>();
  return {
    for(system, env) {
      const key = `${system.name}/${env}`;
      if (!cache.has(key)) {
        const d = system.environments[env].deploy;
        cache.set(
          key,
          !d
            ? null
            : d.driver === 'command'
              ? createCommandDriver({ command: d.command, workdir: d.workdir ?? undefined, timeoutMs: d.timeoutMs, env: d.env })
              : createWebhookDriver({ url: d.url, secret: d.secret, timeoutMs: d.timeoutMs, pollIntervalMs: d.pollIntervalMs }),
        );
      }
      return cache.get(key)!;
    },
  };
}
