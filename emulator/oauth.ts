import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { OAuthError } from './errors.js';
import { parseForm } from './form.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const CODE_TTL_SECONDS = 5 * 60;

function redirect(res: ServerResponse, target: string, params: Record<string, string | undefined>): void {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  res.writeHead(302, { location: url.toString() });
  res.end();
}

function page(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action *",
  });
  res.end(html);
}

const STYLE = `*{box-sizing:border-box}body{font-family:-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0;padding:16px}
.card{max-width:480px;margin:32px auto;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:24px}
.brand{color:#635bff;font-weight:700;font-size:20px;margin-bottom:8px}h1{font-size:20px;margin:8px 0 16px;overflow-wrap:anywhere}
ul{padding-left:20px;line-height:1.7}fieldset{border:0;margin:0 0 16px;padding:0}legend{font-weight:600;margin-bottom:6px}
.account{display:flex;gap:10px;align-items:flex-start;border:1px solid #c1c9d2;border-radius:8px;padding:10px 12px;margin-top:6px;cursor:pointer;line-height:1.4}
.account input{margin-top:3px;flex:none}.account span{min-width:0;overflow-wrap:anywhere}.account small{display:block;color:#4f566b;font-size:13px}
.row{display:flex;flex-wrap:wrap;gap:12px;margin-top:24px}button{flex:1 1 140px;padding:12px;border-radius:8px;font-size:15px;font-weight:600;cursor:pointer}
.allow{background:#635bff;color:#fff;border:0}.cancel{background:#fff;border:1px solid #c1c9d2;color:#1a1f36}.muted{color:#4f566b;font-size:13px}`;

/** The Connect consent screen: pick the account, read the permissions, then Allow access or Cancel. */
function consentPage(emulator: EmulatorContext, query: URLSearchParams): string {
  const accounts = emulator.connectedAccounts();
  const scope = query.get('scope') ?? 'read_write';
  const hidden = ['client_id', 'redirect_uri', 'state', 'scope', 'response_type']
    .map((k) => (query.get(k) === null ? '' : `<input type="hidden" name="${k}" value="${escapeHtml(query.get(k)!)}">`))
    .join('');
  // One choice per account, whole on any screen (a <select> cuts long names off: "…(tes").
  const options = accounts
    .map(
      (a, i) =>
        `<label class="account"><input type="radio" name="account" value="${a.id}"${i === 0 ? ' checked' : ''}><span>${escapeHtml(a.name)}${a.livemode ? '' : ' (test mode)'}<small>${a.id}</small></span></label>`,
    )
    .join('');
  const permissions =
    scope === 'read_only'
      ? '<li>Read your customers, subscriptions, invoices and payments</li><li>Read your products, prices and coupons</li><li>Receive events about changes to this data</li><li><strong>No</strong> permission to create charges, refund payments or change anything</li>'
      : '<li>Read and write all of your Stripe data</li>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Connect to ${escapeHtml(emulator.platform.name)}</title><style>${STYLE}</style></head>
<body><div class="card"><div class="brand">stripe</div><h1>${escapeHtml(emulator.platform.name)} would like to connect to your Stripe account</h1>
<form method="post" action="/oauth/authorize">${hidden}
<fieldset><legend>Account to connect</legend>${options}</fieldset>
<p><strong>${scope === 'read_only' ? 'Read-only access' : 'Full access'}</strong> — ${escapeHtml(emulator.platform.name)} will be able to:</p><ul>${permissions}</ul>
<div class="row"><button class="cancel" type="submit" name="decision" value="deny">Cancel</button><button class="allow" type="submit" name="decision" value="allow">Allow access</button></div>
<p class="muted">This is the PulseScore Stripe emulator: no real Stripe account is involved.</p></form></div></body></html>`;
}

function decide(emulator: EmulatorContext, res: ServerResponse, form: Record<string, unknown>): void {
  const get = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
  const redirectUri = get('redirect_uri') ?? emulator.platform.redirectUris[0];
  const state = get('state');
  if (!redirectUri || !URL.canParse(redirectUri)) {
    return page(res, 400, `<!doctype html><p>Invalid redirect_uri.</p>`);
  }
  if (get('client_id') !== emulator.platform.clientId) {
    return redirect(res, redirectUri, {
      error: 'invalid_client',
      error_description: `No such application: '${get('client_id') ?? ''}'`,
      state,
    });
  }
  const registered = emulator.platform.redirectUris;
  if (registered.length > 0 && !registered.includes(redirectUri)) {
    // Never send the user to an unregistered address: the error goes to the registered one.
    return redirect(res, registered[0]!, {
      error: 'redirect_uri_mismatch',
      error_description: `Invalid redirect URI '${redirectUri}'. Ensure this uri exactly matches one of the uris specified in your application settings.`,
      state,
    });
  }
  if (get('decision') !== 'allow') {
    return redirect(res, redirectUri, { error: 'access_denied', error_description: 'The user denied your request', state });
  }
  const account = emulator.accounts.get(get('account') ?? '') ?? emulator.connectedAccounts()[0];
  if (!account) return redirect(res, redirectUri, { error: 'invalid_request', error_description: 'No account to connect.', state });
  const code = `ac_${emulator.ids.token(32)}`;
  const scope = get('scope') ?? 'read_write';
  emulator.oauthCodes.set(code, { accountId: account.id, scope, redirectUri, expiresAt: emulator.now() + CODE_TTL_SECONDS, used: false });
  redirect(res, redirectUri, { code, scope, state });
}

function tokenResponse(emulator: EmulatorContext, accountId: string, scope: string) {
  const account = emulator.accounts.get(accountId)!;
  account.connected = true;
  return {
    access_token: account.secretKey,
    livemode: account.livemode,
    refresh_token: account.refreshToken,
    scope,
    stripe_publishable_key: account.publishableKey,
    stripe_user_id: account.id,
    token_type: 'bearer',
  };
}

function platformSecret(req: IncomingMessage, form: Record<string, unknown>): string | undefined {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  return typeof form.client_secret === 'string' ? form.client_secret : undefined;
}

function send(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function handleOAuth(
  emulator: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: string,
): Promise<void> {
  if (url.pathname === '/oauth/authorize' && req.method === 'GET') return page(res, 200, consentPage(emulator, url.searchParams));
  if (url.pathname === '/oauth/authorize' && req.method === 'POST') return decide(emulator, res, parseForm(raw));
  if (req.method !== 'POST') throw new OAuthError(404, 'invalid_request', `Unrecognized request URL (${req.method}: ${url.pathname}).`);
  const form = parseForm(raw) as Record<string, unknown>;
  if (platformSecret(req, form) !== emulator.platform.secretKey)
    throw new OAuthError(401, 'invalid_client', 'No such API key or client secret.');

  if (url.pathname === '/oauth/token') {
    const grant = form.grant_type;
    if (grant === 'authorization_code') {
      if (typeof form.code !== 'string' || !form.code) throw new OAuthError(400, 'invalid_request', 'No authorization code provided');
      const code = emulator.oauthCodes.get(form.code);
      if (!code) throw new OAuthError(400, 'invalid_grant', `Authorization code does not exist: ${form.code}`);
      if (code.used) throw new OAuthError(400, 'invalid_grant', `Authorization code has already been used: ${form.code}`);
      if (code.expiresAt < emulator.now()) throw new OAuthError(400, 'invalid_grant', `Authorization code expired: ${form.code}`);
      code.used = true;
      return send(res, tokenResponse(emulator, code.accountId, code.scope));
    }
    if (grant === 'refresh_token') {
      const account = emulator.connectedAccounts().find((a) => a.refreshToken === form.refresh_token && a.connected);
      if (!account) throw new OAuthError(400, 'invalid_grant', `Invalid refresh token: ${String(form.refresh_token ?? '')}`);
      return send(res, tokenResponse(emulator, account.id, typeof form.scope === 'string' ? form.scope : 'read_only'));
    }
    throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${String(grant ?? '')}`);
  }

  if (url.pathname === '/oauth/deauthorize') {
    if (form.client_id !== emulator.platform.clientId)
      throw new OAuthError(401, 'invalid_client', `No such application: '${String(form.client_id ?? '')}'`);
    const account = emulator.accounts.get(String(form.stripe_user_id ?? ''));
    if (!account || !account.connected || account === emulator.platformAccount) {
      throw new OAuthError(
        400,
        'invalid_client',
        `This application is not connected to stripe account ${String(form.stripe_user_id ?? '')}, or that account does not exist.`,
      );
    }
    account.connected = false;
    deauthorized(emulator, account.id);
    return send(res, { stripe_user_id: account.id });
  }
  throw new OAuthError(404, 'invalid_request', `Unrecognized request URL (POST: ${url.pathname}).`);
}

/** Tells the platform an account disconnected it (the account itself may do this from its dashboard). */
export function deauthorized(emulator: EmulatorContext, accountId: string): void {
  const account = emulator.accounts.get(accountId)!;
  const application = { id: emulator.platform.clientId, object: 'application', name: emulator.platform.name };
  // Delivered to the platform even though the account is no longer connected.
  account.connected = true;
  emulator.emit(account, 'account.application.deauthorized', application as never);
  account.connected = false;
}
