import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, screenshots } from './browser.js';
import { E2eApp } from './harness.js';

// Issue 18, as a user meets it: Settings → Data sources (write key, matching rule, unmatched groups mapped by hand,
// CSV imports all or nothing), then a customer's signals (CSM sentiment, usage and support in the explanation).
const app = new E2eApp();
beforeAll(() => app.start(), 180_000);
afterAll(() => app.stop());

const DAY = 86_400_000;
const yesterday = () => new Date(Date.now() - DAY).toISOString();

interface Detail {
  customer: { id: string; name: string | null; externalId: string; email: string | null };
  score: { factors: { name: string; explanation: string }[]; absent: { name: string; reason: string }[] };
}

describe('Settings → Data sources and a customer’s signals, in the browser', () => {
  let page: Page;
  let writeKey: string;
  let target: Detail['customer'];
  let eventsBefore: number;

  const sendBatch = async (batch: Record<string, unknown>[]) => {
    const res = await fetch(`${app.base}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ batch }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { stored: number; rejected: unknown[] };
  };
  const detail = () => app.api<Detail>(page, `/customers/${target.id}`);
  const factor = (d: Detail, name: string) => d.score.factors.find((f) => f.name === name)?.explanation ?? '';
  const eventsIn7Days = (text: string) => Number(/ and ([\d.]+) events in the last 7 days/.exec(text)?.[1] ?? NaN);

  it('shows the write key instructions once the demo business is synced and its usage has arrived', async () => {
    page = await app.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await app.signUp(page, 'Signals Co');
    await app.connectStripe(page);
    // The demo business sends its usage and tickets after the sync; wait for it to be rolled up.
    await eventually(
      async () => {
        const s = (
          await app.api<{ status: { customersWithUsage: number; pendingRollup: number; waitingForMatch: number } }>(page, '/data-sources')
        ).status;
        return s.customersWithUsage > 100 && s.pendingRollup === 0;
      },
      { timeout: 60_000, interval: 500 },
    ).toBe(true);

    await page.goto(`${app.base}/settings/data-sources`);
    const endpoint = page.getByRole('region', { name: 'Segment-compatible endpoint' });
    await endpoint.getByText(/Write key:/).waitFor();
    expect(await endpoint.innerText()).toContain(`host: '${app.base}'`);
    expect(await endpoint.innerText()).toMatch(/basic authentication as the user name, with an empty password/);
    expect(await endpoint.getByRole('link', { name: /API keys/ }).getAttribute('href')).toBe('/settings/api-keys');
    await page.getByRole('region', { name: 'Unmatched groups and users' }).getByText('Everything is matched').waitFor();

    const key = await page.request.post(`${app.base}/api/v1/api-keys`, {
      data: { name: 'Segment', role: 'member' },
      headers: { origin: app.base },
    });
    writeKey = ((await key.json()) as { key: string }).key;
    // A customer with a score, usage from the demo and no open ticket: the events below must move its explanation.
    const list = await app.api<{ customers: { id: string }[] }>(page, '/customers?risk=green&sort=name&pageSize=30');
    for (const c of list.customers) {
      const d = await app.api<Detail>(page, `/customers/${c.id}`);
      if (d.customer.name && /^No open tickets/.test(factor(d, 'support')) && eventsIn7Days(factor(d, 'usage')) >= 0) {
        target = d.customer;
        eventsBefore = eventsIn7Days(factor(d, 'usage'));
        break;
      }
    }
    expect(target).toBeDefined();
  }, 150_000);

  it('changes the matching rule, with a readable answer to a bad metadata key', async () => {
    const settings = page.getByRole('region', { name: 'Matching and retention' });
    await settings.getByLabel('A Stripe customer metadata key that holds the group id').check();
    const keyField = settings.getByLabel('Stripe metadata key');
    await keyField.fill('not a key!');
    await settings.getByRole('button', { name: 'Save' }).click();
    // The browser's own check stops it, on the field.
    expect(await keyField.evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
    // Leaving the metadata rule leaves its key behind: it must not block saving another rule.
    await settings.getByLabel('Email domain (of the group’s email or website, or the user’s email)').check();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByText('Saved. Groups and users not mapped by hand are being matched again by email domain').waitFor();
    expect((await app.api<{ settings: { matchBy: string } }>(page, '/data-sources')).settings.matchBy).toBe('email_domain');
    // Back to the default: the demo's groups carry stripe_customer_id.
    await settings.getByLabel('The group trait stripe_customer_id (the default)').check();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByText(/matched again by the stripe_customer_id trait/).waitFor();
    await eventually(
      async () => (await app.api<{ status: { unmatchedGroups: number } }>(page, '/data-sources')).status.unmatchedGroups,
    ).toBe(0);
  }, 60_000);

  it('lists a group that matches no customer, and maps it by hand', async () => {
    const tracks = Array.from({ length: 30 }, (_, i) => ({
      type: 'track',
      userId: 'u-ann',
      event: 'Report Viewed',
      context: { groupId: 'ws-acme' },
      messageId: `early-${i}`,
      timestamp: yesterday(),
    }));
    const sent = await sendBatch([
      {
        type: 'group',
        userId: 'u-ann',
        groupId: 'ws-acme',
        traits: { name: 'Acme workspace', stripe_customer_id: 'cus_nope' },
        messageId: 'g1',
      },
      { type: 'identify', userId: 'u-ann', traits: { email: 'ann@acme-workspace.example', name: 'Ann Admin' }, messageId: 'i1' },
      ...tracks,
      { type: 'track', userId: 'u-ann', messageId: 'bad' }, // no event name: refused alone
    ]);
    expect(sent.stored).toBe(32);
    expect(sent.rejected).toHaveLength(1);

    await page.reload();
    const unmatched = page.getByRole('region', { name: 'Unmatched groups and users' });
    await unmatched.getByText('Group Acme workspace').waitFor({ timeout: 20_000 });
    expect(await unmatched.innerText()).toMatch(/30 events, last seen .*Its stripe_customer_id cus_nope matches no customer/s);
    await page
      .getByRole('region', { name: 'Segment-compatible endpoint' })
      .getByText(/\d+ events? (belongs|belong) to groups or users that match no customer/)
      .waitFor();
    await screenshots(page, 'data-sources');

    const field = unmatched.getByLabel('Map group ws-acme to customer');
    await field.fill('.example');
    await field.press('Enter');
    await unmatched.getByText(/Several customers match “.example”/).waitFor();
    // The field suggests customers as one types: pick one from the list (with the keyboard), then map.
    await field.fill(target.name!.slice(0, -1));
    const option = unmatched.getByRole('option', { name: new RegExp(target.name!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
    await option.first().waitFor();
    await screenshots(page, 'data-sources-suggestions');
    const options = await unmatched.getByRole('option').allInnerTexts();
    for (let i = 0; i <= options.findIndex((o) => o.startsWith(target.name!)); i++) await field.press('ArrowDown');
    await field.press('Enter');
    expect(await field.inputValue()).toBe(target.name);
    await unmatched.getByRole('button', { name: 'Map' }).first().click();
    await unmatched.getByText(`Group ws-acme is now mapped to ${target.name}: its events count for that customer.`).waitFor();
    await eventually(() => unmatched.getByText('Group Acme workspace').count()).toBe(0);
  }, 60_000);

  it('counts the events sent to /v1/batch in the usage and support factors of the explanation', async () => {
    const more = Array.from({ length: 60 }, (_, i) => ({
      type: 'track',
      userId: 'u-ann',
      event: 'Export',
      context: { groupId: 'ws-acme' },
      messageId: `late-${i}`,
      timestamp: yesterday(),
    }));
    await sendBatch([
      ...more,
      {
        type: 'track',
        userId: 'u-ann',
        event: 'Ticket Opened',
        context: { groupId: 'ws-acme' },
        properties: { ticket_id: 'ACME-1', priority: 'urgent', subject: 'Exports fail' },
        messageId: 'ticket-1',
      },
    ]);
    await eventually(async () => eventsIn7Days(factor(await detail(), 'usage')), { timeout: 30_000, interval: 500 }).toBe(
      eventsBefore + 90,
    );
    await page.goto(`${app.base}/customers/${target.id}`);
    const factors = page.getByRole('region', { name: 'Factors' });
    await eventually(() => factors.innerText(), { timeout: 20_000 }).toMatch(/^1 open ticket \(1 urgent or high\)/m);
    expect(await factors.innerText()).toContain(`${eventsBefore + 90} events in the last 7 days`);
    await page.getByRole('region', { name: 'Support tickets' }).getByText('Exports fail').waitFor();
  }, 60_000);

  it('imports usage and tickets from CSV: one bad row imports nothing, with the errors listed and downloadable', async () => {
    await page.goto(`${app.base}/settings/data-sources`);
    const card = page.getByRole('region', { name: 'Import from CSV (backfill)' });
    const upload = async (name: string, csv: string) => {
      await card.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await card.getByRole('button', { name: /^Import / }).click();
    };
    const usageRows = () =>
      app.query<{ n: string }>(
        `select count(*) as n from usage_daily where customer_id = $1 and day between '2025-01-01' and '2025-01-31'`,
        [target.id],
      );
    const good = [`2025-01-05,${target.externalId},Backfilled,40,4`, `2025-01-06,${target.externalId},Backfilled,35,3`];
    await upload('usage.csv', ['date,customer,event,events,active_users', ...good, '2025-01-07,cus_nope,Backfilled,12,2'].join('\n'));
    await card.getByText(/1 row has an error; nothing was imported/).waitFor();
    const errors = card.getByRole('table', { name: 'Rows with errors' });
    expect(await errors.innerText()).toMatch(/4\s+customer\s+cus_nope\s+matches no customer/);
    const report = await card.getByRole('link', { name: /Download the error report/ }).getAttribute('href');
    const csv = await (await page.request.get(`${app.base}${report}`)).text();
    expect(csv).toMatch(/^row,column,value,error/);
    expect(csv).toContain('cus_nope');
    expect(Number((await usageRows())[0]!.n)).toBe(0);
    await screenshots(page, 'data-sources-import-rejected');

    await upload('usage-fixed.csv', ['date,customer,event,events,active_users', ...good].join('\n'));
    await card.getByText('Imported 2 rows for 1 customer.', { exact: false }).waitFor();
    expect(Number((await usageRows())[0]!.n)).toBe(2);

    await card.getByLabel('Support tickets').check();
    const ticket = `OLD-1,${target.externalId},2025-01-02,solved,high,2025-01-03,good,Backfilled ticket`;
    await upload(
      'tickets.csv',
      [
        'ticket_id,customer,opened_at,status,priority,solved_at,satisfaction,subject',
        ticket,
        'OLD-2,' + target.externalId + ',2025-01-04,open,blocker,,,Bad',
      ].join('\n'),
    );
    await card.getByText(/nothing was imported/).waitFor();
    expect(await card.getByRole('table', { name: 'Rows with errors' }).innerText()).toMatch(
      /priority\s+blocker\s+must be low, normal \(or medium\), high or urgent/,
    );
    expect(await app.query(`select 1 from support_tickets where customer_id = $1 and external_id like 'OLD-%'`, [target.id])).toHaveLength(
      0,
    );
    await upload('tickets-fixed.csv', ['ticket_id,customer,opened_at,status,priority,solved_at,satisfaction,subject', ticket].join('\n'));
    await card.getByText('Imported 1 row for 1 customer.', { exact: false }).waitFor();
    const recent = card.getByRole('heading', { name: 'Recent imports' }).locator('..');
    expect(await recent.innerText()).toMatch(/Rejected, nothing imported · 1 error \(CSV\)/);
    await page.goto(`${app.base}/customers/${target.id}`);
    await page.getByRole('region', { name: 'Support tickets' }).getByText('Backfilled ticket').waitFor();
  }, 60_000);

  it('lets an admin record a sentiment that counts until it expires, and not a member who is not the owner', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.base}/customers/${target.id}`);
    const card = page.getByRole('region', { name: 'CSM sentiment' });
    await card.getByText('No sentiment recorded yet.').waitFor();
    expect(await card.getByRole('button', { name: 'Record sentiment' }).isDisabled()).toBe(true);
    await card.getByText('2 · Unhappy').click();
    await card.getByLabel('Note (optional)').fill('Champion left; renewal at risk');
    await card.getByLabel('Counts in the score for').fill('10');
    await card.getByRole('button', { name: 'Record sentiment' }).click();
    await card.getByText(/^Recorded: it counts in the score until/).waitFor();
    expect(await card.innerText()).toMatch(/2\/5 · Unhappy\s+Counts in the score\s+“Champion left; renewal at risk”/);
    const factors = page.getByRole('region', { name: 'Factors' });
    await eventually(() => factors.innerText(), { timeout: 20_000 }).toMatch(/CSM sentiment 2\/5 from Erin Example/);
    const until = new Date(Date.now() + 10 * DAY).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
    expect(await card.innerText()).toContain(`Counts in the score until ${until}.`);
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshots(page, 'customer-signals');

    // Once it expires it stops counting, and says so.
    await app.query(`update csm_sentiments set expires_at = now() - interval '1 minute' where customer_id = $1`, [target.id]);
    const recalculated = page.waitForResponse((res) => res.url().endsWith('/recalculate'));
    await page.getByRole('button', { name: 'Recalculate' }).click();
    expect((await recalculated).status()).toBe(200);
    await page.reload();
    await card.getByText('Expired: not counted').waitFor();
    await eventually(() => factors.innerText(), { timeout: 20_000 }).toMatch(/CSM sentiment \(the CSM sentiment of .* expired on/);

    // A member who does not own the customer sees no form, and the API refuses.
    const invite = await page.request.post(`${app.base}/api/v1/invitations`, {
      data: { email: app.newEmail('member'), role: 'member' },
      headers: { origin: app.base },
    });
    const { url, email } = (await invite.json()) as { url: string; email: string };
    const context = await app.browser.newContext({ viewport: { width: 390, height: 844 } });
    const member = await context.newPage();
    await member.goto(url.replace(/^https?:\/\/[^/]+/, app.base));
    await member.getByRole('button', { name: 'Create an account and join' }).click();
    await app.fillSignup(member, null, email, 'Morgan Member');
    await member.waitForURL(`${app.base}/`);
    await member.goto(`${app.base}/customers/${target.id}`);
    const theirs = member.getByRole('region', { name: 'CSM sentiment' });
    await theirs.getByText('Only admins and the customer’s owner can record a sentiment.').waitFor();
    expect(await theirs.getByRole('button', { name: 'Record sentiment' }).count()).toBe(0);
    const refused = await member.request.post(`${app.base}/api/v1/customers/${target.id}/sentiment`, {
      data: { rating: 5 },
      headers: { origin: app.base },
    });
    expect(refused.status()).toBe(403);
    // Once an admin makes them the owner, they can.
    await page.reload();
    await page
      .getByRole('region', { name: 'CSM sentiment' })
      .getByLabel('Owner', { exact: true })
      .selectOption({ label: `Morgan Member (${email})` });
    await eventually(
      async () => (await app.api<{ owner: { name: string } | null }>(page, `/customers/${target.id}/sentiment`)).owner?.name,
    ).toBe('Morgan Member');
    await member.reload();
    await theirs.getByText('4 · Happy').click();
    await theirs.getByRole('button', { name: 'Record sentiment' }).click();
    await theirs.getByText(/^Recorded: it counts in the score until/).waitFor();
    expect(await theirs.innerText()).toMatch(/4\/5 · Happy\s+Counts in the score/);
    await member.goto(`${app.base}/settings/data-sources`);
    await member.getByText('Only admins and owners can import data.').waitFor();
    await context.close();
  }, 90_000);
});
