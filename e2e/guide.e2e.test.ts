import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.js';
import { healthy, killAll, type Proc, start, stop } from '../test/helpers/process.js';
import { buildWebApp, expectAccessible, launchBrowser, screenshots } from './browser.js';

let database: TestDatabase;
let server: Proc;
let browser: Browser;
let base: string;
let emulatorOrigin: string | null = null;
let dataDir: string;

beforeAll(async () => {
  buildWebApp();
  database = await createTestDatabase();
  const port = await freePort();
  base = `http://localhost:${port}`;
  // Demo mode, as the README's run command: no Stripe credentials, so the bundled emulator plays Stripe.
  server = start({
    DATABASE_URL: database.url,
    PORT: String(port),
    DATA_DIR: (dataDir = await mkdtemp(path.join(tmpdir(), 'e2e-'))),
    LOG_LEVEL: 'warn',
  });
  await healthy(port, 60_000);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  // The demo's emulator refuses what Stripe refuses: any request PulseScore made that it refused fails the run.
  const audit = emulatorOrigin
    ? ((await (await fetch(`${emulatorOrigin}/_emulator/audit`)).json()) as { refusals: { client: string | null }[] })
    : null;
  await browser?.close();
  if (server) await stop(server);
  await killAll();
  await database?.drop();
  expect(audit?.refusals.filter((r) => r.client !== null) ?? []).toEqual([]);
});

let counter = 0;
async function signUp(page: Page, company: string): Promise<string> {
  const email = `e2e-${Date.now()}-${++counter}@example.com`;
  await page.goto(`${base}/signup`);
  if (counter === 1) await screenshots(page, 'signup');
  await page.getByLabel('Your name').fill('Erin Example');
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByLabel('Company name').fill(company);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}/welcome`);
  return email;
}

async function connectedAccount(): Promise<string> {
  const res = await fetch(`${emulatorOrigin}/_emulator/accounts`);
  const { accounts } = (await res.json()) as { accounts: { id: string; connected: boolean; platform: boolean }[] };
  return accounts.find((a) => a.connected && !a.platform)!.id;
}

async function emulatorCustomers(): Promise<number> {
  const res = await fetch(`${emulatorOrigin}/_emulator/accounts`);
  const { accounts } = (await res.json()) as { accounts: { connected: boolean; platform: boolean; counts: Record<string, number> }[] };
  return accounts.find((a) => a.connected && !a.platform)!.counts.customer!;
}

describe('the Stripe integration guide, in the browser', () => {
  let page: Page;

  it('signs up, connects Stripe through the consent page and watches the sync complete', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signUp(page, 'Guide Co');
    await expectAccessible(page, 'welcome');
    await page.getByRole('link', { name: 'Go to Integrations' }).click();
    await page.waitForURL(`${base}/settings/integrations`);
    await expect.poll(() => page.getByRole('button', { name: 'Connect Stripe' }).isVisible()).toBe(true);
    await screenshots(page, 'integrations-before');

    await page.getByRole('button', { name: 'Connect Stripe' }).click();
    await page.waitForURL((url) => url.pathname === '/oauth/authorize');
    emulatorOrigin = new URL(page.url()).origin;
    await page.getByRole('button', { name: 'Allow access' }).click();
    await page.waitForURL((url) => url.pathname === '/settings/integrations' && url.searchParams.get('status') === 'connected');
    await expect.poll(() => page.getByText('Connected', { exact: true }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('(test)').isVisible()).toBe(true);

    const customers = await emulatorCustomers();
    const banner = page.getByText(`Sync complete — ${customers} customers imported.`).first();
    await banner.waitFor({ timeout: 90_000 });
    expect(customers).toBeGreaterThan(0);
    await screenshots(page, 'integrations-connected');
  }, 180_000);

  it('shows the dashboard, filters customers by red and explains a customer’s score', async () => {
    // A first load of the dashboard in a fresh browser (nothing cached), counting JavaScript bytes on the wire.
    const fresh = await browser.newContext({ storageState: await page.context().storageState() });
    const first = await fresh.newPage();
    const scripts: { url: string; bytes: number; encoding: string | undefined }[] = [];
    first.on('response', (res) => {
      if (res.request().resourceType() === 'script') {
        scripts.push({
          url: res.url(),
          bytes: Number(res.headers()['content-length'] ?? NaN),
          encoding: res.headers()['content-encoding'],
        });
      }
    });
    await first.goto(`${base}/`);
    await first.getByText('Risk distribution').waitFor();
    const jsBytes = scripts.reduce((a, s) => a + s.bytes, 0);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((s) => s.encoding === 'br')).toBe(true);
    expect(jsBytes).toBeGreaterThan(10_000);
    expect(jsBytes).toBeLessThan(500 * 1024);
    await fresh.close();
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByText('Risk distribution').waitFor();
    await page.getByText('Most at risk').waitFor();
    await screenshots(page, 'dashboard');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('table').waitFor();
    await screenshots(page, 'customers');
    await page.getByRole('group', { name: 'Risk level' }).getByText('Critical', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('risk') === 'red');
    await page.getByRole('table').waitFor();
    const badges = await page
      .getByRole('table')
      .locator('tbody [aria-label^="Score"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(badges.length).toBeGreaterThan(0);
    for (const b of badges) expect(b).toMatch(/Critical/);
    // The filter survives a reload (it lives in the URL).
    await page.reload();
    await expect.poll(() => page.getByRole('table').locator('tbody tr').count()).toBe(badges.length);

    await page.getByRole('table').locator('tbody a').first().click();
    await page.getByRole('heading', { name: 'Factors' }).waitFor();
    await expect.poll(() => page.getByText('Failed payments').first().isVisible()).toBe(true);
    await expect
      .poll(() =>
        page
          .getByText(/pts · weight/)
          .first()
          .isVisible(),
      )
      .toBe(true);
    await screenshots(page, 'customer-detail');
    await page.getByRole('button', { name: 'Recalculate' }).click();
    await page.getByRole('button', { name: 'Recalculate' }).waitFor();
  }, 120_000);

  it('changes scoring weights, previews the effect and sees levels change', async () => {
    const greenBefore = await countCustomers(page, 'green');
    await page.goto(`${base}/settings/scoring`);
    await page.getByLabel('Healthy (green) from').fill('95');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByText(/customers would change level/);
    await preview.waitFor();
    const changed = Number((await preview.textContent())!.match(/(\d+) of/)![1]);
    expect(changed).toBeGreaterThan(0);
    await screenshots(page, 'scoring');
    await page.getByRole('button', { name: 'Save and re-score' }).click();
    await page.getByText('Saved. Every customer is being re-scored.').waitFor();
    await expect.poll(() => countCustomers(page, 'green'), { timeout: 30_000 }).toBeLessThan(greenBefore);
  }, 120_000);

  it('creates a payment-failed alert rule and sees the notification when a charge fails', async () => {
    await page.goto(`${base}/settings/alerts`);
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Name').fill('Failed payments');
    await page.getByLabel('When').selectOption('payment_failed');
    await page.getByLabel('Cooldown per customer (hours)').fill('0');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByText('Failed payments', { exact: true }).waitFor();
    await screenshots(page, 'alerts');

    // Stripe reports a declined charge for one of the connected account's customers.
    const account = await connectedAccount();
    // The demo platform's key is random per data folder (see src/demo/demo-stripe.ts).
    const { secretKey } = JSON.parse(await readFile(path.join(dataDir, 'demo-stripe-secrets.json'), 'utf8')) as { secretKey: string };
    const stripe = new Stripe(secretKey, {
      host: new URL(emulatorOrigin!).hostname,
      port: Number(new URL(emulatorOrigin!).port),
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const customer = (await stripe.customers.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
    await stripe.charges
      .create(
        { amount: 5000, currency: 'usd', customer: customer.id, source: 'tok_chargeDeclinedInsufficientFunds' },
        { stripeAccount: account },
      )
      .catch(() => undefined);

    // The webhook, the alert evaluation and the notification take a moment; then the bell shows it.
    await expect
      .poll(async () => ((await (await page.request.get(`${base}/api/v1/notifications`)).json()) as { unread: number }).unread, {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    await page.reload();
    const bell = page.getByRole('button', { name: /Notifications, \d+ unread/ });
    await bell.waitFor({ timeout: 30_000 });
    await bell.click();
    await page
      .getByRole('region', { name: 'Notifications' })
      .getByText(/payment failed/)
      .first()
      .waitFor();
    await expectAccessible(page, 'notifications');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('table').getByText('Failed payments').first().waitFor({ timeout: 15_000 });
  }, 120_000);

  it('retries the sync, then disconnects and keeps the data', async () => {
    await page.goto(`${base}/settings/integrations`);
    await page.getByRole('button', { name: 'Retry sync' }).click();
    const customers = await emulatorCustomers();
    expect(customers).toBeGreaterThan(0);
    // The manual run (not the first one) is the one that completes.
    await expect
      .poll(
        async () =>
          ((await (await page.request.get(`${base}/api/v1/integrations/stripe/sync`)).json()) as { sync: { kind: string; status: string } })
            .sync,
        {
          timeout: 90_000,
        },
      )
      .toMatchObject({ kind: 'manual', status: 'succeeded' });
    await page.getByText(`Sync complete — ${customers} customers imported.`).first().waitFor({ timeout: 90_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Retry sync' }).isEnabled(), { timeout: 30_000 }).toBe(true);

    await page.getByRole('button', { name: 'Stripe options' }).click();
    await page.getByRole('menuitem', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Stripe?' });
    await dialog.getByText(/Disconnecting Stripe stops all future syncs/).waitFor();
    await expectAccessible(page, 'disconnect dialog');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('Disconnected', { exact: true }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Connect Stripe' }).isVisible()).toBe(true);
    await page.goto(`${base}/customers`);
    await expect.poll(() => page.getByRole('table').locator('tbody tr').count()).toBeGreaterThan(0);
  }, 180_000);

  it('shows the access_denied message when the consent page is cancelled', async () => {
    const other = await browser.newPage();
    await signUp(other, 'Cancel Co');
    await other.goto(`${base}/settings/integrations`);
    await other.getByRole('button', { name: 'Connect Stripe' }).click();
    await other.waitForURL((url) => url.pathname === '/oauth/authorize');
    await other.getByRole('button', { name: 'Cancel' }).click();
    await other.waitForURL((url) => url.searchParams.get('code') === 'access_denied');
    await other.getByText('Stripe was not connected (access_denied).').waitFor();
    await other.getByText(/What to do: Restart the connection and click Allow access/).waitFor();
    await screenshots(other, 'integrations-access-denied');
    await other.close();
  }, 120_000);

  it('manages the team and API keys as an admin', async () => {
    await page.goto(`${base}/settings/team`);
    await page.getByRole('heading', { name: 'Invitations' }).waitFor();
    await screenshots(page, 'team');
    await page.goto(`${base}/settings/api-keys`);
    await page.getByLabel('Name').fill('Reporting');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Copy this key now: it is shown only once.').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'shown only once' }).locator('code').textContent()).toMatch(/^psk_[\w-]{20,}$/);
    await screenshots(page, 'api-keys');
    await page.getByRole('button', { name: 'Revoke Reporting' }).click();
    await page.getByText('No API keys yet').waitFor();
  }, 60_000);

  it('logs out and back in', async () => {
    const email = await signUp(page, 'Login Co');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    await screenshots(page, 'login');
    await page.goto(`${base}/customers`);
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/customers');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/customers`);
  }, 60_000);

  it('hides admin controls from a member', async () => {
    const invite = await page.request.post(`${base}/api/v1/invitations`, {
      data: { email: `member-${Date.now()}@example.com`, role: 'member' },
      headers: { origin: base },
    });
    expect(invite.status()).toBe(201);
    const { url, email } = (await invite.json()) as { url: string; email: string };
    const context = await browser.newContext();
    const member = await context.newPage();
    await member.goto(url.replace(/^https?:\/\/[^/]+/, base));
    await member.getByRole('button', { name: 'Create an account and join' }).click();
    await member.getByLabel('Your name').fill('Morgan Member');
    await member.getByLabel('Work email').fill(email);
    await member.getByLabel('Password').fill('correct horse battery staple');
    await member.getByRole('button', { name: 'Create account' }).click();
    await member.waitForURL(`${base}/`);
    await member.goto(`${base}/settings/integrations`);
    await member.getByRole('heading', { name: /Stripe/ }).waitFor();
    expect(await member.getByRole('button', { name: /Connect Stripe|Retry sync|Stripe options/ }).count()).toBe(0);
    await member.goto(`${base}/settings/scoring`);
    await member.getByText('Only admins and owners can change scoring settings.').waitFor();
    expect(await member.getByRole('button', { name: 'Save and re-score' }).count()).toBe(0);
    await member.goto(`${base}/settings/team`);
    await member.getByText('Only admins and owners can invite people or change roles.').waitFor();
    await screenshots(member, 'team-member');
    await member.goto(`${base}/settings/api-keys`);
    await member.getByText('Only admins and owners can manage API keys.').waitFor();
    await context.close();
  }, 120_000);
});

async function countCustomers(page: Page, risk: string): Promise<number> {
  const res = await page.request.get(`${base}/api/v1/customers?risk=${risk}&pageSize=1`);
  return ((await res.json()) as { total: number }).total;
}
