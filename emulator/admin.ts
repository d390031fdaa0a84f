import { billPeriod } from './billing.js';
import type { EmulatorContext } from './context.js';
import { StripeApiError } from './errors.js';
import { addInterval } from './objects/periods.js';
import { deauthorized } from './oauth.js';
import { resolveDispute } from './resources/disputes.js';
import { cadence } from './resources/subscriptions.js';
import { loadScenario } from './scenario/load.js';
import { parseScenario, ScenarioError } from './scenario/schema.js';
import type { Account } from './state.js';
import { EMBEDDED_LIST_LIMIT } from './sublists.js';

const bad = (message: string) => new StripeApiError(400, 'invalid_request_error', message);
const notFound = (what: string) => new StripeApiError(404, 'invalid_request_error', `No such ${what}.`, 'resource_missing');

function json(raw: string): Record<string, any> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error();
    return v;
  } catch {
    throw bad('The body must be a JSON object.');
  }
}

function setNumber(target: Record<string, any>, key: string, value: unknown, min: number, max: number) {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max)
    throw bad(`${key} must be a number between ${min} and ${max}.`);
  target[key] = value;
}

function setBoolean(target: Record<string, any>, key: string, value: unknown) {
  if (value === undefined) return;
  if (typeof value !== 'boolean') throw bad(`${key} must be true or false.`);
  target[key] = value;
}

/**
 * How many more requests a client needs, beyond the lists themselves, to read every embedded list that the API
 * cuts to its first page (invoice lines, subscription items), in pages of `page`: benchmarks use it to know the
 * fewest requests a complete sync can make.
 */
function sublistPages(account: Account, invoicesSince: number, page: number) {
  if (!Number.isInteger(page) || page < 1 || page > 100) throw bad('page must be an integer from 1 to 100.');
  const extra = (n: number) => (n > EMBEDDED_LIST_LIMIT ? Math.ceil((n - EMBEDDED_LIST_LIMIT) / page) : 0);
  return {
    invoiceLinePages: account.store
      .all('invoice')
      .filter((i) => i.created >= invoicesSince)
      .reduce((sum, i) => sum + extra(i.lines.data.length), 0),
    subscriptionItemPages: account.store.all('subscription').reduce((sum, s) => sum + extra(s.items.data.length), 0),
  };
}

export function configView(emulator: EmulatorContext) {
  return {
    realism: emulator.realism,
    webhooks: emulator.webhookOptions,
    platform: { ...emulator.platform, secretKey: emulator.platform.secretKey },
  };
}

/** Switches, stats and test helpers under `/_emulator/` (not part of Stripe's API). */
export async function handleAdmin(emulator: EmulatorContext, method: string, url: URL, raw: string): Promise<unknown> {
  const parts = url.pathname.split('/').filter(Boolean).slice(1);
  const placeholders = ['accounts', 'subscriptions', 'disputes'];
  const route = `${method} /${parts.map((p, i) => (i > 0 && placeholders.includes(parts[i - 1]!) ? ':id' : p)).join('/')}`;
  switch (route) {
    case 'GET /health':
      return { ok: true };
    case 'GET /config':
      return configView(emulator);
    case 'POST /config': {
      const body = json(raw);
      const r = body.realism ?? {};
      setBoolean(emulator.realism, 'rateLimitEnabled', r.rateLimitEnabled);
      setNumber(emulator.realism, 'rateLimitLive', r.rateLimitLive, 1, 100000);
      setNumber(emulator.realism, 'rateLimitTest', r.rateLimitTest, 1, 100000);
      setNumber(emulator.realism, 'errorRate', r.errorRate, 0, 1);
      setNumber(emulator.realism, 'latencyMs', r.latencyMs, 0, 60000);
      const w = body.webhooks ?? {};
      setNumber(emulator.webhookOptions, 'retryBaseMs', w.retryBaseMs, 1, 3_600_000);
      setNumber(emulator.webhookOptions, 'maxAttempts', w.maxAttempts, 1, 100);
      setNumber(emulator.webhookOptions, 'outOfOrderMs', w.outOfOrderMs, 0, 600_000);
      setBoolean(emulator.webhookOptions, 'duplicates', w.duplicates);
      if (body.platform?.webhookUrl !== undefined) {
        if (body.platform.webhookUrl !== null && (typeof body.platform.webhookUrl !== 'string' || !URL.canParse(body.platform.webhookUrl)))
          throw bad('platform.webhookUrl must be a URL or null.');
        emulator.platform.webhookUrl = body.platform.webhookUrl;
      }
      if (body.platform?.redirectUris !== undefined) {
        if (
          !Array.isArray(body.platform.redirectUris) ||
          !body.platform.redirectUris.every((u: unknown) => typeof u === 'string' && URL.canParse(u))
        )
          throw bad('platform.redirectUris must be a list of URLs.');
        emulator.platform.redirectUris = body.platform.redirectUris;
      }
      return configView(emulator);
    }
    case 'GET /audit':
      // The requests the emulator refused under Stripe's rules (see audit.ts), newest last.
      return { refusals: emulator.audit.refusals, pulsescore: emulator.audit.ofPulseScore().length };
    case 'POST /audit/reset':
      emulator.audit.reset();
      return { refusals: [] };
    case 'GET /accounts/:id/sublists': {
      const account = emulator.accounts.get(parts[1]!);
      if (!account) throw notFound('account');
      return sublistPages(account, Number(url.searchParams.get('invoices_since') ?? 0), Number(url.searchParams.get('page') ?? 100));
    }
    case 'GET /stats':
      return { ...emulator.stats, webhooks: emulator.dispatcher.stats };
    case 'POST /stats/reset':
      Object.assign(emulator.stats, { requests: 0, byAccount: {}, byRoute: {}, rateLimited: 0, injectedErrors: 0 });
      return { ...emulator.stats, webhooks: emulator.dispatcher.stats };
    case 'GET /accounts':
      return {
        accounts: [...emulator.accounts.values()].map((a) => ({
          id: a.id,
          name: a.name,
          email: a.email,
          livemode: a.livemode,
          connected: a.connected,
          platform: a === emulator.platformAccount,
          counts: Object.fromEntries(a.store.types().map((t) => [t, a.store.count(t)])),
        })),
      };
    case 'POST /accounts': {
      const body = json(raw);
      if (typeof body.name !== 'string' || !body.name) throw bad('name is required.');
      const account = emulator.addAccount({
        name: body.name,
        email: typeof body.email === 'string' ? body.email : 'owner@example.com',
        livemode: body.livemode === true,
      });
      return { id: account.id, livemode: account.livemode };
    }
    case 'POST /accounts/:id/deauthorize': {
      const account = emulator.accounts.get(parts[1]!);
      if (!account || account === emulator.platformAccount) throw notFound('account');
      if (!account.connected) throw bad('This account is not connected to the platform.');
      account.connected = false;
      deauthorized(emulator, account.id);
      return { stripe_user_id: account.id };
    }
    case 'POST /accounts/:id/subscriptions/:id/renew':
      return renew(emulator, parts[1]!, parts[3]!, json(raw));
    case 'POST /accounts/:id/disputes/:id/resolve':
      return resolve(emulator, parts[1]!, parts[3]!, json(raw));
    case 'POST /scenario': {
      let scenario;
      try {
        scenario = parseScenario(json(raw), emulator.now());
      } catch (err) {
        // A malformed scenario is the caller's mistake: a 400 naming each problem, not a 500.
        if (err instanceof ScenarioError) throw bad(err.message);
        throw err;
      }
      const summary = loadScenario(emulator, scenario);
      return summary;
    }
    case 'GET /state':
      return emulator.snapshot();
    default:
      throw new StripeApiError(404, 'invalid_request_error', `Unrecognized emulator URL (${method}: ${url.pathname}).`);
  }
}

/** Runs the next billing cycle of a subscription now: a paid renewal, or a failed one that makes it past due. */
function renew(emulator: EmulatorContext, accountId: string, subId: string, body: Record<string, any>) {
  const account = emulator.accounts.get(accountId);
  if (!account) throw notFound('account');
  const sub = account.store.get(subId, 'subscription');
  if (!sub) throw notFound('subscription');
  if (sub.status === 'canceled') throw bad('The subscription is canceled.');
  const outcome = body.outcome ?? 'succeeded';
  if (outcome !== 'succeeded' && outcome !== 'failed') throw bad('outcome must be "succeeded" or "failed".');
  const now = emulator.now();
  const { interval, count } = cadence(sub);
  const period = { start: now, end: addInterval(now, interval, count) };
  const before = structuredClone(sub);
  sub.items.data = sub.items.data.map((it: Record<string, any>) => ({
    ...it,
    current_period_start: period.start,
    current_period_end: period.end,
  }));
  const { invoice, charge } = billPeriod(emulator, account, sub, {
    period,
    outcome,
    failureCode: typeof body.failure_code === 'string' ? body.failure_code : undefined,
    created: now,
    billingReason: 'subscription_cycle',
    emitEvents: true,
  });
  sub.latest_invoice = invoice.id;
  if (sub.status === 'trialing') sub.trial_end = now;
  sub.status = outcome === 'failed' ? 'past_due' : 'active';
  account.store.put(sub);
  const previous: Record<string, unknown> = { latest_invoice: before.latest_invoice, items: before.items };
  if (before.status !== sub.status) previous.status = before.status;
  emulator.emit(account, 'customer.subscription.updated', sub, previous);
  return { subscription: sub.id, status: sub.status, invoice: invoice.id, charge: charge?.id ?? null };
}

/**
 * Decides an open dispute, as the cardholder's bank would: `{ "status": "won" }` or `{ "status": "lost" }`
 * (an inquiry won closes as `warning_closed`; one lost has become a chargeback and is lost). Sends
 * `charge.dispute.closed` and the funds event, and answers the dispute.
 */
function resolve(emulator: EmulatorContext, accountId: string, disputeId: string, body: Record<string, any>) {
  const account = emulator.accounts.get(accountId);
  if (!account) throw notFound('account');
  const dispute = account.store.get(disputeId, 'dispute');
  if (!dispute) throw notFound('dispute');
  if (body.status !== 'won' && body.status !== 'lost') throw bad('status must be "won" or "lost".');
  return resolveDispute(emulator, account, dispute, body.status);
}
