import Stripe from 'stripe';

export const PLATFORM_KEY = 'sk_test_pulsescore_demo_platform_key';

/** Connects the emulator's first account through its OAuth flow; returns the SDK (platform key) and the account. */
export async function connectFirstAccount(url: string): Promise<{ stripe: Stripe; account: string }> {
  const { accounts } = (await (await fetch(`${url}/_emulator/accounts`)).json()) as { accounts: { id: string; platform: boolean }[] };
  const account = accounts.find((a) => !a.platform)!.id;
  const form = new URLSearchParams({
    client_id: 'ca_PulseScoreDemoClient',
    redirect_uri: 'http://localhost/cb',
    scope: 'read_only',
    account,
    decision: 'allow',
  });
  const res = await fetch(`${url}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const u = new URL(url);
  const stripe = new Stripe(PLATFORM_KEY, { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 0 });
  await stripe.oauth.token({ grant_type: 'authorization_code', code });
  return { stripe, account };
}
