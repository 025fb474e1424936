/**
 * Multi-service releases as pure rules (DESIGN.md decision 11, SEED.md "Multi-Service Deploy"):
 * which services a set of changed files touches, the dependency graph's problems (unknown names,
 * cycles), and the deploy plan: migrations first, then dependency order, ties by name, one service
 * at a time, with the exact reverse order for rollback. No I/O.
 */
import picomatch from 'picomatch';
import type { SmokeReport } from '../smoke/smoke-rules.ts';

/** A service as the ordering rules see it. */
export type ServiceNode = { name: string; dependsOn: readonly string[]; migrations: boolean };

/** Per-service progress on a deployment record, for the dashboard and the API. */
export const SERVICE_STATUSES = ['pending', 'deploying', 'healthy', 'failed', 'rolled_back'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/** Which way a deployment goes: a release forward, or back (a rollback deploys the previous release in reverse order). */
export type DeployDirection = 'deploy' | 'rollback';

/** The plan of one deploy, computed and shown before it starts. */
export type ServicePlan = {
  direction: DeployDirection;
  /** The services in the order they go, one at a time. */
  order: string[];
  /**
   * What a failure part-way undoes: the exact reverse of `order` (of the services already started).
   * Empty for a rollback: one that fails part-way stops there and is escalated to people.
   */
  rollbackOrder: string[];
  /** Why these services: the fixes touch them, or nothing was told so all go. */
  why: string;
};

/** One service of a deployment: where it stands, and what its checks said. */
export type ServiceStep = {
  service: string;
  status: ServiceStatus;
  migrations: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  /** The health check's answer, or why it failed. */
  health: string | null;
  /** Its own smoke steps, when it has any. */
  smoke: SmokeReport | null;
  /** Why this service failed (its deploy, health check or smoke steps). */
  error: string | null;
  /** Undone after a failure (its own or a later service's): back to the previous release, validated. */
  rollback: { startedAt: string; finishedAt: string | null; ok: boolean | null; detail: string } | null;
};

/** The services part of a deployment record: the plan shown before it started, and each service's progress. */
export type DeploymentServices = ServicePlan & { steps: ServiceStep[] };

/** A fresh record of a plan: every service pending. */
export function pendingSteps(plan: ServicePlan, migrations: ReadonlySet<string>): DeploymentServices {
  return {
    ...plan,
    steps: plan.order.map((service) => ({ service, status: 'pending', migrations: migrations.has(service), startedAt: null, finishedAt: null, health: null, smoke: null, error: null, rollback: null })),
  };
}

// ---- Which services a change touches --------------------------------------------------------------

/** Globs (relative to the repository root; `**` any folders, `*` within a name) → matcher. */
function matcherOf(paths: readonly string[]): (file: string) => boolean {
  return picomatch([...paths], { dot: true });
}

/** The services whose path globs match one of `files`, by name; and the files no service claims. */
export function servicesTouched(files: readonly string[], services: readonly { name: string; paths: readonly string[] }[]): { services: string[]; unclaimed: string[] } {
  const matchers = services.map((s) => ({ name: s.name, matches: matcherOf(s.paths) }));
  const touched = new Set<string>();
  const unclaimed: string[] = [];
  for (const file of files) {
    const owners = matchers.filter((m) => m.matches(file));
    if (owners.length === 0) unclaimed.push(file);
    for (const owner of owners) touched.add(owner.name);
  }
  return { services: [...touched].sort(), unclaimed };
}

/**
 * A bug's services once its fix's files are known: those named by hand stay, and every service the
 * files touch is added (a fix that grew to another service deploys it too). Hand-named first, then
 * the derived ones by name.
 */
export function withTouchedServices(current: readonly string[], files: readonly string[], services: readonly { name: string; paths: readonly string[] }[]): string[] {
  return [...new Set([...current, ...servicesTouched(files, services).services])];
}

/** The globs of a service that match none of `files` (a typo, or a folder that moved): warnings at load. */
export function globsMatchingNothing(paths: readonly string[], files: readonly string[]): string[] {
  return paths.filter((glob) => !files.some(matcherOf([glob])));
}

// ---- The dependency graph ----------------------------------------------------------------------

/** The first dependency cycle found, as a path that returns to its start (["api", "web", "api"]); null when none. */
export function dependencyCycle(services: readonly ServiceNode[]): string[] | null {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of [...(byName.get(name)?.dependsOn ?? [])].sort()) {
      if (!byName.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const name of [...byName.keys()].sort()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * What the graph itself gets wrong, each as [key, problem]: a dependsOn naming no service, a
 * service depending on itself or in a cycle (named: "api -> web -> api"), and a migration service
 * that depends on application code (migrations go first, SEED.md: DB migration → application code).
 */
export function graphProblems(services: readonly ServiceNode[]): { index: number; key: string; problem: string }[] {
  const problems: { index: number; key: string; problem: string }[] = [];
  const names = services.map((s) => s.name);
  const byName = new Map(services.map((s) => [s.name, s]));
  services.forEach((s, index) => {
    s.dependsOn.forEach((dep, k) => {
      if (!byName.has(dep)) {
        problems.push({ index, key: `dependsOn[${k}]`, problem: `"${dep}" is not a service of this system; its services: ${names.join(', ')}` });
      } else if (s.migrations && !byName.get(dep)!.migrations) {
        problems.push({
          index,
          key: `dependsOn[${k}]`,
          problem: `${s.name} holds migrations, which deploy before application code (SEED.md: DB migration → application code), so it cannot depend on ${dep}, which holds none`,
        });
      }
    });
  });
  const cycle = dependencyCycle(services);
  if (cycle) {
    const index = names.indexOf(cycle[0]!);
    problems.push({ index, key: 'dependsOn', problem: `dependency cycle ${cycle.join(' -> ')}: no order deploys each service after what it depends on; remove one of these dependsOn` });
  }
  return problems;
}

// ---- The deploy plan ---------------------------------------------------------------------------

/** Every service `name` depends on, directly or through others (the whole graph, chosen or not). */
function ancestors(name: string, byName: ReadonlyMap<string, ServiceNode>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(byName.get(name)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next) || !byName.has(next)) continue;
    seen.add(next);
    stack.push(...byName.get(next)!.dependsOn);
  }
  return seen;
}

/**
 * The order in which `chosen` services deploy: migration services first, then each service after
 * everything it depends on (directly or through services not in this deploy), ties broken by name.
 * A graph with a cycle never reaches here (refused at load); should one, the rest go by name.
 */
export function deployOrder(services: readonly ServiceNode[], chosen: Iterable<string>): string[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const left = new Set([...chosen].filter((n) => byName.has(n)));
  const before = new Map([...left].map((n) => [n, [...ancestors(n, byName)].filter((a) => left.has(a) && a !== n)]));
  const order: string[] = [];
  const rank = (n: string) => (byName.get(n)!.migrations ? 0 : 1);
  while (left.size > 0) {
    const ready = [...left].filter((n) => before.get(n)!.every((a) => !left.has(a)));
    const pool = ready.length > 0 ? ready : [...left];
    pool.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    const next = pool[0]!;
    order.push(next);
    left.delete(next);
  }
  return order;
}

/**
 * The plan of a deploy. `touched` is what the release changes; a release that touches no service
 * (its files belong to none, and nobody named one) deploys all of them: the safe reading of "we do
 * not know". A rollback goes in the exact reverse of the order the same services deploy in.
 */
export function planDeploy(services: readonly ServiceNode[], touched: readonly string[], direction: DeployDirection = 'deploy'): ServicePlan {
  const known = touched.filter((t) => services.some((s) => s.name === t));
  const chosen = known.length > 0 ? known : services.map((s) => s.name);
  const forward = deployOrder(services, chosen);
  const why =
    known.length > 0
      ? `${direction === 'deploy' ? 'the release touches' : 'the rollback undoes'} ${forward.join(', ')}${forward.length < services.length ? `; ${services.length - forward.length} other service(s) unchanged` : ''}`
      : `${direction === 'deploy' ? 'the release' : 'the rollback'} touches no single service's files: every service goes`;
  return direction === 'deploy' ? { direction, order: forward, rollbackOrder: [...forward].reverse(), why } : { direction, order: [...forward].reverse(), rollbackOrder: [], why };
}

/** "api healthy, web deploying, admin pending": where each service of a deployment stands, in plan order. */
export function describeProgress(services: Pick<DeploymentServices, 'steps'>): string {
  return services.steps.map((s) => `${s.service} ${s.status.replace('_', ' ')}`).join(', ');
}

/** Every service of a system in deploy order (release notes list fixes in it); none for a system of one service. */
export function serviceOrderOf(config: { services?: readonly ServiceNode[] }): string[] | undefined {
  return config.services ? deployOrder(config.services, config.services.map((s) => s.name)) : undefined;
}

/** "api → web (rollback: web → api)" for run reports and messages. */
export function describePlan(plan: Pick<ServicePlan, 'order' | 'rollbackOrder' | 'direction'>): string {
  const arrow = (names: readonly string[]) => names.join(' → ') || 'nothing';
  return plan.direction === 'deploy' ? `services ${arrow(plan.order)} (rollback order: ${arrow(plan.rollbackOrder)})` : `services rolled back in order ${arrow(plan.order)}`;
}
