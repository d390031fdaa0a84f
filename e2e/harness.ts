import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import Stripe from 'stripe';
import { expect } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.js';
import { healthy, killAll, type Proc, start, stop } from '../test/helpers/process.js';
import { buildWebApp, launchBrowser, screenshots } from './browser.js';

export const PASSWORD = 'correct horse battery staple';

/** PulseScore as `npm start` runs it (demo mode: the bundled emulator plays Stripe), a database and a browser. */
export class E2eApp {
  base = '';
  dataDir = '';
  emulatorOrigin: string | null = null;
  browser!: Browser;
  private database!: TestDatabase;
  private server!: Proc;
  private counter = 0;

  async start(): Promise<void> {
    buildWebApp();
    this.database = await createTestDatabase();
    const port = await freePort();
    this.base = `http://localhost:${port}`;
    this.dataDir = await mkdtemp(path.join(tmpdir(), 'e2e-'));
    // No Stripe credentials, as the README's run command: demo mode.
    this.server = start({ DATABASE_URL: this.database.url, PORT: String(port), DATA_DIR: this.dataDir, LOG_LEVEL: 'warn' });
    await healthy(port, 60_000);
    this.browser = await launchBrowser();
  }

  async stop(): Promise<void> {
    // The demo's emulator refuses what Stripe refuses: any request PulseScore made that it refused fails the run.
    const audit = this.emulatorOrigin
      ? ((await (await fetch(`${this.emulatorOrigin}/_emulator/audit`)).json()) as { refusals: { client: string | null }[] })
      : null;
    await this.browser?.close();
    if (this.server) await stop(this.server);
    await killAll();
    await this.database?.drop();
    expect(audit?.refusals.filter((r) => r.client !== null) ?? []).toEqual([]);
  }

  newEmail(prefix = 'e2e'): string {
    return `${prefix}-${Date.now()}-${++this.counter}@example.com`;
  }

  /** Fills the sign-up form (already open) and lands where the app sends a new account. */
  async fillSignup(page: Page, company: string | null, email = this.newEmail(), name = 'Erin Example'): Promise<string> {
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    if (company !== null) await page.getByLabel('Company name').fill(company);
    await page.getByRole('button', { name: 'Create account' }).click();
    return email;
  }

  async signUp(page: Page, company: string): Promise<string> {
    await page.goto(`${this.base}/signup`);
    const email = await this.fillSignup(page, company);
    await page.waitForURL(`${this.base}/welcome`);
    return email;
  }

  /** Settings → Integrations → Connect Stripe → the consent page → Allow access → the first sync completes. */
  async connectStripe(page: Page, consentScreenshot = false): Promise<void> {
    await page.goto(`${this.base}/settings/integrations`);
    await page.getByRole('button', { name: 'Connect Stripe' }).click();
    await page.waitForURL((url) => url.pathname === '/oauth/authorize');
    this.emulatorOrigin = new URL(page.url()).origin;
    if (consentScreenshot) await screenshots(page, 'stripe-consent');
    await page.getByRole('button', { name: 'Allow access' }).click();
    await page.waitForURL((url) => url.pathname === '/settings/integrations' && url.searchParams.get('status') === 'connected');
    await page
      .getByText(`Sync complete — ${await this.emulatorCustomers()} customers imported.`)
      .first()
      .waitFor({ timeout: 90_000 });
  }

  private async accounts() {
    const res = await fetch(`${this.emulatorOrigin}/_emulator/accounts`);
    return ((await res.json()) as { accounts: { id: string; connected: boolean; platform: boolean; counts: Record<string, number> }[] })
      .accounts;
  }

  async connectedAccount(): Promise<string> {
    return (await this.accounts()).find((a) => a.connected && !a.platform)!.id;
  }

  async emulatorCustomers(): Promise<number> {
    return (await this.accounts()).find((a) => a.connected && !a.platform)!.counts.customer!;
  }

  /** The emulator's switches (`POST /_emulator/config`): error rate, latency, rate limits. */
  async emulatorRealism(realism: { errorRate?: number; latencyMs?: number }): Promise<void> {
    const res = await fetch(`${this.emulatorOrigin}/_emulator/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ realism }),
    });
    expect(res.ok).toBe(true);
  }

  /** The Stripe SDK against the emulator, as the demo platform (its key is random per data folder). */
  async stripe(): Promise<{ stripe: Stripe; account: string }> {
    const { secretKey } = JSON.parse(await readFile(path.join(this.dataDir, 'demo-stripe-secrets.json'), 'utf8')) as { secretKey: string };
    const origin = new URL(this.emulatorOrigin!);
    const stripe = new Stripe(secretKey, { host: origin.hostname, port: Number(origin.port), protocol: 'http', maxNetworkRetries: 0 });
    return { stripe, account: await this.connectedAccount() };
  }

  /** Rows of the mail outbox (the zero-configuration mailer keeps every mail there). */
  async outbox(where: { bodyContains: string }): Promise<{ to_address: string; subject: string; text_body: string }[]> {
    const client = new pg.Client({ connectionString: this.database.url });
    await client.connect();
    try {
      const res = await client.query<{ to_address: string; subject: string; text_body: string }>(
        'select to_address, subject, text_body from mail_outbox where text_body like $1 order by created_at',
        [`%${where.bodyContains}%`],
      );
      return res.rows;
    } finally {
      await client.end();
    }
  }

  /** One SQL statement against the app's database (to check what was stored, or to move a moment into the past). */
  async query<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.database.url });
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  async api<T>(page: Page, path: string): Promise<T> {
    return (await (await page.request.get(`${this.base}/api/v1${path}`)).json()) as T;
  }
}

export { killAll };
