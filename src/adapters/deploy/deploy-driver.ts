/**
 * The port every deploy driver implements: put one release of one service on one environment,
 * reporting output line by line, and either resolve (deployed) or reject with a DeployFailure that
 * says what went wrong.
 */
export type DeployTarget = {
  system: string;
  env: 'uat' | 'prod';
  service: string;
  version: string;
  tag: string;
  commit: string;
  /** Where the command runs (the system's repository unless configured). */
  workdir: string;
};

export type DeployLog = (stream: 'stdout' | 'stderr' | 'tonic', line: string) => void;

export interface DeployDriver {
  readonly kind: string;
  deploy(target: DeployTarget, log: DeployLog): Promise<void>;
}

export class DeployFailure extends Error {
  override name = 'DeployFailure';
}

/** The placeholders a command template or webhook body may use, and their values. */
export function placeholders(target: DeployTarget): Record<string, string> {
  return {
    version: target.version,
    tag: target.tag,
    commit: target.commit,
    env: target.env,
    service: target.service,
    system: target.system,
    workdir: target.workdir,
  };
}

export function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}
