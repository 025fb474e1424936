/**
 * What the schema cannot say about a system's `services` section, checked at load with the other
 * rules of load-config.ts: names used once, the dependency graph (unknown names, cycles named),
 * a health check per service and environment when there is more than one service, a down migration
 * for the service that holds the migrations, and commands that split into a program. Pure.
 */
import type { ServiceInput, SystemConfigInput } from '../../config/config-schema.ts';
import { splitCommand } from '../../shared/split-command.ts';
import { smokeStepProblems } from '../smoke/smoke-rules.ts';
import { graphProblems, type ServiceNode } from './service-rules.ts';

const ENVS = ['uat', 'prod'] as const;

function commandProblem(command: unknown, at: string): string | null {
  if (typeof command !== 'string') return null;
  try {
    if (splitCommand(command).length === 0) throw new Error('it is empty');
    return null;
  } catch (error) {
    return `${at}: cannot be split into a program and arguments: ${(error as Error).message}`;
  }
}

export function checkServices(s: Partial<SystemConfigInput>, at: string, problems: string[]): void {
  const list = s.services;
  if (!Array.isArray(list)) return;
  const services = list.filter((x): x is ServiceInput => Boolean(x) && typeof x === 'object');
  const where = (i: number) => `${at}.services[${list.indexOf(services[i]!)}]`;
  const seen = new Set<string>();
  services.forEach((svc, i) => {
    if (typeof svc.name !== 'string') return;
    if (seen.has(svc.name)) problems.push(`${where(i)}.name: "${svc.name}" is declared twice; service names must be unique`);
    seen.add(svc.name);
  });

  const nodes: ServiceNode[] = services
    .filter((svc) => typeof svc.name === 'string')
    .map((svc) => ({ name: svc.name, dependsOn: Array.isArray(svc.dependsOn) ? svc.dependsOn.filter((d) => typeof d === 'string') : [], migrations: svc.migrations === true }));
  for (const p of graphProblems(nodes)) {
    const index = services.findIndex((svc) => svc.name === nodes[p.index]!.name);
    problems.push(`${where(index)}.${p.key}: ${p.problem}`);
  }

  const multi = services.length > 1;
  services.forEach((svc, i) => {
    const here = where(i);
    for (const env of ENVS) {
      const e = svc.environments?.[env];
      if (multi && !e?.health) {
        problems.push(
          `${here}.environments.${env}.health: required: ${s.name ?? 'this system'} has ${services.length} services, and each is checked on its own before the next one deploys (SEED.md: validate between services)`,
        );
      }
      if (e?.deploy?.driver === 'command') {
        const problem = commandProblem(e.deploy.command, `${here}.environments.${env}.deploy.command`);
        if (problem) problems.push(problem);
      }
    }
    if (svc.migrations === true && !svc.downMigration) {
      problems.push(`${here}.downMigration: required with migrations: true: a rollback runs it before ${svc.name ?? 'the service'} goes back to the previous release`);
    }
    if (svc.downMigration && svc.migrations !== true) {
      problems.push(`${here}.downMigration: only a service with migrations: true runs a down migration; set migrations: true or remove it`);
    }
    const down = commandProblem(svc.downMigration?.command, `${here}.downMigration.command`);
    if (down) problems.push(down);
    const smoke = svc.smoke;
    if (smoke && typeof smoke === 'object') {
      problems.push(...smokeStepProblems(smoke.steps, `${here}.smoke.steps`));
      for (const env of ENVS) problems.push(...smokeStepProblems(smoke[env]?.steps, `${here}.smoke.${env}.steps`));
      if (!smoke.steps && !smoke.uat?.steps && !smoke.prod?.steps) problems.push(`${here}.smoke: give steps (shared by both environments) or uat.steps / prod.steps`);
      for (const step of [...(smoke.steps ?? []), ...(smoke.uat?.steps ?? []), ...(smoke.prod?.steps ?? [])]) {
        const problem = step ? commandProblem(step.command, `${here}.smoke: step "${step.name}" command`) : null;
        if (problem) problems.push(problem);
      }
    }
  });

  if (s.rollback?.downMigration) {
    problems.push(`${at}.rollback.downMigration: with services, the down migration belongs to the service that holds the migrations (services[].migrations: true, services[].downMigration), so that it runs at its place in the reverse order`);
  }
}
