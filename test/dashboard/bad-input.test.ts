/**
 * The dashboard when things go wrong, in Chromium against the real server and the demo: a session
 * that expires while the page is open (sign in again, back to the page), an action on a bug that
 * changed meanwhile (the conflict shown, the page refreshed, nothing applied twice), a lost
 * connection to the server (live updates come back and the page catches up), and API errors
 * shown in plain words, never a blank page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { launchChromium, type TestBrowser } from './browser.ts';
import { shot, signIn, startDemoDashboard, type DemoDashboard } from './demo-server.ts';

const STEP = { timeout: 120_000 };

describe('the dashboard when things go wrong', () => {
  let demo: DemoDashboard;
  let chromium: TestBrowser;
  let page: Page;

  before(async () => {
    demo = await startDemoDashboard();
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    await signIn(page, demo.url, 'admin', demo.adminPassword);
  });

  after(async () => {
    await chromium?.close();
    await demo?.close();
  });

  test('a session that expires while the page is open: back to sign-in, then to the page the user was on', STEP, async () => {
    await page.goto(`${demo.url}/systems/shop/freezes`);
    await page.getByRole('heading', { name: 'Change freezes · Demo shop' }).waitFor();
    // The session's end, as the server keeps it, passes (24 h idle or 7 days in real life).
    const db = new SQLite(demo.databaseFile);
    try {
      const changed = db.prepare('update sessions set expires_at = ?').run(new Date(Date.now() - 1000).toISOString()).changes;
      assert.ok(changed >= 1);
    } finally {
      db.close();
    }
    // The person comes back to the tab a little later: the page refreshes what it shows (what is
    // older than 5 s), and learns the session is over.
    await new Promise((r) => setTimeout(r, 5_500));
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })));
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.match(page.url(), /\/login\?next=%2Fsystems%2Fshop%2Ffreezes$/);
    await page.getByText('Sign in to go back to /systems/shop/freezes.').waitFor();
    await shot(page, 'session-expired');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(demo.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Change freezes · Demo shop' }).waitFor();
    assert.match(page.url(), /\/systems\/shop\/freezes$/);
  });

  test('an action on a bug that changed meanwhile: the conflict is shown, the page shows the bug as it is, nothing is applied twice', STEP, async () => {
    // No live updates for this page, so it still shows the bug as it was when someone else acts.
    await page.route('**/api/v1/events', (route) => route.abort());
    try {
      await page.goto(`${demo.url}/systems/shop/bugs/2`);
      await page.locator('.bug-tags .badge[data-status="submitted"]').waitFor();
      await demo.api('POST', '/systems/shop/bugs/2/confirm', { flow: 'auto' });

      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      await page.getByRole('button', { name: 'Confirm bug' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'This bug changed while you looked at it:' });
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /Nothing was applied; the page now shows it as it is\.$/);
      await page.locator('.bug-tags .badge[data-status="confirmed"]').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Confirm', exact: true }).count(), 0, 'confirm is no longer offered');
      await shot(page, 'bug-conflict');
    } finally {
      await page.unroute('**/api/v1/events');
    }
    const bug = await demo.api('GET', '/systems/shop/bugs/2');
    assert.equal(bug.history.filter((h: { action: string }) => h.action === 'confirm').length, 1, 'confirmed once');
  });

  test('a lost connection: the page says it is reconnecting, live updates come back, and the page catches up on what it missed', STEP, async () => {
    await page.goto(`${demo.url}/systems/shop/bugs`);
    await page.getByRole('status', { name: 'Live updates: live' }).waitFor();
    await page.getByRole('link', { name: 'Catalog search is case-sensitive' }).waitFor();
    // The server goes away and comes back; meanwhile a proxy in front answers 502 (the browser's
    // EventSource gives up on such an answer: the page must open a new one), and the page misses a change.
    await page.route('**/api/v1/events', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' }));
    await demo.restart();
    await page.getByRole('status', { name: 'Live updates: reconnecting' }).waitFor({ timeout: 30_000 });
    await shot(page, 'live-reconnecting');
    const missed = await demo.api('POST', '/systems/shop/bugs', { title: 'Reported while the page was cut off', description: '', severity: 'low', foundInEnv: 'uat' });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await page.getByRole('link', { name: 'Reported while the page was cut off' }).count(), 0, 'not seen while cut off');
    await page.unroute('**/api/v1/events');
    await page.getByRole('status', { name: 'Live updates: live' }).waitFor({ timeout: 40_000 });
    await page.getByRole('link', { name: 'Reported while the page was cut off' }).waitFor();
    // And live again: a change now arrives by itself.
    await demo.api('POST', `/systems/shop/bugs/${missed.id}/reject`, { reason: 'duplicate of #2' });
    await page.locator(`tr[data-bug="${missed.id}"] .badge[data-status="rejected"]`).waitFor({ timeout: 10_000 });
  });

  test('API errors are shown with their detail in plain words, never a blank page', STEP, async () => {
    await page.goto(`${demo.url}/systems/shop/bugs/99999`);
    await page.getByRole('alert').filter({ hasText: 'Bug #99999 could not be loaded: bug 99999 does not exist on system shop' }).waitFor();
    await page.goto(`${demo.url}/systems/nowhere/bugs`);
    const unknown = page.getByRole('alert').filter({ hasText: /^The bugs could not be loaded: .*nowhere/ });
    await unknown.waitFor();
    // A proxy in front answers with its own error page instead of the API's problem.
    await page.route('**/api/v1/systems/shop/plan', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }));
    try {
      await page.goto(`${demo.url}/systems/shop/tonight`);
      await page.getByRole('alert').filter({ hasText: 'The plan could not be loaded: The server answered 502 Bad Gateway: try again in a moment.' }).waitFor({ timeout: 20_000 });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bugs' }).waitFor();
      await shot(page, 'api-error-502');
    } finally {
      await page.unroute('**/api/v1/systems/shop/plan');
    }
    // A refused action says what was wrong and what to do.
    await page.goto(`${demo.url}/systems/shop/freezes`);
    const form = page.getByRole('form', { name: 'Declare a freeze' });
    await form.getByLabel('Starts (HKT, empty: now)').fill('2031-01-02T00:00');
    await form.getByLabel('Ends (HKT)').fill('2031-01-01T00:00');
    await form.getByLabel('Reason (shown in run reports and messages)').fill('Backwards');
    await form.getByRole('button', { name: 'Declare freeze' }).click();
    await page.getByRole('alert').filter({ hasText: /^Not declared: end 2031-01-01 00:00 \S+ is not after start 2031-01-02 00:00 \S+: a freeze ends after it starts$/ }).waitFor();
  });
});
