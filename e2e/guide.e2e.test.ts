import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, expectAccessible, focused, focusIsWithin, isFocused, screenshots } from './browser.js';
import { E2eApp, PASSWORD } from './harness.js';

// The guide (../shared/seed/stripe-integration-guide.md), step by step, as a newcomer walks it.
const app = new E2eApp();
beforeAll(() => app.start(), 180_000);
afterAll(() => app.stop());

const syncOf = (page: Page) => app.api<{ sync: { kind: string; status: string } | null }>(page, '/integrations/stripe/sync');

describe('the Stripe integration guide, in the browser', () => {
  let page: Page;
  let email: string;

  it('starts where a newcomer starts: the login page → Create an account → signed in on the welcome page', async () => {
    page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${app.base}/`);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await screenshots(page, 'login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(`${app.base}/signup`);
    await screenshots(page, 'signup');
    email = await app.fillSignup(page, 'Guide Co');
    // The first visit's "not signed in" must not send the new account back to the login page.
    await page.waitForURL(`${app.base}/welcome`);
    await page.getByRole('heading', { name: 'Welcome, Erin Example' }).waitFor();
    await page.waitForTimeout(300);
    expect(new URL(page.url()).pathname).toBe('/welcome');
    await screenshots(page, 'welcome');
  }, 60_000);

  it('connects Stripe through the consent page and watches the sync complete', async () => {
    await page.getByRole('link', { name: 'Go to Integrations' }).click();
    await page.waitForURL(`${app.base}/settings/integrations`);
    await page.getByRole('button', { name: 'Connect Stripe' }).waitFor();
    await screenshots(page, 'integrations-before');
    await app.connectStripe(page, true);
    await eventually(() => page.getByText('Connected', { exact: true }).isVisible()).toBe(true);
    await eventually(() => page.getByText('(test)').isVisible()).toBe(true);
    await screenshots(page, 'integrations-connected');
  }, 180_000);

  it('shows the dashboard, and customers that need attention first, sortable, filterable, dated one way', async () => {
    // A first load of the dashboard in a fresh browser (nothing cached), counting JavaScript bytes on the wire.
    const fresh = await browser().newContext({ storageState: await page.context().storageState() });
    const first = await fresh.newPage();
    const scripts: { bytes: number; encoding: string | undefined }[] = [];
    first.on('response', (res) => {
      if (res.request().resourceType() === 'script')
        scripts.push({ bytes: Number(res.headers()['content-length'] ?? NaN), encoding: res.headers()['content-encoding'] });
    });
    await first.goto(`${app.base}/`);
    await first.getByText('Risk distribution').waitFor();
    const jsBytes = scripts.reduce((a, s) => a + s.bytes, 0);
    expect(scripts.every((s) => s.encoding === 'br')).toBe(true);
    expect(jsBytes).toBeGreaterThan(10_000);
    expect(jsBytes).toBeLessThan(500 * 1024);
    await fresh.close();
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByText('Most at risk').waitFor();
    await screenshots(page, 'dashboard');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click();
    const table = page.getByRole('table');
    await table.waitFor();
    await page.getByText('Customers that need attention first').waitFor();
    await screenshots(page, 'customers');
    // One date style: relative, the exact date on hover.
    const dates = await table.locator('tbody time').evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute('title')]));
    expect(dates.length).toBeGreaterThan(0);
    for (const [text, title] of dates) {
      expect(text).toMatch(/ago|yesterday|today|now|in \d+|tomorrow|last|next/);
      expect(title).toMatch(/\d{4}/);
    }
    // Sortable headers say how they sort.
    // Each click once the list it asked for has arrived (as a reader does); a loaded CI machine once lost a second
    // click that came while the first one's list was still loading — noted on the issue, not understood yet.
    const mrrList = page.waitForResponse((res) => /\/api\/v1\/customers\?sort=mrr&/.test(res.url()), { timeout: 60_000 });
    await table.getByRole('button', { name: 'MRR' }).click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'mrr');
    await eventually(() => table.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    await mrrList;
    await table.getByRole('button', { name: 'MRR' }).click();
    await eventually(() => table.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
    expect(await table.locator('th[aria-sort]').count()).toBe(1);
    // The status filter: trials only, each "Trial — ends in N days".
    await page.getByRole('group', { name: 'Status' }).getByText('Trial', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('state') === 'trialing');
    await eventually(async () => (await table.locator('tbody tr').allTextContents()).every((t) => /Trial/.test(t))).toBe(true);
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    // No score: the reason is written out, not only a tooltip.
    await page.getByRole('group', { name: 'Risk level' }).getByText('No score', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('risk') === 'none');
    await eventually(() => table.locator('tbody tr').first().innerText()).toMatch(/N\/A\s+\S+/);
    // Two quick clicks are two changes: "No score" off, "Critical" on.
    const critical = page.waitForResponse((res) => /\/api\/v1\/customers\?risk=red&/.test(res.url()), { timeout: 60_000 });
    await page.getByRole('group', { name: 'Risk level' }).getByText('No score', { exact: true }).click();
    await page.getByRole('group', { name: 'Risk level' }).getByText('Critical', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('risk') === 'red');
    await critical;
    const scores = () => table.locator('tbody [aria-label^="Score"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    // The list shows the previous answer until the filtered one arrives.
    // (What the table shows instead, when it does not come.)
    const onlyCritical = async () => {
      const labels = await scores();
      if (labels.length > 0 && labels.every((b) => /Critical/.test(b ?? ''))) return 'only critical';
      return (await table.count()) > 0 ? await table.innerText() : await page.locator('main').innerText();
    };
    await eventually(onlyCritical, { timeout: 15_000 }).toBe('only critical');
    const badges = await scores();
    await page.reload();
    await eventually(() => table.locator('tbody tr').count()).toBe(badges.length);
    // Nothing matches: said as such (not "connect Stripe").
    await page.getByRole('searchbox').fill('zz-no-such-customer');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No customers match').waitFor();

    await page.goto(`${app.base}/customers?risk=red`);
    await table.locator('tbody a').first().click();
    await page.getByRole('heading', { name: 'Factors' }).waitFor();
    await eventually(() =>
      page
        .getByText(/pts · weight/)
        .first()
        .isVisible(),
    ).toBe(true);
    await page.getByRole('heading', { name: 'Metadata' }).waitFor();
    // What the guide maps: the currency, and each subscription's current period, quantities and unit prices.
    const details = page.getByRole('region', { name: 'Details' });
    expect(await details.innerText()).toMatch(/Currency\s+[A-Z]{3}/);
    const subscriptions = page.getByRole('region', { name: 'Subscriptions' });
    await eventually(() => subscriptions.innerText()).toMatch(/current period \w{3} \d+, \d{4} – \w{3} \d+, \d{4}/);
    await subscriptions.getByRole('columnheader', { name: 'Quantity' }).first().waitFor();
    await subscriptions.getByRole('columnheader', { name: 'Unit price' }).first().waitFor();
    expect(await subscriptions.innerText()).toMatch(/every (month|year|\d+ (months|years|weeks|days))/);
    await screenshots(page, 'customer-detail');
    await page.getByRole('button', { name: 'Recalculate' }).click();
    await page.getByRole('button', { name: 'Recalculate' }).waitFor();
  }, 120_000);

  it('changes scoring weights under Settings → Scoring → Configuration and sees levels change', async () => {
    const greenBefore = await countCustomers(page, 'green');
    await page.goto(`${app.base}/settings/scoring`);
    await page.getByRole('heading', { name: 'Configuration' }).waitFor();
    await page.getByLabel('Healthy (green) from').fill('95');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByText(/customers would change level/);
    await preview.waitFor();
    expect(Number((await preview.textContent())!.match(/(\d+) of/)![1])).toBeGreaterThan(0);
    await screenshots(page, 'scoring');
    // A preview speaks for the settings it was asked for: edited since, its numbers are not shown as current.
    await page.getByLabel('Healthy (green) from').fill('96');
    await page.getByText(/The settings changed since the last preview/).waitFor();
    expect(await preview.count()).toBe(0);
    await page.getByLabel('Healthy (green) from').fill('95');
    await preview.waitFor();
    await page.getByRole('button', { name: 'Save and re-score' }).click();
    await page.getByText('Saved. Every customer is being re-scored.').waitFor();
    await eventually(() => countCustomers(page, 'green'), { timeout: 30_000 }).toBeLessThan(greenBefore);
  }, 120_000);

  it('creates a payment-failed alert rule and sees the notification when a charge fails', async () => {
    await page.goto(`${app.base}/settings/alerts`);
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Name').fill('Failed payments');
    await page.getByLabel('When').selectOption('payment_failed');
    await page.getByLabel('Cooldown per customer (hours)').fill('0');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByText('Failed payments', { exact: true }).waitFor();
    await screenshots(page, 'alerts');

    const { stripe, account } = await app.stripe();
    const customer = (await stripe.customers.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
    await stripe.charges
      .create(
        { amount: 5000, currency: 'usd', customer: customer.id, source: 'tok_chargeDeclinedInsufficientFunds' },
        { stripeAccount: account },
      )
      .catch(() => undefined);
    await eventually(async () => (await app.api<{ unread: number }>(page, '/notifications')).unread, { timeout: 30_000 }).toBeGreaterThan(
      0,
    );
    await page.reload();
    const bell = page.getByRole('button', { name: /Notifications, \d+ unread/ });
    await bell.click();
    await page
      .getByRole('region', { name: 'Notifications' })
      .getByText(/payment failed/)
      .first()
      .waitFor();
    await expectAccessible(page, 'notifications');
    // A disclosure: Escape closes it and gives focus back to the bell.
    await page.keyboard.press('Escape');
    await eventually(() => page.getByRole('region', { name: 'Notifications' }).count()).toBe(0);
    expect((await focused(page)).label).toMatch(/^Notifications/);
    await bell.click();
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('table').getByText('Failed payments').first().waitFor({ timeout: 15_000 });
  }, 120_000);

  it('shows one count in the banner and on the tile while a sync runs, then the retries and the error of a failing Stripe', async () => {
    await page.goto(`${app.base}/settings/integrations`);
    // A slower Stripe, so that the sync is watched while it runs.
    await app.emulatorRealism({ latencyMs: 40 });
    await page.getByRole('button', { name: 'Retry sync', exact: true }).click();
    const banner = page.getByRole('region', { name: 'Stripe sync' });
    await banner.getByText('Syncing Stripe data…').waitFor({ timeout: 15_000 });
    const samples: [string, string][] = [];
    const phases: string[] = [];
    while ((await syncOf(page)).sync?.status === 'running' && samples.length < 8) {
      const both = (await page.locator('[data-sync-counts]').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      if (both.length === 2) samples.push([both[0]!, both[1]!]);
      phases.push(...(await banner.locator('[data-sync-phase]').allTextContents()));
      if (samples.length === 3) await screenshots(page, 'integrations-syncing');
      await page.waitForTimeout(400);
    }
    expect(samples.length).toBeGreaterThan(1);
    for (const [inBanner, onTile] of samples) expect(inBanner).toBe(onTile);
    // The phase in words, never the streams' own names ("charges —").
    for (const phase of phases) expect(phase).toMatch(/^(Starting|Importing [a-z ,]+ — [\d,]+( of about [\d,]+)?|Finishing|Complete)/);
    await app.emulatorRealism({ latencyMs: 0 });
    await eventually(async () => (await syncOf(page)).sync, { timeout: 90_000 }).toMatchObject({ kind: 'manual', status: 'succeeded' });
    await page
      .getByText(`Sync complete — ${await app.emulatorCustomers()} customers imported.`)
      .first()
      .waitFor({ timeout: 30_000 });

    // Stripe answering nothing but errors: retries are shown, then the error, with Retry sync enabled.
    await app.emulatorRealism({ errorRate: 1 });
    await page.getByRole('button', { name: 'Retry sync', exact: true }).click();
    await banner
      .getByText(/retrying at \d\d:\d\d:\d\d \(attempt \d+\)/)
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshots(page, 'integrations-sync-retrying');
    await eventually(async () => (await syncOf(page)).sync?.status, { timeout: 150_000, interval: 2000 }).toBe('failed');
    const alert = banner.getByRole('alert');
    await alert.getByText(/Sync failed/).waitFor({ timeout: 20_000 });
    // The error and the guide's advice, each said once, with the support address as a link.
    expect((await alert.innerText()).match(/Retry sync/g)).toHaveLength(1);
    expect(await alert.getByRole('link', { name: /@/ }).getAttribute('href')).toMatch(/^mailto:/);
    const retry = banner.getByRole('button', { name: 'Retry sync' });
    expect(await retry.isEnabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Retry sync', exact: true }).last().isEnabled()).toBe(true);
    await screenshots(page, 'integrations-sync-failed');
    await app.emulatorRealism({ errorRate: 0 });
    await retry.click();
    await eventually(async () => (await syncOf(page)).sync?.status, { timeout: 90_000 }).toBe('succeeded');
  }, 330_000);

  it('works the ⋮ menu and the disconnect dialog with the keyboard, then disconnects and keeps the data', async () => {
    await page.goto(`${app.base}/settings/integrations`);
    const button = page.getByRole('button', { name: 'Stripe options' });
    const menu = page.getByRole('menu');
    const focusedText = async () => (await focused(page)).text;
    await button.focus();
    await page.keyboard.press('Enter');
    await menu.waitFor();
    expect(await focusedText()).toBe('Retry sync');
    await page.keyboard.press('ArrowDown');
    expect(await focusedText()).toBe('Webhook settings');
    await page.keyboard.press('ArrowDown');
    expect(await focusedText()).toBe('Disconnect');
    await page.keyboard.press('ArrowDown');
    expect(await focusedText()).toBe('Retry sync');
    await page.keyboard.press('End');
    expect(await focusedText()).toBe('Disconnect');
    await page.keyboard.press('Escape');
    await eventually(() => menu.count()).toBe(0);
    expect(await isFocused(button)).toBe(true);
    await page.keyboard.press('ArrowUp');
    expect(await focusedText()).toBe('Disconnect');
    await page.keyboard.press('Escape');
    await page.keyboard.press(' ');
    expect(await focusedText()).toBe('Retry sync');
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    await expectAccessible(page, 'the ⋮ menu');
    // A click outside closes it, and focus goes back to the button.
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).click();
    await eventually(() => menu.count()).toBe(0);
    expect(await isFocused(button)).toBe(true);

    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Disconnect Stripe?' });
    await dialog.getByText(/Disconnecting Stripe stops all future syncs/).waitFor();
    await expectAccessible(page, 'disconnect dialog');
    // Focus is trapped in the dialog.
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await focusIsWithin(dialog)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await eventually(() => dialog.isVisible()).toBe(false);
    expect(await isFocused(button)).toBe(true);

    await button.click();
    await page.getByRole('menuitem', { name: 'Disconnect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('Disconnected', { exact: true }).waitFor();
    // When, and by whom.
    await page.getByText(/^Disconnected \w{3} \d+ by Erin Example$/).waitFor();
    await eventually(() => page.getByRole('button', { name: 'Connect Stripe' }).isVisible()).toBe(true);
    // The complete banner is gone with the connection.
    expect(await page.getByRole('region', { name: 'Stripe sync' }).count()).toBe(0);
    await screenshots(page, 'integrations-disconnected');
    await page.goto(`${app.base}/`);
    await page.getByText(/this data is no\s+longer updated/).waitFor();
    await screenshots(page, 'dashboard-disconnected');
    await page.goto(`${app.base}/customers`);
    await eventually(() => page.getByRole('table').locator('tbody tr').count()).toBeGreaterThan(0);
  }, 120_000);

  it('says what went wrong on the consent page, once: access_denied, and an account already connected', async () => {
    const other = await browser().newPage();
    await app.signUp(other, 'Cancel Co');
    await other.goto(`${app.base}/settings/integrations`);
    await other.getByRole('button', { name: 'Connect Stripe' }).click();
    await other.waitForURL((url) => url.pathname === '/oauth/authorize');
    await other.getByRole('button', { name: 'Cancel' }).click();
    await other.waitForURL((url) => url.searchParams.get('code') === 'access_denied');
    const alert = other.getByRole('alert').filter({ hasText: 'Stripe was not connected' });
    await alert.getByText(/Click Connect Stripe again and choose Allow access/).waitFor();
    expect((await alert.innerText()).match(/access_denied/g)).toHaveLength(1);
    await screenshots(other, 'integrations-access-denied');
    await other.goto(`${app.base}/settings/integrations?integration=stripe&status=error&code=already_connected`);
    await other.getByText('Stripe is already connected', { exact: true }).waitFor();
    expect(await other.getByText('Stripe was not connected').count()).toBe(0);
    // A configuration problem on PulseScore's side: the support address is a link.
    await other.goto(`${app.base}/settings/integrations?integration=stripe&status=error&code=invalid_client`);
    const invalid = other.getByRole('alert').filter({ hasText: 'Stripe was not connected' });
    expect(await invalid.getByRole('link', { name: /@/ }).getAttribute('href')).toMatch(/^mailto:.+@/);
    expect((await invalid.innerText()).match(/invalid_client/g) ?? []).toHaveLength(1);
    // No customers at all is not "no customers match": it says where they come from.
    await other.goto(`${app.base}/customers`);
    await other.getByText('No customers yet').waitFor();
    expect(await other.getByText('No customers match').count()).toBe(0);
    await other.getByRole('link', { name: 'Connect Stripe in Settings → Integrations' }).waitFor();
    await other.close();
  }, 120_000);

  it('manages API keys as an admin', async () => {
    await page.goto(`${app.base}/settings/api-keys`);
    await page.getByLabel('Name').fill('Reporting');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Copy this key now: it is shown only once.').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'shown only once' }).locator('code').textContent()).toMatch(/^psk_[\w-]{20,}$/);
    await screenshots(page, 'api-keys');
    await page.getByRole('button', { name: 'Revoke Reporting' }).click();
    await page.getByText('No API keys yet').waitFor();
  }, 60_000);

  it('logs out and back in, to the page asked for', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${app.base}/login`);
    await page.goto(`${app.base}/customers`);
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/customers');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${app.base}/customers`);
  }, 60_000);
});

function browser() {
  return app.browser;
}

async function countCustomers(page: Page, risk: string): Promise<number> {
  return (await app.api<{ total: number }>(page, `/customers?risk=${risk}&pageSize=1`)).total;
}
