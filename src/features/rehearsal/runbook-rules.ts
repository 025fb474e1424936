/**
 * The rollback runbook of a system as Markdown (SEED.md's "Rollback Procedure" and its checklist,
 * filled with that system's commands). Pure: everything it says comes from its input.
 *
 * Services: a system deploys one or more services in dependency order; a rollback undoes them in
 * the reverse order (DESIGN.md decision 11). `runbookServicesOf` gives the one implicit service of
 * a system without a `services` section; a system with several passes them in deploy order.
 */
import type { DeployConfig, DownMigrationConfig, HealthConfig, SystemConfig } from '../../config/load-config.ts';
import { IMPACT_ACTION, ROLLBACK_IMPACTS } from '../rollbacks/rollback-rules.ts';
import type { SmokeConfig } from '../smoke/smoke-rules.ts';
import { serviceOrderOf } from '../services/service-rules.ts';
import { describeExpectation, shellQuote, type Env } from './rehearsal-rules.ts';

export type RunbookService = {
  name: string;
  deploy: Record<Env, DeployConfig | null>;
  health: Record<Env, HealthConfig | null>;
};

/** What an environment runs now and what it ran before, when Tonic knows. */
export type RunbookEnvState = { version: string | null; commit: string | null; previous: { version: string; commit: string | null } | null };

export type RunbookInput = {
  system: string;
  title: string;
  timeZone: string;
  /** The repository, as configured (a path or a URL). */
  repository: string | null;
  lines: Record<Env, string>;
  /** In deploy order (dependencies first); the runbook undoes them in reverse. */
  services: readonly RunbookService[];
  /** Where deploy commands run when they configure no workdir. */
  workdir: string;
  downMigration: DownMigrationConfig | null;
  dbaContact: string | null;
  smoke: SmokeConfig | null;
  /** The channels that receive rollback messages. */
  notified: readonly { name: string; kind: string }[];
  state?: Partial<Record<Env, RunbookEnvState>>;
  /** When it was rendered, in the system's time zone. */
  renderedAt: string;
};

/**
 * The services of a system in deploy order (the runbook undoes them in reverse): each with its own
 * driver and health check, else the environment's. A system without a `services` section is one
 * service: itself, deployed by its environments.
 */
export function runbookServicesOf(system: Pick<SystemConfig, 'name' | 'environments' | 'services'>): RunbookService[] {
  const envs = system.environments;
  if (!system.services) {
    return [{ name: system.name, deploy: { uat: envs.uat.deploy, prod: envs.prod.deploy }, health: { uat: envs.uat.health, prod: envs.prod.health } }];
  }
  const byName = new Map(system.services.map((s) => [s.name, s]));
  return serviceOrderOf(system)!.map((name) => {
    const own = byName.get(name)!.environments;
    return {
      name,
      deploy: { uat: own.uat.deploy ?? envs.uat.deploy, prod: own.prod.deploy ?? envs.prod.deploy },
      health: { uat: own.uat.health, prod: own.prod.health },
    };
  });
}

const ENV_NAME: Record<Env, string> = { prod: 'PROD', uat: 'UAT' };

function fillTarget(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function serviceSteps(input: RunbookInput, env: Env, service: RunbookService, target: { tag: string; commit: string }): string[] {
  const values = { version: target.tag, tag: target.tag, commit: target.commit, env, service: service.name, system: input.system, workdir: input.workdir };
  const deploy = service.deploy[env];
  const lines: string[] = [];
  if (!deploy) {
    lines.push(`   No deploy driver is configured for ${env} (systems[].environments.${env}.deploy): put ${target.tag} back by your own procedure.`);
  } else if (deploy.driver === 'command') {
    const cwd = deploy.workdir ? fillTarget(deploy.workdir, values) : input.workdir;
    const vars = Object.entries(values).map(([k, v]) => `TONIC_${k.toUpperCase()}=${shellQuote([v])}`);
    lines.push('   ```sh', `   cd ${shellQuote([cwd])}`, `   ${vars.join(' ')} \\`, `     ${shellQuote(deploy.command.map((p) => fillTarget(p, values)))}`, '   ```');
    if (Object.keys(deploy.env).length > 0) lines.push(`   with ${Object.keys(deploy.env).join(', ')} set as in the configuration.`);
  } else {
    const body = JSON.stringify({ event: 'deploy', ...values });
    lines.push(
      `   POST ${deploy.url} with the body \`${body}\`, signed with the webhook secret (X-Tonic-Timestamp, and X-Tonic-Signature: sha256= HMAC-SHA256 of "<timestamp>.<body>"); \`tonic rollback\` sends exactly this.`,
    );
  }
  const health = service.health[env];
  if (health) {
    lines.push(`   Then check it answers: \`curl -fsS ${health.url}\` must answer HTTP ${health.expectStatus}${health.expectVersion ? ` and report ${target.tag}` : ''} (Tonic waits up to ${Math.round(health.timeoutMs / 1000)} s).`);
  } else {
    lines.push(`   No health check is configured (systems[].environments.${env}.health): check ${service.name} answers before going on.`);
  }
  return lines;
}

function envSection(input: RunbookInput, env: Env): string[] {
  const state = input.state?.[env];
  const prev = state?.previous;
  const target = { tag: prev?.version ?? '<previous_tag>', commit: prev?.commit ?? '<previous_commit>' };
  const now = state?.version ?? state?.commit?.slice(0, 10) ?? null;
  const repo = input.repository ? shellQuote([input.repository]) : '<repository>';
  const lines = [`### ${ENV_NAME[env]}`, ''];
  lines.push(
    now
      ? `${ENV_NAME[env]} runs ${now}${state?.commit ? ` (${state.commit.slice(0, 10)})` : ''}; ${prev ? `before it, ${prev.version}${prev.commit ? ` (${prev.commit.slice(0, 10)})` : ''}: the rollback target below.` : 'what ran before it is not on record: find the tag below.'}`
      : `What ${ENV_NAME[env]} runs is not recorded yet (\`tonic env record --system ${input.system} --env ${env} --commit SHA --version TAG\`).`,
    '',
    `1. **Identify the previous working tag** (git log): \`git -C ${repo} log --oneline --decorate -n 15 ${input.lines[env]}\`; \`tonic deployments list --system ${input.system}\` shows what each deploy replaced.`,
  );
  const down = input.downMigration;
  if (down) {
    const values = { from: now ?? '<current_tag>', to: target.tag };
    const cwd = down.workdir ?? input.workdir;
    lines.push(
      `2. **Database first** (only when the release changed the schema): \`git -C ${repo} diff --name-only ${target.tag} ${now ?? '<current_tag>'} -- ${down.migrationPaths.map((g) => shellQuote([g])).join(' ')}\`. When it lists files, run the down migration while the code that knows how is still deployed:`,
      '   ```sh',
      `   cd ${shellQuote([cwd])}`,
      `   ${shellQuote(down.command.map((p) => fillTarget(p, values)))}`,
      '   ```',
      `   (Tonic stops it after ${Math.round(down.timeoutMs / 1000)} s; if it fails, stop here and escalate: the database may be half-migrated.)`,
    );
  } else {
    lines.push(`2. **Database**: no down-migration command is configured (systems[].rollback.downMigration): if the release changed the schema, roll it back by hand before the code.`);
  }
  const reversed = [...input.services].reverse();
  lines.push(
    `3. **Services, in reverse deploy order** (${reversed.map((s) => s.name).join(' → ')}); each one healthy before the next:`,
    ...reversed.flatMap((service, i) => [`   ${i + 1}. ${service.name}`, ...serviceSteps(input, env, service, target).map((l) => `   ${l}`)]),
    `4. **Bug statuses**: \`tonic rollback\` returns each bug the rolled-back deploy moved to the status it had before. After a rollback by hand, record what ${ENV_NAME[env]} runs: \`tonic env record --system ${input.system} --env ${env} --commit ${target.commit} --version ${target.tag}\`.`,
  );
  const plan = input.smoke?.environments[env];
  if (plan && plan.steps.length > 0) {
    lines.push(
      `5. **Smoke test** (5 to 10 minutes), against ${plan.baseUrl}:`,
      ...plan.steps.map((s) => `   - ${s.name}: ${s.kind === 'http' ? `${s.method} ${s.path}` : `\`${shellQuote(s.command)}\``} → ${describeExpectation(s.kind, s.expect)}`),
    );
  } else {
    lines.push(`5. **Smoke test** (5 to 10 minutes): no smoke steps are configured (systems[].smoke): log in, open the affected feature, check two or three neighbours and the logs by hand.`);
  }
  lines.push('');
  return lines;
}

export function rollbackRunbook(input: RunbookInput): string {
  const s = input.system;
  const lines = [
    `# Rollback runbook: ${input.title} (${s})`,
    '',
    `SEED.md's rollback procedure, filled with the commands of ${s} as configured (rendered ${input.renderedAt}, ${input.timeZone}). Services: ${input.services.map((x) => x.name).join(', ')}.`,
    '',
    '## 1. Decide',
    '',
    '| impact | what to do | command |',
    '|---|---|---|',
    ...ROLLBACK_IMPACTS.map(
      (impact) =>
        `| ${impact} | ${IMPACT_ACTION[impact].meaning}${impact === 'data-corruption' ? (input.dbaContact ? ` (DBA: ${input.dbaContact})` : ' (no DBA contact configured: systems[].rollback.dbaContact)') : ''} | \`tonic rollback --system ${s} --env prod --impact ${impact} --reason "what broke"\` |`,
    ),
    '',
    '## 2. Record what was deployed, when, and what broke',
    '',
    `\`tonic env show --system ${s}\` and \`tonic deployments list --system ${s}\` say what runs where since when; the reason you give \`tonic rollback\` goes into the HISTORY entry.`,
    '',
    '## 3. Execute',
    '',
    `With Tonic (it takes the deploy lock, runs steps 2 to 5 below in order, and records everything): \`tonic rollback --system ${s} --env prod --impact regression --reason "what broke"\` (\`--to TAG\` to choose the target). By hand, when Tonic cannot:`,
    '',
    ...envSection(input, 'prod'),
    ...envSection(input, 'uat'),
    '## 4. Notify and document',
    '',
    input.notified.length > 0
      ? `Tonic announces the rollback (rollback.executed, and rollback.escalated for data corruption) to ${input.notified.map((c) => `${c.name} (${c.kind})`).join(', ')}.`
      : 'No channel receives rollback messages (systems[].channels with "rollback.*"): tell the team and stakeholders yourself.',
    `Then: \`tonic rollbacks document ID --system ${s} --root-cause "…" --fix-plan "…"\`; the HISTORY is \`GET /api/v1/systems/${s}/history.md\`.`,
    '',
    '## Checklist',
    '',
    `- [ ] Previous working commit/tag identified (git log): \`git -C ${input.repository ? shellQuote([input.repository]) : '<repository>'} log --oneline --decorate ${input.lines.prod}\``,
    `- [ ] Rollback scope defined (frontend / backend / both / DB): services ${[...input.services].reverse().map((x) => x.name).join(', ')}${input.downMigration ? `; DB when files matching ${input.downMigration.migrationPaths.join(', ')} changed` : ''}`,
    '- [ ] Affected bug statuses reverted in system (`tonic rollback` does it; `tonic rollbacks show ID` lists them)',
    `- [ ] Smoke test completed after rollback${input.smoke ? ` (${input.smoke.environments.prod.steps.length} step(s) run by Tonic)` : ''}`,
    `- [ ] Root cause of regression documented (\`tonic rollbacks document ID --root-cause "…"\`)`,
    `- [ ] Team + stakeholders notified${input.notified.length > 0 ? ` (${input.notified.map((c) => c.name).join(', ')})` : ''}`,
    `- [ ] Fix plan for the reverted change recorded (\`tonic rollbacks document ID --fix-plan "…"\`)`,
    '',
  ];
  return lines.join('\n');
}
