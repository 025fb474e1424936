/**
 * The warning at load for a service's path glob that matches no file in the repository (a typo, or
 * a folder that moved): a fix there would not deploy the service. Files are read at the tips of the
 * UAT and PROD lines, what gets deployed; the repository's HEAD when neither line exists yet.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openSystemRepository, type SystemRepository } from '../../adapters/git/system-repository.ts';
import type { SystemConfig, TonicConfig } from '../../config/load-config.ts';
import { globsMatchingNothing } from './service-rules.ts';

/** One line per glob matching nothing, starting with its key path (`at` is the system's, e.g. "systems[0]"). */
export async function servicePathWarnings(system: SystemConfig, repo: SystemRepository, at: string): Promise<string[]> {
  if (!system.services) return [];
  const lines = [...new Set([system.environments.uat.line, system.environments.prod.line])];
  let where = `on ${lines.join(', ')}`;
  let files = await repo.filesAt(lines);
  if (files.length === 0) {
    files = await repo.filesAt(['HEAD']);
    where = 'at HEAD (neither line exists yet)';
  }
  const warnings: string[] = [];
  system.services.forEach((service, i) => {
    for (const glob of globsMatchingNothing(service.paths, files)) {
      const k = service.paths.indexOf(glob);
      warnings.push(`${at}.services[${i}].paths[${k}]: "${glob}" matches no file in the repository ${where}: a fix there would not deploy ${service.name}; check the spelling or the folder`);
    }
  });
  return warnings;
}

/**
 * Every such warning of a configuration, for the server to log at start-up (each system's
 * repository opened as the pipeline opens it; one that cannot be read is a warning too).
 */
export async function configurationWarnings(config: TonicConfig, home: string): Promise<string[]> {
  const warnings: string[] = [];
  for (const [i, system] of config.systems.entries()) {
    if (!system.services || (!system.repositoryPath && !system.repositoryUrl)) continue;
    // A remote not cloned yet is left to the pipeline, which clones it on first use (one clone at a time).
    if (!system.repositoryPath && !existsSync(join(home, 'repos', `${system.name}.git`))) continue;
    try {
      const repo = await openSystemRepository({ system: system.name, path: system.repositoryPath, url: system.repositoryUrl, push: system.push }, home);
      warnings.push(...(await servicePathWarnings(system, repo, `systems[${i}]`)));
    } catch (error) {
      warnings.push(`systems[${i}].services: cannot check the path globs against the repository: ${(error as Error).message}`);
    }
  }
  return warnings;
}
