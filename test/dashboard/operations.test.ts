/**
 * The dashboard's operations pages in Chromium against the real server and the demo, its
 * configuration edited as a person would: shop is watched after each deploy (a short window) and
 * sends freeze announcements to a webhook that refuses them at first; billing freezes for Hong Kong
 * public holidays and the month-end close. Pages in turn: the freeze calendar (declare, lift, bad
 * input), the notifications that failed (resend), a deployment with its checklist, smoke results,
 * monitoring charts and a rollback, the HISTORY, an incident with its SLA countdown and checklist,
 * Tonight's checklist, a Telegram link code and the audit filters, and what a viewer may not do.
 * Each step saves a screenshot under dist/test-screenshots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { localDay } from '../../src/features/schedule/slot-words.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.ts';
import { eventually } from '../support/processes.ts';
import { launchChromium, type TestBrowser } from './browser.ts';
import { shot, signIn, signOut, startDemoDashboard, systemOf, type DemoDashboard } from './demo-server.ts';

const STEP = { timeout: 180_000 };
const ZONE = 'Asia/Hong_Kong';
const MANAGER_PASSWORD = 'manager password 123';
const VIEWER_PASSWORD = 'viewer password 123';

describe('the dashboard operations pages in a browser', () => {
  let demo: DemoDashboard;
  let receiver: HttpReceiver;
  let chromium: TestBrowser;
  let page: Page;
  let devToken: string;

  before(async () => {
    receiver = await startHttpReceiver();
    receiver.answerNext(Infinity, { status: 400, body: 'unknown hook' });
    demo = await startDemoDashboard({
      env: { TONIC_NOTIFY_TICK_SECONDS: '0.5' },
      configure: (config) => {
        const shop = systemOf(config, 'shop');
        // A short watch after each deploy (SEED.md's 10 minutes would be 10 minutes here too).
        shop.monitoring = { windowMinutes: 0.1, pollSeconds: 1, minRequests: 1, memoryLimitMb: 512 };
        shop.rollback = { ...(shop.rollback as object), validationMinutes: 0 };
        // Mona is on call; she is asked to acknowledge from a day before T1 (so whenever the test runs).
        shop.checklist = { ...(shop.checklist as object), onCall: { person: { name: 'Mona', user: 'mona', phone: '+852 5555 0100' }, acknowledgeWithinMinutes: 1440 } };
        shop.channels = [{ name: 'ops-hook', kind: 'webhook', url: `${receiver.url}/hook`, secret: 'dashboard-test-hook-secret', events: ['freeze.*'], language: 'en' }];
        systemOf(config, 'billing').freeze = { holidays: { country: 'HK' }, monthEndClose: { businessDays: 2, modules: ['financial'] } };
      },
    });
    await demo.api('POST', '/users', { username: 'dev', role: 'developer' });
    devToken = (await demo.api('POST', '/users/dev/tokens', { name: 'test' })).token;
    await demo.api('POST', '/users', { username: 'mona', role: 'manager', displayName: 'Mona' });
    await demo.api('PUT', '/users/mona/password', { password: MANAGER_PASSWORD });
    await demo.api('POST', '/users', { username: 'vera', role: 'viewer' });
    await demo.api('PUT', '/users/vera/password', { password: VIEWER_PASSWORD });
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    await signIn(page, demo.url, 'admin', demo.adminPassword);
  });

  after(async () => {
    await chromium?.close();
    await demo?.close();
    await receiver?.close();
  });

  test('the freeze calendar: sources labelled in a month view; declare a module freeze, refused in words when it ends before it starts, then lift it', STEP, async () => {
    const now = Date.now();
    const tomorrow = localDay(new Date(now + 86_400_000), ZONE);
    const dayAfter = localDay(new Date(now + 2 * 86_400_000), ZONE);
    await page.goto(`${demo.url}/systems/shop/freezes`);
    await page.getByRole('heading', { name: 'Change freezes · Demo shop' }).waitFor();
    await page.getByText('Nothing is frozen: T1 and T2 run as planned.').waitFor();

    const form = page.getByRole('form', { name: 'Declare a freeze' });
    await form.getByLabel('Ends (HKT)').fill('2020-01-01T00:00');
    await form.getByLabel('Reason (shown in run reports and messages)').fill('Too late');
    await form.getByRole('button', { name: 'Declare freeze' }).click();
    await page.getByRole('alert').filter({ hasText: /^Not declared: end 2020-01-01 00:00 .*is not after start/ }).waitFor();

    await form.getByLabel('Starts (HKT, empty: now)').fill(`${tomorrow}T00:00`);
    await form.getByLabel('Ends (HKT)').fill(`${dayAfter}T00:00`);
    await form.getByLabel('checkout').check();
    await form.getByLabel('Reason (shown in run reports and messages)').fill('Release of the new checkout');
    await form.getByRole('button', { name: 'Declare freeze' }).click();
    await page.getByRole('status').filter({ hasText: /^Freeze \d+ declared: checkout from/ }).waitFor();
    if (tomorrow.slice(0, 7) !== localDay(new Date(now), ZONE).slice(0, 7)) await page.getByRole('button', { name: 'Next month →' }).click();
    const cell = page.locator(`td[data-day="${tomorrow}"]`);
    const chip = cell.locator('.freeze-chip[data-source="declared"]');
    await chip.waitFor();
    assert.match((await chip.textContent()) ?? '', /^Declared Release of the new checkout \(declared by admin, #\d+\) \(checkout\)$/);
    assert.equal(await page.locator(`td[data-day="${dayAfter}"] .freeze-chip`).count(), 0, 'a freeze ending at 00:00 does not cover that day');
    await shot(page, 'freeze-calendar-declared');

    const row = page.locator('tr[data-freeze]').filter({ hasText: 'Release of the new checkout' });
    await row.getByText('upcoming').waitFor();
    await row.getByRole('button', { name: /^Lift freeze \d+…$/ }).click();
    await row.getByLabel('Why (optional)').fill('moved to next week');
    await row.getByRole('button', { name: 'Lift now' }).click();
    await row.getByText('lifted', { exact: true }).waitFor();
    assert.match((await row.locator('td[data-label="To"]').textContent()) ?? '', /\(lifted by admin: moved to next week, \d{4}-\d\d-\d\d \d\d:\d\d HKT\)$/);
    assert.equal(await cell.locator('.freeze-chip').count(), 0, 'the lifted freeze is gone from the calendar');

    // Billing: Hong Kong public holidays and the month-end close of its financial module, labelled.
    await page.goto(`${demo.url}/systems/billing/freezes`);
    await page.getByRole('heading', { name: 'Change freezes · Demo billing' }).waitFor();
    await page.getByRole('button', { name: 'Next month →' }).click();
    await page.locator('td[data-day] .freeze-chip[data-source="month-end"]').filter({ hasText: '(financial)' }).first().waitFor();
    let months = 1;
    while ((await page.locator('td[data-day] .freeze-chip[data-source="holiday"]').count()) === 0 && months < 6) {
      await page.getByRole('button', { name: 'Next month →' }).click();
      await page.locator('td[data-day] .freeze-chip[data-source="month-end"]').first().waitFor();
      months += 1;
    }
    assert.match((await page.locator('td[data-day] .freeze-chip[data-source="holiday"]').first().textContent()) ?? '', /^Public holiday \S/);
    await shot(page, 'freeze-calendar-sources');
  });

  test('failed notifications: the webhook that refused the freeze messages is listed with its answer; resend delivers it', STEP, async () => {
    await page.goto(`${demo.url}/notifications`);
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    const declared = page.locator('tr[data-status="failed"]').filter({ hasText: 'freeze.declared' });
    await declared.waitFor({ timeout: 20_000 });
    assert.match((await declared.textContent()) ?? '', /ops-hook \(webhook\)/);
    assert.match((await declared.textContent()) ?? '', /400/);
    await shot(page, 'notifications-failed');

    const id = await declared.getAttribute('data-delivery');
    receiver.up();
    await declared.getByRole('button', { name: `Resend #${id}` }).click();
    await page.getByRole('status', { name: 'Resent' }).getByText(`Delivery #${id} (freeze.declared to ops-hook) queued again: pending.`).waitFor();
    await eventually('the resent message at the webhook', async () => receiver.delivered.find((r) => r.json?.event === 'freeze.declared'), 20_000);
    await page.getByLabel('Status').selectOption('sent');
    await page.locator('tr[data-status="sent"]').filter({ hasText: 'freeze.declared' }).waitFor();
  });

  test('a deployment: its checklist, smoke results, monitoring charts with the limits drawn, the verdict; then a rollback asking for impact and reason', STEP, async () => {
    const uat = (await demo.api('GET', '/systems/shop/environments')).environments.find((e: { env: string }) => e.env === 'uat').url as string;
    // Traffic on UAT before and during the deploy: a baseline, and rates to judge.
    let load = true;
    const loop = (async () => {
      while (load) {
        await fetch(`${uat}/api/orders`).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await demo.api('POST', '/systems/shop/bugs/1/confirm', {});
      await demo.api('POST', '/systems/shop/bugs/1/fix', { branch: 'fix/discount-code' }, devToken);
      await new Promise((r) => setTimeout(r, 1500));
      const run = await demo.api('POST', '/systems/shop/runs/t1', {});
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report.steps));
    } finally {
      load = false;
      await loop;
    }
    const deployment = (await demo.api('GET', '/systems/shop/deployments?limit=1')).items[0];
    assert.equal(deployment.env, 'uat');

    await page.goto(`${demo.url}/systems/shop/deployments/${deployment.id}`);
    await page.getByRole('heading', { name: `Deployment ${deployment.id} to UAT succeeded` }).waitFor();
    await page.locator('figure.chart').first().waitFor();
    assert.match((await page.getByRole('status', { name: 'Verdict' }).textContent()) ?? '', /^Verdict: Deployed(, smoke passed, monitoring clean\.|; monitoring raised alerts\.)$/);
    // The demo shop is an api and a web front that depends on it: each service's progress, in deploy order.
    assert.deepEqual(await page.locator('ol.services li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-service')} ${e.getAttribute('data-status')}`)), ['api healthy', 'web healthy']);
    await page.locator('table.probes tr[data-probe="freeze"][data-result="pass"]').waitFor();
    await page.locator('table.smoke tr[data-step="health"][data-result="pass"]').waitFor();
    await page.locator('table.smoke tr[data-step="orders"][data-result="pass"]').waitFor();

    const charts = page.locator('figure.chart');
    assert.deepEqual(await charts.evaluateAll((els) => els.map((e) => e.getAttribute('data-metric'))), ['errorRate', 'p95Latency', 'memory', 'cpu', 'authSuccess']);
    const errors = page.locator('figure[data-metric="errorRate"]');
    assert.match((await errors.locator('figcaption').textContent()) ?? '', /HTTP 5xx error rate healthy < 0\.5 %; breach: rollback/);
    assert.equal(await errors.locator('line[data-line="limit"]').count(), 1, 'the 5xx limit is drawn');
    assert.ok((await errors.locator('polyline.series').count()) >= 1, 'the 5xx samples are drawn');
    const p95 = page.locator('figure[data-metric="p95Latency"]');
    assert.equal(await p95.locator('line[data-line="baseline"]').count(), 1, 'p95 is drawn against its baseline');
    assert.match((await p95.locator('figcaption').textContent()) ?? '', /\(baseline \+ 20 %\)/);
    assert.match((await page.locator('figure[data-metric="cpu"] figcaption').textContent()) ?? '', /after 4 samples/);
    assert.match((await page.locator('figure[data-metric="authSuccess"] svg').getAttribute('aria-label')) ?? '', /Login \/ auth success rate: 0 of \d+ samples measured/);
    await shot(page, 'deployment-monitoring');

    await page.getByRole('button', { name: 'Roll back UAT…' }).click();
    const form = page.getByRole('form', { name: 'Roll back UAT' });
    await form.getByLabel(/Functional regression/).check();
    await form.getByLabel('What broke (goes into the HISTORY and the messages)').fill('Discount applied twice on mobile');
    await shot(page, 'deployment-rollback-form');
    await form.getByRole('button', { name: 'Roll back UAT' }).click();
    const done = page.getByRole('status').filter({ hasText: /^Rollback \d+: UAT back to v1\.0\.0/ });
    await done.waitFor({ timeout: 60_000 });
    const envs = await demo.api('GET', '/systems/shop/environments');
    assert.equal(envs.environments.find((e: { env: string }) => e.env === 'uat').version, 'v1.0.0');

    await done.getByRole('link', { name: 'See the HISTORY' }).click();
    const entry = page.getByRole('article', { name: /^Rollback \d+$/ }).first();
    await entry.getByText('Discount applied twice on mobile').waitFor();
    await entry.getByText('not documented yet', { exact: true }).waitFor();
    await entry.getByRole('button', { name: /^Document rollback \d+…$/ }).click();
    await entry.getByLabel('Root cause').fill('The discount was applied in the cart and again at checkout');
    await entry.getByLabel('Fix plan').fill('Apply it at checkout only; next T1');
    await entry.getByRole('button', { name: 'Save' }).click();
    await entry.locator('dd').getByText('Apply it at checkout only; next T1').waitFor();
    await shot(page, 'history');
  });

  test('an incident: opened from the incidents page, the SLA counting down in HKT, the checklist ticked, the team notified', STEP, async () => {
    await page.goto(`${demo.url}/systems/shop/incidents`);
    await page.getByRole('heading', { name: 'Incidents · Demo shop' }).waitFor();
    await page.getByLabel('Bug').selectOption({ label: '#3 [critical] Payments fail for every card' });
    await page.getByRole('button', { name: 'Open hotfix' }).click();
    await page.getByRole('heading', { name: /^Incident \d+: #3 Payments fail for every card$/ }).waitFor();
    assert.match((await page.locator('.sla-due').textContent()) ?? '', /^P1 SLA: due \d{4}-\d\d-\d\d \d\d:\d\d HKT \(Asia\/Hong_Kong\)$/);
    const timer = page.getByRole('timer');
    const first = (await timer.textContent()) ?? '';
    assert.match(first, /^(59|60) min \d+ s left$|^1 h 0 min \d+ s left$/);
    await eventually('the countdown to tick', async () => ((await timer.textContent()) ?? '') !== first, 5_000);

    const items = page.locator('ol.checklist li');
    assert.equal(await items.count(), 9, "SEED.md's nine items");
    await page.locator('li[data-item="severity_confirmed"][data-done="true"]').getByText('by admin').waitFor();
    await page.getByRole('button', { name: 'Tick “Telegram/Slack notification sent to stakeholders”' }).click();
    await page.locator('li[data-item="stakeholders_notified"][data-done="true"]').getByText('by admin').waitFor();
    assert.equal(await page.getByRole('button', { name: /^Tick “Fix deployed and validated/ }).count(), 0, 'validated only after the deploy');

    await page.locator('.gate li[data-ok="false"]').getByText('Notify at least one other team member first.').waitFor();
    await page.getByRole('button', { name: 'Notify the team' }).click();
    await page.getByLabel("People (user names; empty: the system's admins, managers and CTOs)").fill('mona');
    await page.getByRole('button', { name: 'Send notice' }).click();
    await page.locator('.gate li[data-ok="true"]').getByText('The team was notified.').waitFor();
    await page.locator('li[data-item="team_notified"][data-done="true"]').getByText('by the system').waitFor();
    await shot(page, 'incident');

    await page.getByRole('link', { name: '← Incidents' }).click();
    await page.locator('tr[data-incident]').filter({ hasText: 'Payments fail for every card' }).getByText('running').waitFor();
  });

  test("Tonight: the freezes in force, the checklist's last result run on demand", STEP, async () => {
    await page.goto(`${demo.url}/systems/shop/tonight`);
    await page.getByRole('heading', { name: 'Freezes in force' }).waitFor();
    await page.getByRole('region', { name: 'Freezes in force' }).getByText('None now.').waitFor();
    const before = await page.locator('.checklist-report').getAttribute('data-checklist');
    await page.getByRole('button', { name: 'Run the checklist now' }).click();
    await eventually('a new checklist report', async () => {
      const id = await page.locator('.checklist-report').getAttribute('data-checklist');
      return id !== null && id !== before;
    });
    await page.locator('.checklist-report table.probes tr[data-probe="rollbackPath"]').waitFor();
    await shot(page, 'tonight-checklist');
  });

  test('the on-call person acknowledges tonight\'s deploy from the Tonight page; nobody else is offered the button', STEP, async () => {
    // The night's first checklist (T1's, or one run on demand) asked Mona; run one for T1 in case none did.
    await demo.api('POST', '/systems/shop/checks', { env: 'uat' });
    const asking = (await demo.api('GET', '/systems/shop/checks?limit=50')).items.find((c: { ack: unknown }) => c.ack);
    assert.equal(asking?.ack.username, 'mona', 'Mona was asked to acknowledge');
    await page.goto(`${demo.url}/systems/shop/tonight`);
    const oncall = page.getByRole('region', { name: 'On call' });
    await oncall.locator('.oncall[data-ack="waiting"]').getByText(/asked to acknowledge before \d{4}-\d\d-\d\d 20:00 HKT/).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Acknowledge/ }).count(), 0, 'only the on-call person acknowledges');
    await signOut(page);
    await signIn(page, demo.url, 'mona', MANAGER_PASSWORD);
    await page.goto(`${demo.url}/systems/shop/tonight`);
    await oncall.getByRole('button', { name: 'Acknowledge: I am on call tonight' }).click();
    await oncall.locator('.oncall[data-ack="done"]').getByText(/acknowledged \d{4}-\d\d-\d\d \d\d:\d\d HKT/).waitFor();
    await shot(page, 'tonight-oncall-acknowledged');
    assert.equal((await demo.api('GET', `/systems/shop/checks/${asking.id}`)).ack.acknowledgedBy, 'mona');
    await signOut(page);
    await signIn(page, demo.url, 'admin', demo.adminPassword);
  });

  test('Admin: a Telegram link code with the steps to use it; the audit log filtered by what and who shows it', STEP, async () => {
    await page.goto(`${demo.url}/admin`);
    const card = page.getByRole('region', { name: 'User mona' });
    await card.getByRole('button', { name: 'Telegram link code for mona' }).click();
    const code = card.getByRole('status', { name: 'Telegram link code for mona' });
    await code.waitFor();
    const text = (await code.textContent()) ?? '';
    const value = /Code (\S+), valid until/.exec(text)?.[1];
    assert.ok(value, text);
    assert.match(text, new RegExp(`Send /link ${value}`));
    await shot(page, 'admin-telegram-link');

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('What').fill('telegram.*');
    await page.getByLabel('Who').fill('admin');
    const rows = page.locator('table.audit tbody tr');
    await rows.filter({ hasText: 'telegram.link_code_created' }).first().waitFor();
    assert.deepEqual([...new Set(await rows.locator('td[data-label="What"]').allTextContents())], ['telegram.link_code_created']);
    assert.deepEqual([...new Set(await rows.locator('td[data-label="Who"]').allTextContents())], ['admin']);
  });

  test('by keyboard alone: skip to the content, move through the freeze calendar, open the rollback form', STEP, async () => {
    await page.goto(`${demo.url}/systems/shop/freezes`);
    await page.getByRole('heading', { name: 'Change freezes · Demo shop' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content', 'the first stop is the skip link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    const month = (await page.locator('#month-title').textContent()) ?? '';
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    for (let i = 0; i < 30 && (await focused()) !== 'Next month →'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Next month →');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.equal(outline, 'solid', 'the focused button shows where the keyboard is');
    await page.keyboard.press('Enter');
    await eventually('the next month', async () => ((await page.locator('#month-title').textContent()) ?? '') !== month);

    const deployment = (await demo.api('GET', '/systems/shop/deployments?limit=10')).items.find((d: { env: string; status: string }) => d.env === 'uat' && d.status === 'succeeded');
    await page.goto(`${demo.url}/systems/shop/deployments/${deployment.id}`);
    await page.getByRole('heading', { name: 'Post-deploy monitoring' }).waitFor();
    await page.getByRole('button', { name: 'Roll back UAT…' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), 'impact', 'the impact class comes first');
    await page.getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Roll back UAT…' }).waitFor();
  });

  test('on a phone (390 px) the freeze calendar, an incident, a deployment with its charts and the HISTORY fit the screen', STEP, async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const incident = (await demo.api('GET', '/systems/shop/hotfixes')).items[0];
      const deployment = (await demo.api('GET', '/systems/shop/deployments?limit=10')).items.find((d: { env: string }) => d.env === 'uat');
      const pages: [string, string, string][] = [
        ['freezes', '/systems/shop/freezes', 'Change freezes · Demo shop'],
        ['incident', `/systems/shop/incidents/${incident.id}`, `Incident ${incident.id}: #3 Payments fail for every card`],
        ['deployment', `/systems/shop/deployments/${deployment.id}`, 'Post-deploy monitoring'],
        ['history', '/systems/shop/history', 'HISTORY · Demo shop'],
      ];
      for (const [name, path, heading] of pages) {
        await page.goto(`${demo.url}${path}`);
        await page.getByRole('heading', { name: heading }).waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((e) => `${e.tagName}.${e.className}`));
        assert.ok(overflow <= 1, `the ${name} page fits the phone's width (overflow ${overflow} px: ${wide.join(', ')})`);
        await shot(page, `phone-${name}`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('a viewer is offered no freeze, rollback, incident or resend action', STEP, async () => {
    await signOut(page);
    await signIn(page, demo.url, 'vera', VIEWER_PASSWORD);
    await page.goto(`${demo.url}/systems/shop/freezes`);
    await page.getByRole('heading', { name: 'Declared freezes' }).waitFor();
    assert.equal(await page.getByRole('form', { name: 'Declare a freeze' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Lift freeze/ }).count(), 0);
    const deployment = (await demo.api('GET', '/systems/shop/deployments?limit=5')).items.find((d: { env: string; status: string }) => d.status === 'succeeded');
    await page.goto(`${demo.url}/systems/shop/deployments/${deployment.id}`);
    await page.getByRole('heading', { name: 'Post-deploy monitoring' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Roll back/ }).count(), 0);
    await page.goto(`${demo.url}/systems/shop/incidents`);
    await page.locator('tr[data-incident]').first().getByRole('link').click();
    await page.getByText('No step of this incident is open to you.').waitFor();
    assert.equal(await page.getByRole('button', { name: /^Tick/ }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Notifications' }).count(), 0, 'viewers do not read deliveries');
    await signOut(page);
    await signIn(page, demo.url, 'admin', demo.adminPassword);
  });
});
