/**
 * The deploy drivers of a rehearsal: instead of deploying, each records exactly what the real
 * deploy of the real system would do (rehearsal-rules.ts), checks what can be checked without
 * running it (the program exists, its working directory exists), writes it to the deployment's
 * log, and reports success so that the rehearsal goes on to find every problem in one pass.
 */
import { existsSync, statSync } from 'node:fs';
import type { DeployLog, DeployTarget } from '../../adapters/deploy/deploy-driver.ts';
import type { DeployDrivers } from '../../adapters/deploy/deploy-drivers.ts';
import type { DeployConfig, SystemConfig } from '../../config/load-config.ts';
import { findProgram } from '../config-check/config-check.ts';
import { describeDeployment, describeServiceDeployment, type RecordedAction } from './rehearsal-rules.ts';

export type Recorder = { record(action: RecordedAction): void };

export function createRecordingDrivers(input: { real: SystemConfig; workdir: string; recorder: Recorder; env?: NodeJS.ProcessEnv }): DeployDrivers {
  const { real, workdir, recorder } = input;
  /** Records what `actions` would do and what it found wrong; the deploy itself "succeeds". */
  const recording = (kind: string, actionsOf: (target: DeployTarget) => RecordedAction[], deploy: DeployConfig | null, env: 'uat' | 'prod', key: string) => ({
    kind: `recording (${kind})`,
    async deploy(target: DeployTarget, log: DeployLog) {
      // Placeholders are filled as the real deploy fills them: in the real repository, not the clone.
      const actions = actionsOf({ ...target, workdir });
      if (deploy?.driver === 'command') {
        const cwd = deploy.workdir ?? workdir;
        const first = actions[0]!;
        if (!cwd.includes('{') && !(existsSync(cwd) && statSync(cwd).isDirectory())) {
          first.problems.push(`the working directory ${cwd} does not exist: fix ${key}.deploy.workdir (or repository.path)`);
        } else if (!findProgram(deploy.command[0]!, cwd, input.env ?? process.env)) {
          first.problems.push(`the deploy command ${deploy.command[0]} is not an executable file here: install it or fix ${key}.deploy.command`);
        }
      }
      for (const action of actions) {
        recorder.record(action);
        log('tonic', `would ${action.kind === 'deploy' ? 'run' : 'check'}: ${action.text}`);
        for (const problem of action.problems) log('tonic', `problem: ${problem}`);
      }
    },
  });
  return {
    for(_scratch, env) {
      const deploy = real.environments[env].deploy;
      return recording(deploy?.driver ?? 'none', (target) => describeDeployment(real, env, target), deploy, env, `systems[].environments.${env}`);
    },
    forService(_scratch, scratchService, env) {
      const service = real.services?.find((s) => s.name === scratchService.name) ?? scratchService;
      const deploy = service.environments[env].deploy ?? real.environments[env].deploy;
      return recording(deploy?.driver ?? 'none', (target) => describeServiceDeployment(real, service, env, target), deploy, env, `systems[].services[${service.name}].environments.${env}`);
    },
  };
}
