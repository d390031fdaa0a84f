import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clipboardText,
  eventually,
  expectAccessible,
  expectNoOverflow,
  focused,
  focusIsWithin,
  isFocused,
  screenshots,
} from './browser.js';
import { E2eApp, PASSWORD } from './harness.js';

// Issue 16: screens a customer-success team can live in — on a phone too, with help one click away.
const app = new E2eApp();
beforeAll(() => app.start(), 180_000);
afterAll(() => app.stop());

interface CustomerRow {
  id: string;
  externalId: string;
  email: string | null;
}

describe('screens a customer-success team can live in', () => {
  let page: Page;
  let customer: CustomerRow;

  it('signs up and connects Stripe', async () => {
    page = await app.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.base });
    await app.signUp(page, 'Screens Co');
    await app.connectStripe(page);
    customer = (await app.api<{ customers: CustomerRow[] }>(page, '/customers?sort=name&pageSize=1')).customers[0]!;
  }, 180_000);

  it('lets each user dismiss the "Sync complete" banner', async () => {
    const banner = page.getByRole('region', { name: 'Stripe sync' });
    await banner.getByText(/Sync complete/).waitFor();
    await banner.getByRole('button', { name: 'Dismiss the sync message' }).click();
    await eventually(() => banner.count()).toBe(0);
    await eventually(async () => (await app.api<{ sync: { dismissed?: boolean } }>(page, '/integrations/stripe/sync')).sync.dismissed).toBe(
      true,
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    expect(await banner.count()).toBe(0);
  }, 30_000);

  it('keeps an open customer page up to date when a webhook changes the customer, without a reload', async () => {
    await page.goto(`${app.base}/customers/${customer.id}`);
    await page.getByRole('heading', { name: 'Payments' }).waitFor();
    await page.getByRole('heading', { name: 'Metadata' }).waitFor();
    expect(await page.getByText('$12.34').count()).toBe(0);
    const { stripe, account } = await app.stripe();
    await stripe.charges.create(
      { amount: 1234, currency: 'usd', customer: customer.externalId, source: 'tok_visa' },
      { stripeAccount: account },
    );
    await page.getByText('$12.34').first().waitFor({ timeout: 20_000 });
  }, 60_000);

  it('shows what to configure for webhooks, and readable validation messages', async () => {
    await page.goto(`${app.base}/settings/integrations`);
    const webhooks = page.locator('#webhooks');
    await webhooks.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await webhooks.getByText('charge.failed', { exact: true }).waitFor();
    await webhooks.getByRole('button', { name: 'Copy all event types' }).click();
    expect(await clipboardText(page)).toContain('invoice.payment_failed');
    // The charge of the previous test arrived by webhook: its time is shown.
    await webhooks.getByText('Last event received').waitFor();
    expect(await webhooks.innerText()).not.toMatch(/No event received yet/);
    await page.getByLabel('Webhook secret').fill('not-a-secret');
    await page.getByRole('button', { name: 'Save secret' }).click();
    await webhooks.getByText(/The webhook secret must be a Stripe signing secret/).waitFor();
    expect(await page.locator('body').innerText()).not.toMatch(/body\.secret/);
    await screenshots(page, 'integrations-webhooks');
  }, 60_000);

  it('lets an invited teammate join through the copied link, new to PulseScore or already with an account', async () => {
    const invite = async (email: string): Promise<string> => {
      await page.goto(`${app.base}/settings/team`);
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByRole('button', { name: `Copy link for ${email}` }).click();
      const link = await clipboardText(page);
      expect(link).toMatch(/\/invitations\/[\w-]+$/);
      return link.replace(/^https?:\/\/[^/]+/, app.base);
    };
    // New to PulseScore.
    const newcomer = app.newEmail('teammate');
    const link = await invite(newcomer);
    await screenshots(page, 'team');
    const fresh = await app.browser.newContext();
    const mate = await fresh.newPage();
    await mate.goto(link);
    await mate.getByRole('heading', { name: 'Join Screens Co' }).waitFor();
    await screenshots(mate, 'invitation');
    await mate.getByRole('button', { name: 'Create an account and join' }).click();
    await app.fillSignup(mate, null, newcomer, 'Tess Teammate');
    await mate.waitForURL(`${app.base}/`);
    await mate.getByText('Screens Co').first().waitFor();
    await fresh.close();

    // Already has an account (elsewhere), signed out: logs in through the link, then accepts.
    const other = await app.browser.newContext();
    const existing = await other.newPage();
    const existingEmail = await app.signUp(existing, 'Elsewhere Co');
    await existing.getByRole('button', { name: 'Log out' }).click();
    await existing.waitForURL(`${app.base}/login`);
    const second = await invite(existingEmail);
    await existing.goto(second);
    await existing.getByRole('link', { name: 'I have an account: log in to accept' }).click();
    await existing.getByLabel('Email').fill(existingEmail);
    await existing.getByLabel('Password').fill(PASSWORD);
    await existing.getByRole('button', { name: 'Log in' }).click();
    await existing.getByRole('button', { name: 'Accept invitation' }).click();
    await existing.waitForURL(`${app.base}/`);
    await eventually(() => existing.getByLabel('Organization').inputValue()).toBeTruthy();
    const orgs = await app.api<{ organizations: { name: string }[] }>(existing, '/me');
    expect(orgs.organizations.map((o) => o.name).sort()).toEqual(['Elsewhere Co', 'Screens Co']);
    await other.close();
  }, 120_000);

  it('answers from the help panel on every page and sends a message to support through the outbox', async () => {
    await page.goto(`${app.base}/customers`);
    await page.getByRole('table').waitFor();
    await page.getByRole('button', { name: 'Help' }).click();
    const help = page.getByRole('dialog', { name: 'Help' });
    await help.getByRole('searchbox', { name: 'Search the answers' }).fill('webhook');
    await help.getByText('Webhook events are not being received').waitFor();
    expect(await help.getByText('Some customers are missing').count()).toBe(0);
    await help.getByRole('searchbox', { name: 'Search the answers' }).fill('');
    const email = await help.getByRole('link', { name: /@/ }).getAttribute('href');
    expect(email).toMatch(/^mailto:.+@.+/);
    expect(await help.getByRole('link', { name: 'Status page' }).getAttribute('href')).toMatch(/^https?:\/\//);
    const text = `Where are my invoices? ${Date.now()}`;
    await help.getByLabel('Your message').fill(text);
    await help.getByRole('button', { name: 'Send message' }).click();
    await help.getByText(/Message sent to .+@/).waitFor();
    await screenshots(page, 'help', { fullPage: false });
    await eventually(() => app.outbox({ bodyContains: text }), { timeout: 10_000 }).toHaveLength(1);
    const [mail] = await app.outbox({ bodyContains: text });
    expect(`mailto:${mail!.to_address}`).toBe(email);
    expect(mail!.text_body).toContain('/customers');
    // Each answer leads to the screen it talks about.
    await help.getByRole('searchbox', { name: 'Search the answers' }).fill('N/A');
    await help.getByRole('link', { name: 'See customers without a score' }).click();
    await page.waitForURL((url) => url.pathname === '/customers' && url.searchParams.get('risk') === 'none');
    expect(await help.isVisible()).toBe(false);
    // A click outside the panel closes it too, and focus goes back to the ? button.
    const button = page.getByRole('button', { name: 'Help' });
    await button.click();
    await help.waitFor();
    await page.mouse.click(100, 400);
    await eventually(() => help.isVisible()).toBe(false);
    expect(await isFocused(button)).toBe(true);
  }, 60_000);

  it('has no horizontal overflow on any page at 390 or 1280 px, a help button on each, and no axe violation', async () => {
    const pages: [string, string | RegExp][] = [
      ['/', 'Dashboard'],
      ['/welcome', /Welcome/],
      ['/customers', 'Customers'],
      [`/customers/${customer.id}`, /\S/],
      ['/settings/integrations', 'Integrations'],
      ['/settings/scoring', 'Scoring'],
      ['/settings/team', 'Team'],
      ['/settings/alerts', 'Alerts'],
      ['/settings/data-sources', 'Data sources'],
      ['/settings/currencies', 'Currencies'],
      ['/settings/api-keys', 'API keys'],
      ['/no-such-page', 'Page not found'],
    ];
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      for (const [path, heading] of pages) {
        await page.goto(`${app.base}${path}`);
        await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
        await page.waitForLoadState('networkidle');
        await expectNoOverflow(page, `${path} at ${width} px`);
        if (width === 1280) {
          await expectAccessible(page, `${path} at ${width} px`);
          continue;
        }
        // The help panel, by keyboard: it opens on its search, keeps focus inside, and gives it back on Escape.
        const button = page.getByRole('button', { name: 'Help' });
        await button.focus();
        await page.keyboard.press('Enter');
        const help = page.getByRole('dialog', { name: 'Help' });
        await help.waitFor();
        expect((await focused(page)).type).toBe('search');
        for (let i = 0; i < 25; i++) await page.keyboard.press('Tab');
        expect(await focusIsWithin(help)).toBe(true);
        await expectNoOverflow(page, `the help panel on ${path}`);
        await expectAccessible(page, `${path} with the help panel`);
        await page.keyboard.press('Escape');
        await eventually(() => help.isVisible()).toBe(false);
        expect(await isFocused(button)).toBe(true);
        await expectAccessible(page, path);
      }
    }
    await page.goto(`${app.base}/no-such-page`);
    await screenshots(page, 'not-found');
    await page.getByRole('link', { name: 'Back to the dashboard' }).click();
    await page.waitForURL(`${app.base}/`);

    // The pages before signing in, and the consent page.
    const signedOut = await app.browser.newPage({ viewport: { width: 390, height: 844 } });
    for (const path of ['/login', '/signup', '/forgot-password', '/reset-password']) {
      await signedOut.goto(`${app.base}${path}`);
      await signedOut.getByRole('heading', { level: 1 }).waitFor();
      await expectNoOverflow(signedOut, path);
      await expectAccessible(signedOut, path);
    }
    await signedOut.close();
  }, 180_000);

  it('hides admin controls from a member', async () => {
    const invite = await page.request.post(`${app.base}/api/v1/invitations`, {
      data: { email: app.newEmail('member'), role: 'member' },
      headers: { origin: app.base },
    });
    expect(invite.status()).toBe(201);
    const { url, email } = (await invite.json()) as { url: string; email: string };
    const context = await app.browser.newContext();
    const member = await context.newPage();
    await member.goto(url.replace(/^https?:\/\/[^/]+/, app.base));
    await member.getByRole('button', { name: 'Create an account and join' }).click();
    await app.fillSignup(member, null, email, 'Morgan Member');
    await member.waitForURL(`${app.base}/`);
    await member.goto(`${app.base}/settings/integrations`);
    await member.getByRole('heading', { name: /Stripe/ }).waitFor();
    expect(await member.getByRole('button', { name: /Connect Stripe|Retry sync|Stripe options/ }).count()).toBe(0);
    await member.goto(`${app.base}/settings/scoring`);
    await member.getByText('Only admins and owners can change scoring settings.').waitFor();
    expect(await member.getByRole('button', { name: 'Save and re-score' }).count()).toBe(0);
    await member.goto(`${app.base}/settings/team`);
    await member.getByText('Only admins and owners can invite people or change roles.').waitFor();
    await screenshots(member, 'team-member');
    await member.goto(`${app.base}/settings/api-keys`);
    await member.getByText('Only admins and owners can manage API keys.').waitFor();
    await context.close();
  }, 120_000);
});
