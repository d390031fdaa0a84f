/**
 * What each way a Stripe connection can fail means for the user, and what to do (the guide's OAuth table and the
 * state checks). Shared with the web app, so it has no imports. `{support}` stands for the configured support
 * address (`SUPPORT_EMAIL`): see `callbackError`.
 */
const CALLBACK_ERRORS: Record<string, string> = {
  invalid_client:
    'Stripe did not recognise PulseScore (invalid_client): the Stripe Client ID is configured incorrectly. Contact support at {support}.',
  access_denied: 'You cancelled the connection in Stripe (access_denied). Click Connect Stripe again and choose Allow access.',
  redirect_uri_mismatch:
    'Stripe refused the redirect address (redirect_uri_mismatch). This is a configuration issue on the PulseScore side — contact support at {support}.',
  invalid_state: 'This connection link is not valid. Start again with Connect Stripe.',
  state_used: 'This connection link was already used. Start again with Connect Stripe.',
  state_expired: 'This connection link expired after 10 minutes. Start again with Connect Stripe.',
  state_user_mismatch:
    'This connection was started by someone else, or in another organization. Start again with Connect Stripe while signed in as yourself.',
  invalid_grant: 'Stripe did not accept the authorization (it expired or was already used). Start again with Connect Stripe.',
  not_configured: 'Stripe is not configured on this PulseScore server. Contact support at {support}.',
  already_connected: 'Stripe is already connected. Disconnect it first (Settings → Integrations → ⋮ → Disconnect), then reconnect.',
  stripe_error: 'Stripe could not complete the connection. Try again in a minute; if it keeps failing, contact support at {support}.',
};

/** Whether `code` is one of PulseScore's own callback error codes. */
export const isCallbackError = (code: string): boolean => Object.hasOwn(CALLBACK_ERRORS, code);

/** The words for a callback error code (unknown codes: Stripe's generic failure), with the support address in. */
export function callbackError(code: string, supportEmail: string): string {
  return (isCallbackError(code) ? CALLBACK_ERRORS[code]! : CALLBACK_ERRORS.stripe_error!).replaceAll('{support}', supportEmail);
}
