import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../index.js';
import { authorize, CLIENT_ID, connect, firstAccount, REDIRECT, sdk, start } from './helpers.js';

let running: RunningEmulator;
beforeAll(async () => {
  running = await start({ customers: 5, platform: { redirectUris: [REDIRECT] } });
});
afterAll(() => running?.close());

describe('OAuth (Stripe Connect)', () => {
  it('shows a consent page with the account, read-only permissions, Allow access and Cancel', async () => {
    const url = `${running.url}/oauth/authorize?response_type=code&client_id=${CLIENT_ID}&scope=read_only&state=abc&redirect_uri=${encodeURIComponent(REDIRECT)}`;
    const html = await (await fetch(url)).text();
    expect(html).toContain('Allow access');
    expect(html).toContain('Cancel');
    expect(html).toContain(firstAccount(running));
    expect(html).toMatch(/Read-only access/);
    expect(html).toMatch(/No<\/strong> permission to create charges/);
  });

  it('redirects with a code and the state on Allow, and the code is exchanged once', async () => {
    const location = await authorize(running, { state: 'xyz' });
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code')!;
    expect(code).toMatch(/^ac_/);
    const stripe = sdk(running);
    const token = await stripe.oauth.token({ grant_type: 'authorization_code', code });
    expect(token).toMatchObject({ livemode: false, scope: 'read_only', token_type: 'bearer', stripe_user_id: firstAccount(running) });
    expect(token.access_token).toMatch(/^sk_test_/);
    expect(token.refresh_token).toMatch(/^rt_/);
    await expect(stripe.oauth.token({ grant_type: 'authorization_code', code })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidGrantError,
    );
    await expect(stripe.oauth.token({ grant_type: 'authorization_code', code: 'ac_unknown' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidGrantError,
    );
    const refreshed = await stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token! });
    expect(refreshed.stripe_user_id).toBe(token.stripe_user_id);
    // The access token works as the account's own key.
    const own = sdk(running, token.access_token!);
    expect((await own.customers.list({ limit: 1 })).data).toHaveLength(1);
  });

  it('answers each error the way the SDK maps it', async () => {
    const denied = await authorize(running, { decision: 'deny', state: 's' });
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('s');
    const badClient = await authorize(running, { client_id: 'ca_wrong' });
    expect(badClient.searchParams.get('error')).toBe('invalid_client');
    const mismatch = await authorize(running, { redirect_uri: 'https://evil.example/cb' });
    expect(mismatch.origin + mismatch.pathname).toBe(REDIRECT);
    expect(mismatch.searchParams.get('error')).toBe('redirect_uri_mismatch');

    const wrongSecret = new Stripe('sk_test_not_the_platform', {
      host: '127.0.0.1',
      port: running.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await expect(wrongSecret.oauth.token({ grant_type: 'authorization_code', code: 'ac_x' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidClientError,
    );
    await expect(sdk(running).oauth.token({ grant_type: 'client_credentials' as never, code: 'x' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeUnsupportedGrantTypeError,
    );
    await expect(sdk(running).oauth.token({ grant_type: 'authorization_code' } as never)).rejects.toBeInstanceOf(
      Stripe.errors.StripeOAuthInvalidRequestError,
    );
  });

  it('deauthorizes: the platform loses access to the account', async () => {
    const running2 = await start({ customers: 3 });
    try {
      const account = await connect(running2, firstAccount(running2));
      const stripe = sdk(running2);
      expect((await stripe.customers.list({ limit: 1 }, { stripeAccount: account })).data).toHaveLength(1);
      expect(await stripe.oauth.deauthorize({ client_id: CLIENT_ID, stripe_user_id: account })).toMatchObject({ stripe_user_id: account });
      await expect(stripe.customers.list({ limit: 1 }, { stripeAccount: account })).rejects.toBeInstanceOf(
        Stripe.errors.StripePermissionError,
      );
      const events = running2.emulator.accounts.get(account)!.store.all('event');
      expect(events.map((e) => e.type)).toContain('account.application.deauthorized');
      expect(events.find((e) => e.type === 'account.application.deauthorized')).toMatchObject({
        account,
        data: { object: { object: 'application', id: CLIENT_ID } },
      });
    } finally {
      await running2.close();
    }
  });
});
