import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { dependencyCycle, deployOrder, describePlan, globsMatchingNothing, graphProblems, planDeploy, servicesTouched, type ServiceNode } from './service-rules.ts';

const node = (name: string, dependsOn: string[] = [], migrations = false): ServiceNode => ({ name, dependsOn, migrations });

describe('which services a change touches', () => {
  const services = [
    { name: 'api', paths: ['api/**', 'shared/**'] },
    { name: 'web', paths: ['web/**', 'shared/**'] },
    { name: 'db', paths: ['db/migrations/*.sql'] },
  ];

  test('each file goes to every service whose globs match it; files of no service are listed apart', () => {
    assert.deepEqual(servicesTouched(['web/app.js'], services), { services: ['web'], unclaimed: [] });
    assert.deepEqual(servicesTouched(['api/orders.js', 'web/app.js'], services), { services: ['api', 'web'], unclaimed: [] });
    assert.deepEqual(servicesTouched(['shared/money.js'], services), { services: ['api', 'web'], unclaimed: [] }, 'a shared library belongs to both');
    assert.deepEqual(servicesTouched(['README.md', 'db/migrations/002.sql', 'db/migrations/old/001.sql'], services), { services: ['db'], unclaimed: ['README.md', 'db/migrations/old/001.sql'] });
    assert.deepEqual(servicesTouched([], services), { services: [], unclaimed: [] });
  });

  test('globs are real globs: ** any folders, * within a name, braces, dot files', () => {
    const svc = [{ name: 'web', paths: ['web/**/*.{js,css}', 'web/.env.example'] }];
    assert.deepEqual(servicesTouched(['web/a/b/c.css', 'web/x.js', 'web/.env.example', 'web/readme.md', 'webx/a.js'], svc).unclaimed, ['web/readme.md', 'webx/a.js']);
  });

  test('a glob that matches nothing in the repository is named (a warning at load)', () => {
    assert.deepEqual(globsMatchingNothing(['api/**', 'apii/**', 'docs/*.md'], ['api/server.js', 'docs/a.md']), ['apii/**']);
  });
});

describe('the dependency graph', () => {
  test('a cycle is found and named from where it starts, back to it', () => {
    assert.deepEqual(dependencyCycle([node('api', ['web']), node('web', ['api'])]), ['api', 'web', 'api']);
    assert.deepEqual(dependencyCycle([node('a', ['b']), node('b', ['c']), node('c', ['b'])]), ['b', 'c', 'b']);
    assert.deepEqual(dependencyCycle([node('api', ['api'])]), ['api', 'api']);
    assert.equal(dependencyCycle([node('api'), node('web', ['api']), node('admin', ['api', 'web'])]), null);
  });

  test('problems: unknown names, the cycle, a migration service depending on application code', () => {
    const problems = graphProblems([node('api', ['web', 'cache']), node('web', ['api']), node('db', ['api'], true)]);
    assert.deepEqual(problems, [
      { index: 0, key: 'dependsOn[1]', problem: '"cache" is not a service of this system; its services: api, web, db' },
      {
        index: 2,
        key: 'dependsOn[0]',
        problem: 'db holds migrations, which deploy before application code (SEED.md: DB migration → application code), so it cannot depend on api, which holds none',
      },
      { index: 0, key: 'dependsOn', problem: 'dependency cycle api -> web -> api: no order deploys each service after what it depends on; remove one of these dependsOn' },
    ]);
    assert.deepEqual(graphProblems([node('db', [], true), node('api', ['db']), node('web', ['api'])]), []);
  });
});

describe('the deploy plan', () => {
  const shop = [node('web', ['api']), node('api', ['lib']), node('lib'), node('db', [], true), node('admin', ['api'])];

  test('migrations first, then dependency order (SEED.md: backend first, shared library before dependents), ties by name', () => {
    assert.deepEqual(deployOrder(shop, ['web', 'api', 'db', 'lib', 'admin']), ['db', 'lib', 'api', 'admin', 'web']);
    assert.deepEqual(deployOrder(shop, ['web', 'api']), ['api', 'web']);
    assert.deepEqual(deployOrder(shop, ['web']), ['web']);
  });

  test('a dependency through a service not in this deploy still orders the ones that are', () => {
    assert.deepEqual(deployOrder(shop, ['web', 'lib']), ['lib', 'web'], 'web depends on lib through api');
  });

  test('the plan: only what the release touches; nothing touched means every service; rollback is the exact reverse', () => {
    const plan = planDeploy(shop, ['web', 'api']);
    assert.deepEqual(plan, { direction: 'deploy', order: ['api', 'web'], rollbackOrder: ['web', 'api'], why: 'the release touches api, web; 3 other service(s) unchanged' });
    assert.equal(describePlan(plan), 'services api → web (rollback order: web → api)');
    assert.deepEqual(planDeploy(shop, []).order, ['db', 'lib', 'api', 'admin', 'web']);
    assert.match(planDeploy(shop, ['nope']).why, /every service goes/);
    const back = planDeploy(shop, ['web', 'api', 'db'], 'rollback');
    assert.deepEqual(back, { direction: 'rollback', order: ['web', 'api', 'db'], rollbackOrder: [], why: 'the rollback undoes db, api, web; 2 other service(s) unchanged' });
    assert.equal(describePlan(back), 'services rolled back in order web → api → db');
  });

  // Random acyclic graphs: each service may depend only on services earlier in a random ranking.
  const graphs = fc
    .uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 1, maxLength: 8 })
    .chain((names) =>
      fc.tuple(
        fc.constant(names),
        fc.array(fc.tuple(fc.boolean(), fc.array(fc.nat(), { maxLength: 3 })), { minLength: names.length, maxLength: names.length }),
        fc.subarray(names),
      ),
    )
    .map(([names, shape, chosen]) => {
      const migrations = new Set(names.filter((_, i) => shape[i]![0]));
      const services = names.map((name, i) => ({
        name,
        migrations: migrations.has(name),
        // Only earlier names (acyclic); a migration service only on migration services.
        dependsOn: [...new Set(shape[i]![1].filter(() => i > 0).map((k) => names[k % i]!))].filter((d) => !migrations.has(name) || migrations.has(d)),
      }));
      return { services, chosen };
    });

  test('property: every chosen service once; after all it depends on; migrations before the rest; deterministic; rollback the exact reverse', () => {
    fc.assert(
      fc.property(graphs, ({ services, chosen }) => {
        const plan = planDeploy(services, chosen);
        const expected = chosen.length > 0 ? chosen : services.map((s) => s.name);
        assert.deepEqual([...plan.order].sort(), [...expected].sort());
        const at = new Map(plan.order.map((n, i) => [n, i]));
        const byName = new Map(services.map((s) => [s.name, s]));
        const deps = (n: string, seen = new Set<string>()): Set<string> => {
          for (const d of byName.get(n)!.dependsOn) if (!seen.has(d)) deps(d, seen.add(d));
          return seen;
        };
        for (const n of plan.order) for (const d of deps(n)) if (at.has(d)) assert.ok(at.get(d)! < at.get(n)!, `${d} before ${n} in ${plan.order.join(',')}`);
        const firstApp = plan.order.findIndex((n) => !byName.get(n)!.migrations);
        if (firstApp >= 0) assert.ok(plan.order.slice(firstApp).every((n) => !byName.get(n)!.migrations), `migrations first: ${plan.order.join(',')}`);
        assert.deepEqual(plan.rollbackOrder, [...plan.order].reverse());
        assert.deepEqual(planDeploy([...services].reverse(), [...expected].reverse()).order, plan.order, 'the same whatever order things are listed in');
        assert.deepEqual(planDeploy(services, chosen, 'rollback').order, plan.rollbackOrder);
      }),
    );
  });
});
