import type { IncomingMessage } from 'node:http';
import type { EmulatorContext } from './context.js';
import { StripeApiError } from './errors.js';
import type { Account } from './state.js';

/**
 * Which account a request acts on, as Stripe decides it: the platform's key, alone or with `Stripe-Account`
 * (or `Stripe-Context`) naming a connected account that has not revoked access, or an account's own key
 * (the OAuth `access_token`) for that account only (https://docs.stripe.com/connect/authentication).
 */
export function authenticate(emulator: EmulatorContext, req: IncomingMessage): { account: Account; viaPlatform: boolean } {
  const header = req.headers.authorization ?? '';
  const key = header.startsWith('Bearer ')
    ? header.slice(7).trim()
    : header.startsWith('Basic ')
      ? Buffer.from(header.slice(6), 'base64').toString().split(':')[0]!
      : '';
  if (!key) {
    throw new StripeApiError(
      401,
      'invalid_request_error',
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const masked = `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
  const target = (req.headers['stripe-account'] ?? req.headers['stripe-context']) as string | undefined;
  if (key === emulator.platform.secretKey) {
    if (!target || target === emulator.platformAccount.id) return { account: emulator.platformAccount, viaPlatform: false };
    const account = emulator.accounts.get(target);
    if (!account || !account.connected) {
      throw new StripeApiError(
        403,
        'invalid_request_error',
        `The provided key '${masked}' does not have access to account '${target}' (or that account does not exist). Application access may have been revoked.`,
        'account_invalid',
      );
    }
    return { account, viaPlatform: true };
  }
  const account = [...emulator.accounts.values()].find((a) => a.secretKey === key);
  if (!account) throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${masked}`, 'api_key_invalid');
  if (!account.connected)
    throw new StripeApiError(
      401,
      'invalid_request_error',
      `Expired API Key provided: ${masked}. Application access may have been revoked.`,
      'api_key_expired',
    );
  // Only a platform acts on other accounts: an account's own key with `Stripe-Account` naming another
  // account is refused (https://docs.stripe.com/connect/authentication#stripe-account-header).
  if (target && target !== account.id) {
    throw new StripeApiError(
      403,
      'invalid_request_error',
      `The provided key '${masked}' does not have access to account '${target}' (or that account does not exist). Application access may have been revoked.`,
      'account_invalid',
    );
  }
  return { account, viaPlatform: false };
}
