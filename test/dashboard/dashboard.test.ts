/**
 * The dashboard in Chromium against the real server (`tonic serve` with the demo: SQLite, git
 * repositories, UAT and PROD as processes deployed by the command driver). One browser, pages in
 * turn: sign-in, a Flow 1 bug clicked through from report to PROD, a batch approval of three bugs,
 * live updates, what a viewer sees and that a request forged from their session is refused, and
 * Flow 2 on a phone from approval to uat_merged. Each step saves a screenshot under
 * dist/test-screenshots.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { STATUS_INFO, type BugStatus } from '../../src/features/bugs/bug-statuses.ts';
import { PALETTE } from '../../web/src/components/status-colours.ts';
import { launchChromium, type TestBrowser } from './browser.ts';
import { shot as saveShot, signIn as signInAt, signOut, startDemoDashboard, type DemoDashboard } from './demo-server.ts';

const VIEWER_PASSWORD = 'viewer password 123';
const STEP = { timeout: 120_000 };
const GIT_AUTHOR = ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.invalid', '-c', 'commit.gpgsign=false'];

/** "rgb(r, g, b)" of a "#rrggbb" colour, as getComputedStyle answers. */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

describe('the dashboard in a browser', () => {
  let demo: DemoDashboard;
  let url: string;
  let chromium: TestBrowser;
  let page: Page;
  let adminPassword: string;
  let devToken: string;

  const api = (method: string, path: string, body?: unknown, token?: string) => demo.api(method, path, body, token);
  const shot = (name: string) => saveShot(page, name);
  const signIn = (username: string, password: string) => signInAt(page, url, username, password);

  /** Every status badge on the page has the colour SEED.md gives its status. */
  async function assertBadgeColours() {
    const badges = await page.locator('.badge').evaluateAll((els) => els.map((e) => ({ status: e.getAttribute('data-status'), background: getComputedStyle(e).backgroundColor })));
    assert.ok(badges.length > 0, 'the page shows status badges');
    for (const b of badges) assert.equal(b.background, rgb(PALETTE[STATUS_INFO[b.status as BugStatus].colour]!.background), `${b.status} badge colour`);
  }

  before(async () => {
    demo = await startDemoDashboard();
    url = demo.url;
    adminPassword = demo.adminPassword;
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    assert.match(demo.server().output(), new RegExp(`sign in as admin with password ${adminPassword}`), 'the demo prints how to sign in');
    await api('POST', '/users', { username: 'dev', role: 'developer' });
    devToken = (await api('POST', '/users/dev/tokens', { name: 'test' })).token;
    await api('POST', '/users', { username: 'vera', role: 'viewer' });
    await api('PUT', '/users/vera/password', { password: VIEWER_PASSWORD });
  });

  after(async () => {
    await chromium?.close();
    await demo?.close();
  });

  test('signing in: a wrong password is refused in words, the right one opens the board, signing out closes it', STEP, async () => {
    await page.goto(`${url}/systems/shop/environments`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.match(page.url(), /\/login\?next=%2Fsystems%2Fshop%2Fenvironments/, 'back to sign-in, remembering the page');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor();
    await shot('sign-in-refused');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Environments · Demo shop' }).waitFor();
    await page.getByRole('link', { name: 'Bugs' }).click();
    await page.getByRole('heading', { name: 'Bugs · Demo shop' }).waitFor();
    await page.getByRole('link', { name: 'Checkout total ignores the discount code' }).waitFor();
    await signOut(page);
    await page.goto(`${url}/systems/shop/bugs`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  test('Flow 1 in the browser: report, confirm, run T1, approve from the board, run T2; badges in SEED.md colours', STEP, async () => {
    await signIn('admin', adminPassword);
    await page.goto(`${url}/systems/shop/bugs`);
    await page.getByRole('link', { name: 'Report a bug' }).click();
    await page.getByLabel('Title').fill('Discount code ignored on mobile');
    await page.getByLabel('Description').fill('SAVE10 does nothing in the mobile checkout.');
    await page.getByLabel('Severity').selectOption('medium');
    await page.getByLabel('Found in').selectOption('prod');
    await page.getByLabel('Module').selectOption('checkout');
    await page.getByRole('button', { name: 'Report bug' }).click();
    const heading = page.getByRole('heading', { name: /^#\d+ Discount code ignored on mobile$/ });
    await heading.waitFor();
    const id = Number(/^#(\d+)/.exec((await heading.textContent()) ?? '')![1]);

    // The developer attaches the fix through the API; the open page shows it without a reload.
    await api('POST', `/systems/shop/bugs/${id}/fix`, { branch: 'fix/discount-code' }, devToken);
    await page.getByText('(branch fix/discount-code) by dev').waitFor();

    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm bug' }).click();
    await page.locator('.bug-tags .badge[data-status="confirmed"]').waitFor();
    await page.getByText('Why: UAT and PROD run the same commit').waitFor();

    await page.getByRole('link', { name: 'Tonight' }).click();
    await page.getByRole('button', { name: 'Run T1 now…' }).click();
    const preview = page.getByRole('group', { name: 'T1 preview' });
    await preview.getByText('build and deploy to UAT (Flow 1)').waitFor();
    await shot('tonight-t1-preview');
    await preview.getByRole('button', { name: 'Run T1 now' }).click();
    await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 60_000 });

    await page.getByRole('link', { name: 'Bugs' }).click();
    await page.locator(`tr[data-bug="${id}"] .badge[data-status="deployed_uat"]`).waitFor();
    await page.getByLabel(`Select bug #${id}`).check();
    await page.getByLabel('Select bug #2').check();
    await page.getByRole('button', { name: 'Approve PROD Deploy (1)' }).click();
    const results = page.getByRole('region', { name: 'Batch results' });
    const approved = results.locator('li[data-result="ok"]').filter({ hasText: `#${id}` });
    await approved.waitFor();
    assert.match((await approved.textContent()) ?? '', /approved → pending_prod, runs (tonight|today|tomorrow|on \w+ \d+ \w+) at 22:00 HKT/);
    await results.locator('li[data-result="skipped"]').filter({ hasText: '#2 not sent' }).waitFor();
    await page.locator(`tr[data-bug="${id}"] .badge[data-status="pending_prod"]`).waitFor();
    await shot('board-after-batch-approval');

    await page.getByRole('link', { name: 'Tonight' }).click();
    await page.getByRole('button', { name: 'Run T2 now…' }).click();
    await page.getByRole('group', { name: 'T2 preview' }).getByRole('button', { name: 'Run T2 now' }).click();
    await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 60_000 });

    await page.getByRole('link', { name: 'Bugs' }).click();
    await page.locator(`tr[data-bug="${id}"] .badge[data-status="deployed_prod"]`).waitFor();
    await assertBadgeColours();
    await page.getByRole('button', { name: 'Flow 1 by status' }).click();
    await page.getByRole('region', { name: 'deployed_prod column' }).getByText(`#${id} Discount code ignored on mobile`).waitFor();
    await assertBadgeColours();
    await shot('board-flow1-columns');

    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('region', { name: 'UAT' }).locator('.version').getByText('v1.0.1').waitFor();
    await page.getByRole('region', { name: 'PROD' }).locator('.version').getByText('v1.0.1').waitFor();
    await shot('environments-after-flow1');

    // The T2 run and its PROD deployment, with the deploy log.
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('link', { name: /^run \d+$/ }).first().click();
    await page.getByRole('link', { name: /deployment \d+ to PROD/ }).click();
    await page.getByLabel('Deploy log').getByText(/prod runs v1\.0\.1/).waitFor();
    await shot('deployment-page');

    await page.goto(`${url}/systems/shop/bugs/${id}`);
    await page.getByRole('table').getByText('approve prod').waitFor();
    await shot('bug-page-deployed-prod');
  });

  test('a change made through the API appears in an open page without reloading (server-sent events)', STEP, async () => {
    await page.goto(`${url}/systems/shop/bugs`);
    await page.getByRole('status', { name: 'Live updates: live' }).waitFor();
    await page.getByRole('heading', { name: 'Bugs · Demo shop' }).waitFor();
    const reported = await api('POST', '/systems/shop/bugs', { title: 'Reported while you watch', description: '', severity: 'low', foundInEnv: 'uat' }, devToken);
    await page.getByRole('link', { name: 'Reported while you watch' }).waitFor({ timeout: 10_000 });
    await api('POST', `/systems/shop/bugs/${reported.id}/confirm`, {});
    await page.locator(`tr[data-bug="${reported.id}"] .badge[data-status="confirmed"]`).waitFor({ timeout: 10_000 });
  });

  test('a batch approval of three bugs: each answers with its new status and the T2 that deploys it', STEP, async () => {
    // Three bugs, each with its own fix branch pushed by a developer, deployed to UAT by one T1.
    const repo = join(demo.cwd, '.tonic', 'demo', 'repos', 'shop');
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...GIT_AUTHOR, ...args], { stdio: 'pipe' });
    const ids: number[] = [];
    for (const name of ['receipt', 'stock', 'wishlist']) {
      git('checkout', '--quiet', '-b', `fix/${name}`, 'main');
      writeFileSync(join(repo, `${name}.js`), `export const ${name} = true;\n`);
      git('add', `${name}.js`);
      git('commit', '--quiet', '-m', `Fix the ${name} page`);
      git('checkout', '--quiet', 'main');
      const bug = await api('POST', '/systems/shop/bugs', { title: `The ${name} page is wrong`, description: '', severity: 'low', foundInEnv: 'uat', module: 'catalog' }, devToken);
      await api('POST', `/systems/shop/bugs/${bug.id}/fix`, { branch: `fix/${name}` }, devToken);
      await api('POST', `/systems/shop/bugs/${bug.id}/confirm`, {});
      ids.push(bug.id);
    }
    assert.equal((await api('POST', '/systems/shop/runs/t1', {})).status, 'succeeded');

    await page.goto(`${url}/systems/shop/bugs`);
    for (const id of ids) await page.getByLabel(`Select bug #${id}`).check();
    await page.getByRole('button', { name: 'Approve PROD Deploy (3)' }).click();
    const results = page.getByRole('region', { name: 'Batch results' });
    for (const id of ids) {
      const line = results.locator('li[data-result="ok"]').filter({ hasText: `#${id} ` });
      await line.waitFor();
      assert.match((await line.textContent()) ?? '', /approved → pending_prod, runs (tonight|today|tomorrow|on \w+ \d+ \w+) at 22:00 HKT$/);
    }
    assert.equal(await results.locator('li').count(), 3);
    for (const id of ids) await page.locator(`tr[data-bug="${id}"] .badge[data-status="pending_prod"]`).waitFor();
    await shot('board-batch-of-three');
    for (const id of ids) assert.equal((await api('GET', `/systems/shop/bugs/${id}`)).status, 'pending_prod');
  });

  test('a viewer sees no approve buttons and no actions', STEP, async () => {
    await signOut(page);
    await signIn('vera', VIEWER_PASSWORD);
    await page.goto(`${url}/systems/shop/bugs`);
    await page.getByRole('link', { name: 'Checkout total ignores the discount code' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Approve/ }).count(), 0);
    assert.equal(await page.getByRole('checkbox').count(), 0, 'nothing to select for batch approval');
    assert.equal(await page.getByRole('link', { name: 'Report a bug' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    await page.getByRole('link', { name: 'Checkout total ignores the discount code' }).click();
    await page.getByText('No action is open to you on this bug now.').waitFor();
    assert.equal(await page.getByRole('region', { name: 'Actions' }).count(), 0);
    await page.getByRole('link', { name: 'Tonight' }).click();
    await page.getByRole('heading', { name: /^T2 / }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Run T\d now/ }).count(), 0);
    await shot('viewer-tonight');

    // A change forged from the viewer's session: without the CSRF token it is refused before the
    // role is even looked at; with it, the viewer's role refuses it. Bug 2 is untouched.
    // (A string: the test's TypeScript loader would add helpers the page does not have to a function.)
    const forged = (await page.evaluate(`(async () => {
      const post = (headers) => fetch('/api/v1/systems/shop/bugs/2/confirm', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })
        .then(async (res) => ({ status: res.status, body: await res.json() }));
      const session = await (await fetch('/api/v1/session')).json();
      return { withoutToken: await post({}), withToken: await post({ 'x-csrf-token': session.csrfToken }) };
    })()`)) as { withoutToken: { status: number; body: { detail: string } }; withToken: { status: number; body: { detail: string } } };
    assert.equal(forged.withoutToken.status, 403);
    assert.match(forged.withoutToken.body.detail, /must carry the session's CSRF token/);
    assert.equal(forged.withToken.status, 403);
    assert.match(forged.withToken.body.detail, /confirming, rejecting and closing bugs needs/);
    assert.equal((await api('GET', '/systems/shop/bugs/2')).status, 'submitted', 'nothing was applied');
    await signOut(page);
  });

  test('on a phone (390 px): sign in, approve a Flow 2 merge, run T2 until the board shows uat_merged', STEP, async () => {
    // Billing bug 4 through Flow 2 up to deployed_prod by the API, then approved on the phone.
    await api('POST', '/systems/billing/bugs/4/confirm', {});
    await api('POST', '/systems/billing/bugs/4/fix', { branch: 'fix/invoice-rounding' }, devToken);
    assert.equal((await api('POST', '/systems/billing/runs/t1', {})).status, 'succeeded');
    assert.equal((await api('POST', '/systems/billing/runs/t2', {})).status, 'succeeded');
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn('admin', adminPassword);
    await page.goto(`${url}/systems/billing/bugs`);
    await page.locator('tr[data-bug="4"] .badge[data-status="deployed_prod"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the board fits the phone's width (overflow ${overflow} px)`);
    await shot('phone-board');
    await page.getByRole('link', { name: 'Invoice totals off by a cent' }).click();
    await page.getByText('If approved now: runs').waitFor();
    await page.getByRole('button', { name: 'Approve Merge UAT' }).click();
    await page.locator('.bug-tags .badge[data-status="pending_uat_merge"]').waitFor();
    await page.getByRole('note').getByText(/runs (tonight|today|tomorrow|on \w+ \d+ \w+) at 22:00 HKT/).waitFor();
    await shot('phone-approved');
    const pageOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((e) => `${e.tagName}.${e.className}`));
    assert.ok(pageOverflow <= 1, `the bug page fits the phone's width (overflow ${pageOverflow} px: ${wide.join(', ')})`);

    // T2 merges the fix back into UAT: the board shows uat_merged, UAT runs the merged release.
    await page.getByRole('link', { name: 'Tonight' }).click();
    await page.getByRole('button', { name: 'Run T2 now…' }).click();
    await page.getByRole('group', { name: 'T2 preview' }).getByText('#4 Invoice totals off by a cent').waitFor();
    await page.getByRole('group', { name: 'T2 preview' }).getByRole('button', { name: 'Run T2 now' }).click();
    await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'Bugs' }).click();
    await page.locator('tr[data-bug="4"] .badge[data-status="uat_merged"]').waitFor();
    await shot('phone-uat-merged');
    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('region', { name: 'UAT' }).locator('.version').getByText('v1.1.1').waitFor();
    await page.getByRole('region', { name: 'PROD' }).locator('.version').getByText('v1.0.1').waitFor();
    const envOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(envOverflow <= 1, `the environments page fits the phone's width (overflow ${envOverflow} px)`);
  });
});
