import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import { AppError, badRequest } from '../app/errors.js';
import type { AppLogger } from '../app/logger.js';
import type { SecretBox } from '../app/secrets.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { createConnectionsRepo } from './connections.repo.js';
import { type StripePlatform, withStripeRetry } from './stripe.client.js';
import { createStripeDataRepo, type SourceVersion, type StripeDataRepo } from './stripe-data.repo.js';
import { mapCharge, mapCustomer, mapInvoice, mapSubscription } from './stripe.mapping.js';
import { processEventJob } from './webhooks.jobs.js';

const SIGNATURE_TOLERANCE_SECONDS = 300;

const SUBSCRIPTION_EXPAND = [
  'items.data.price.product',
  'items.data.price.tiers',
  'discounts.source.coupon',
  'items.data.discounts.source.coupon',
];

export interface WebhookDeps {
  db: Kysely<Database>;
  platform: StripePlatform | null;
  secrets: SecretBox;
  logger: AppLogger;
  /** Called when Stripe reports that an account revoked access. */
  onDeauthorized: (orgId: string) => Promise<void>;
}

type Outcome = 'processed' | 'skipped';

export function createWebhookService(deps: WebhookDeps) {
  const { db, logger } = deps;
  const verifier = deps.platform?.client.webhooks ?? Stripe.webhooks;
  const connections = createConnectionsRepo(db);

  function verify(raw: Buffer, signature: string | undefined, secret: string): Stripe.Event {
    if (!signature) throw badRequest('missing_signature', 'The Stripe-Signature header is missing.');
    try {
      return verifier.constructEvent(raw, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
    } catch {
      throw badRequest('invalid_signature', 'The webhook signature is invalid or too old.');
    }
  }

  /**
   * Verifies the signature on the raw body, stores the event once per organization it belongs to, and queues
   * its processing. Platform (Connect) events are attributed by `event.account`; an account-level endpoint's
   * path carries its connection's token.
   */
  async function intake(raw: Buffer, signature: string | undefined, endpointToken?: string) {
    let event: Stripe.Event;
    let orgIds: string[];
    if (endpointToken) {
      const connection = await connections.findByWebhookToken(endpointToken);
      if (!connection) throw new AppError(404, 'not_found', 'Unknown webhook endpoint.');
      if (!connection.webhook_secret_enc)
        throw badRequest(
          'webhook_secret_not_set',
          'Set this endpoint’s signing secret in Settings → Integrations → Stripe → Webhook secret.',
        );
      event = verify(raw, signature, deps.secrets.open(connection.webhook_secret_enc));
      orgIds = connection.status === 'connected' ? [connection.org_id] : [];
    } else {
      const secret = deps.platform?.config.webhookSecret;
      if (!secret) throw badRequest('webhooks_not_configured', 'STRIPE_WEBHOOK_SECRET is not configured on this server.');
      event = verify(raw, signature, secret);
      orgIds = event.account ? (await connections.findConnectedByAccount(event.account)).map((c) => c.org_id) : [];
    }
    if (orgIds.length === 0) return { received: true, stored: 0, ignored: 'no connected organization for this account' };
    let stored = 0;
    await db.transaction().execute(async (trx) => {
      for (const orgId of orgIds) {
        const row = await trx
          .insertInto('stripe_events')
          .values({
            org_id: orgId,
            stripe_event_id: event.id,
            type: event.type,
            stripe_created: event.created,
            payload: JSON.stringify(event),
          })
          .onConflict((oc) => oc.columns(['org_id', 'stripe_event_id']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!row) continue;
        stored++;
        await enqueue(trx, processEventJob, { eventRowId: row.id });
      }
    });
    return { received: true, stored, ignored: null };
  }

  /** Is this event older than what is stored? Equal times from different sources are ambiguous: re-fetch. */
  async function freshness(
    repo: StripeDataRepo,
    orgId: string,
    table: 'customers' | 'payments' | 'invoices',
    id: string,
    event: Stripe.Event,
  ) {
    const stored = await repo.version(orgId, table, id);
    if (!stored || stored.ts < event.created) return 'apply' as const;
    if (stored.eventId === event.id) return 'duplicate' as const;
    return stored.ts > event.created ? ('stale' as const) : ('refetch' as const);
  }

  async function accountOf(orgId: string): Promise<string> {
    const c = await connections.find(orgId);
    return c!.stripe_account_id;
  }

  async function applyCustomer(orgId: string, event: Stripe.Event, version: SourceVersion): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const object = event.data.object as Stripe.Customer;
    if (event.type === 'customer.deleted') {
      await repo.markCustomerDeleted(orgId, object.id, version);
      return 'processed';
    }
    const fresh = await freshness(repo, orgId, 'customers', object.id, event);
    if (fresh === 'duplicate' || fresh === 'stale') return 'skipped';
    const current =
      fresh === 'refetch' && deps.platform
        ? await withStripeRetry(async () =>
            deps.platform!.client.customers.retrieve(object.id, {}, { stripeAccount: await accountOf(orgId) }),
          )
        : object;
    const row = mapCustomer(current);
    if ('deleted' in row) await repo.markCustomerDeleted(orgId, row.external_id, version);
    else await repo.upsertCustomers(orgId, [row], version);
    return 'processed';
  }

  async function applySubscription(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const object = event.data.object as Stripe.Subscription;
    // Subscription events lack the prices' products and tiers that MRR needs, and may be stale: read it afresh.
    if (!deps.platform) return 'skipped';
    const stripeAccount = await accountOf(orgId);
    const fetchedAt = Math.floor(Date.now() / 1000);
    const current = await withStripeRetry(() =>
      deps.platform!.client.subscriptions.retrieve(object.id, { expand: SUBSCRIPTION_EXPAND }, { stripeAccount }),
    );
    const repo = createStripeDataRepo(db);
    await repo.upsertSubscriptions(orgId, [mapSubscription(current)], { ts: Math.max(fetchedAt, event.created), eventId: event.id });
    await repo.markDirty(orgId, [mapSubscription(current).stripe_customer_id]);
    return 'processed';
  }

  async function applyCharge(orgId: string, event: Stripe.Event, version: SourceVersion): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const charge = event.data.object as Stripe.Charge;
    const row = mapCharge(charge);
    if (!row) return 'skipped';
    if (event.type === 'charge.failed') {
      // One payment.failed per failed charge, however often the event arrives.
      await repo.logEvent({
        orgId,
        type: 'payment.failed',
        customer: row.stripe_customer_id,
        payload: {
          chargeId: charge.id,
          amountCents: charge.amount,
          currency: charge.currency,
          failureCode: charge.failure_code,
          failureMessage: charge.failure_message,
        },
        occurredAt: new Date(charge.created * 1000),
        dedupKey: `payment.failed:${charge.id}`,
      });
    }
    const fresh = await freshness(repo, orgId, 'payments', charge.id, event);
    if (fresh === 'duplicate' || fresh === 'stale') return 'skipped';
    const current =
      fresh === 'refetch' && deps.platform
        ? mapCharge(
            await withStripeRetry(async () =>
              deps.platform!.client.charges.retrieve(charge.id, {}, { stripeAccount: await accountOf(orgId) }),
            ),
          )
        : row;
    if (current) await repo.upsertPayments(orgId, [current], version);
    await repo.markDirty(orgId, [row.stripe_customer_id]);
    return 'processed';
  }

  async function applyInvoice(orgId: string, event: Stripe.Event, version: SourceVersion): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const invoice = event.data.object as Stripe.Invoice;
    const row = mapInvoice(invoice);
    if (!row) return 'skipped';
    if (event.type === 'invoice.payment_succeeded' || event.type === 'invoice.paid') {
      await repo.touchLastSeen(orgId, row.stripe_customer_id, row.paid_at ?? new Date(event.created * 1000));
    }
    const fresh = await freshness(repo, orgId, 'invoices', row.stripe_invoice_id, event);
    if (fresh === 'duplicate' || fresh === 'stale') return 'skipped';
    const current =
      fresh === 'refetch' && deps.platform
        ? mapInvoice(
            await withStripeRetry(async () =>
              deps.platform!.client.invoices.retrieve(row.stripe_invoice_id, {}, { stripeAccount: await accountOf(orgId) }),
            ),
          )
        : row;
    if (current) await repo.upsertInvoices(orgId, [current], version);
    await repo.markDirty(orgId, [row.stripe_customer_id]);
    return 'processed';
  }

  async function apply(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const version = { ts: event.created, eventId: event.id };
    if (event.type === 'account.application.deauthorized') {
      await deps.onDeauthorized(orgId);
      return 'processed';
    }
    if (event.type.startsWith('customer.subscription.')) return applySubscription(orgId, event);
    if (event.type === 'customer.created' || event.type === 'customer.updated' || event.type === 'customer.deleted')
      return applyCustomer(orgId, event, version);
    if (event.type.startsWith('charge.')) return applyCharge(orgId, event, version);
    if (event.type.startsWith('invoice.')) return applyInvoice(orgId, event, version);
    return 'skipped';
  }

  /** The processing job: idempotent, and safe in any order. */
  async function process(eventRowId: string, meta: { attempt: number; maxAttempts: number }): Promise<void> {
    const row = await db.selectFrom('stripe_events').selectAll().where('id', '=', eventRowId).executeTakeFirst();
    if (!row || row.status === 'processed' || row.status === 'skipped') return;
    const event = row.payload as unknown as Stripe.Event;
    const connection = await connections.find(row.org_id);
    const finish = (status: 'processed' | 'skipped' | 'failed', error: string | null = null) =>
      db
        .updateTable('stripe_events')
        .set((eb) => ({ status, error, processed_at: new Date(), attempts: eb('attempts', '+', 1) }))
        .where('id', '=', eventRowId)
        .execute();
    // After a disconnect, nothing but the deauthorization itself is applied any more.
    if (connection?.status !== 'connected' && event.type !== 'account.application.deauthorized') {
      await finish('skipped', 'Stripe is disconnected');
      return;
    }
    try {
      await finish(await apply(row.org_id, event));
    } catch (err) {
      logger.warn(
        { eventId: event.id, type: event.type, err: (err as Error).message, attempt: meta.attempt },
        'Stripe event processing failed',
      );
      if (meta.attempt >= meta.maxAttempts) {
        await finish('failed', (err as Error).message);
        return;
      }
      throw err;
    }
  }

  return { intake, process };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
