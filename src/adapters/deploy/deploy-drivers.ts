/** Builds the configured deploy driver and health check of each system's environments (and services). */
import type { DeployConfig, ServiceConfig, SystemConfig } from '../../config/load-config.ts';
import { createCommandDriver } from './command-driver.ts';
import type { DeployDriver } from './deploy-driver.ts';
import { createWebhookDriver } from './webhook-driver.ts';

export type DeployDrivers = {
  for(system: SystemConfig, env: 'uat' | 'prod'): DeployDriver | null;
  /** The driver of one service of a multi-service system (its own, or the environment's). */
  forService(system: SystemConfig, service: ServiceConfig, env: 'uat' | 'prod'): DeployDriver | null;
};

function driverOf(d: DeployConfig | null): DeployDriver | null {
  if (!d) return null;
  return d.driver === 'command'
    ? createCommandDriver({ command: d.command, workdir: d.workdir ?? undefined, timeoutMs: d.timeoutMs, env: d.env })
    : createWebhookDriver({ url: d.url, secret: d.secret, timeoutMs: d.timeoutMs, pollIntervalMs: d.pollIntervalMs });
}

export function createDeployDrivers(): DeployDrivers {
  const cache = new Map<string, DeployDriver | null>();
  const cached = (key: string, config: DeployConfig | null) => {
    if (!cache.has(key)) cache.set(key, driverOf(config));
    return cache.get(key)!;
  };
  return {
    for: (system, env) => cached(`${system.name}/${env}`, system.environments[env].deploy),
    forService: (system, service, env) => cached(`${system.name}/${env}/${service.name}`, service.environments[env].deploy),
  };
}
