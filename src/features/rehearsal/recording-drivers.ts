/**
 * The deploy drivers of a rehearsal: instead of deploying, each records exactly what the real
 * deploy of the real system would do (rehearsal-rules.ts), checks what can be checked without
 * running it (the program exists, its working directory exists), writes it to the deployment's
 * log, and reports success so that the rehearsal goes on to find every problem in one pass.
 */
import { existsSync, statSync } from 'node:fs';
import type { DeployDrivers } from '../../adapters/deploy/deploy-drivers.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import { findProgram } from '../config-check/config-check.ts';
import { describeDeployment, type RecordedAction } from './rehearsal-rules.ts';

export type Recorder = { record(action: RecordedAction): void };

export function createRecordingDrivers(input: { real: SystemConfig; workdir: string; recorder: Recorder; env?: NodeJS.ProcessEnv }): DeployDrivers {
  const { real, workdir, recorder } = input;
  return {
    for(_scratch, env) {
      return {
        kind: `recording (${real.environments[env].deploy?.driver ?? 'none'})`,
        async deploy(target, log) {
          // Placeholders are filled as the real deploy fills them: in the real repository, not the clone.
          const actions = describeDeployment(real, env, { ...target, workdir });
          const deploy = real.environments[env].deploy;
          if (deploy?.driver === 'command') {
            const cwd = deploy.workdir ?? workdir;
            const first = actions[0]!;
            if (!cwd.includes('{') && !(existsSync(cwd) && statSync(cwd).isDirectory())) {
              first.problems.push(`the working directory ${cwd} does not exist: fix systems[].environments.${env}.deploy.workdir (or repository.path)`);
            } else if (!findProgram(deploy.command[0]!, cwd, input.env ?? process.env)) {
              first.problems.push(`the deploy command ${deploy.command[0]} is not an executable file here: install it or fix systems[].environments.${env}.deploy.command`);
            }
          }
          for (const action of actions) {
            recorder.record(action);
            log('tonic', `would ${action.kind === 'deploy' ? 'run' : 'check'}: ${action.text}`);
            for (const problem of action.problems) log('tonic', `problem: ${problem}`);
          }
        },
      };
    },
  };
}
