import type Stripe from 'stripe';

/** Checks what `get` answers as an instance of the SDK type `type`; `list` for list responses. */
export type Sample = (label: string, type: string, get: () => Promise<unknown>, list?: boolean) => Promise<void>;
/** A GET past the SDK, answering the parsed body exactly as it was on the wire. */
export type RawGet = (path: string) => Promise<unknown>;

/**
 * Every way the conformance test gets objects out of the emulator, through the SDK: changes first (their
 * answers are samples too), then retrieves, lists and expansions of the generated business, then the events
 * all of that caused. Refunds, charge capture and disputes are being added to the emulator in parallel; until
 * they exist, their samples report failed requests.
 */
export async function serveSamples(s: Stripe, account: string, sample: Sample, raw: RawGet): Promise<void> {
  const o = { stripeAccount: account };
  /** A card error still creates the (failed) charge; its id is in the error. */
  const declined = async (params: Stripe.ChargeCreateParams) => {
    try {
      await s.charges.create(params, o);
    } catch (err) {
      return (err as { raw?: { charge?: string } }).raw?.charge;
    }
    return undefined;
  };

  // Changes made through the SDK, each answer checked; their events are checked at the end.
  const customer = await s.customers.create({ name: 'Conformance', email: 'c@example.com', metadata: { k: 'v' } }, o);
  await sample('customers.create', 'Customer', async () => customer);
  await sample('customers.update', 'Customer', () => s.customers.update(customer.id, { name: 'Renamed', metadata: { k: 'w' } }, o));
  const doomed = await s.customers.create({ name: 'Doomed' }, o);
  await sample('customers.del', 'DeletedCustomer', () => s.customers.del(doomed.id, {}, o));
  await sample('customers.retrieve(deleted)', 'DeletedCustomer', () => s.customers.retrieve(doomed.id, {}, o));

  const product = await s.products.create({ name: 'Conformance product' }, o);
  await sample('products.create', 'Product', async () => product);
  await sample('products.update', 'Product', () => s.products.update(product.id, { description: 'Described' }, o));
  const price = await s.prices.create({ product: product.id, currency: 'usd', unit_amount: 1200, recurring: { interval: 'month' } }, o);
  await sample('prices.create', 'Price', async () => price);
  await sample('prices.update', 'Price', () => s.prices.update(price.id, { nickname: 'Monthly' }, o));
  const coupon = await s.coupons.create({ percent_off: 10, duration: 'repeating', duration_in_months: 2 }, o);
  await sample('coupons.create', 'Coupon', async () => coupon);
  await sample('coupons.update', 'Coupon', () => s.coupons.update(coupon.id, { name: 'Ten off' }, o));

  let subscriptionId: string | undefined;
  await sample('subscriptions.create', 'Subscription', async () => {
    const sub = await s.subscriptions.create(
      { customer: customer.id, items: [{ price: price.id, quantity: 2 }], discounts: [{ coupon: coupon.id }] },
      o,
    );
    subscriptionId = sub.id;
    return sub;
  });
  if (subscriptionId) {
    const id = subscriptionId;
    await sample('subscriptions.update', 'Subscription', () => s.subscriptions.update(id, { metadata: { k: 'v' } }, o));
  }

  const charge = await s.charges.create({ amount: 5000, currency: 'usd', customer: customer.id }, o);
  await sample('charges.create', 'Charge', async () => charge);
  await sample('charges.update', 'Charge', () => s.charges.update(charge.id, { description: 'Updated' }, o));
  const failedId = await declined({ amount: 5000, currency: 'usd', source: 'tok_chargeDeclinedInsufficientFunds' });
  await sample('charges.retrieve(failed)', 'Charge', async () => failedId && s.charges.retrieve(failedId, {}, o));
  await sample('charges.capture', 'Charge', async () => {
    const pending = await s.charges.create({ amount: 2500, currency: 'usd', customer: customer.id, capture: false }, o);
    await sample('charges.create(capture=false)', 'Charge', async () => pending);
    return s.charges.capture(pending.id, {}, o);
  });

  // Refunds and disputes (being added to the emulator in parallel: until then these samples fail).
  await sample('refunds.create', 'Refund', () => s.refunds.create({ charge: charge.id, amount: 1000 }, o));
  await sample('refunds.list', 'Refund', () => s.refunds.list({ limit: 100 }, o), true);
  await sample('refunds.retrieve', 'Refund', async () => {
    const first = (await s.refunds.list({ limit: 1 }, o)).data[0];
    return first && s.refunds.retrieve(first.id, {}, o);
  });
  await sample('charges.retrieve(expand refunds)', 'Charge', () => s.charges.retrieve(charge.id, { expand: ['refunds'] }, o));
  let disputedChargeId: string | undefined;
  await sample('charges.create(tok_createDispute)', 'Charge', async () => {
    const disputed = await s.charges.create({ amount: 3000, currency: 'usd', source: 'tok_createDispute' }, o);
    disputedChargeId = disputed.id;
    return disputed;
  });
  if (disputedChargeId) {
    const id = disputedChargeId;
    await sample('charges.retrieve(disputed)', 'Charge', () => s.charges.retrieve(id, {}, o));
  }
  await sample('disputes.list', 'Dispute', () => s.disputes.list({ limit: 100 }, o), true);
  const disputeId = async () => (await s.disputes.list({ limit: 1 }, o)).data[0]?.id;
  await sample('disputes.retrieve', 'Dispute', async () => {
    const id = await disputeId();
    return id && s.disputes.retrieve(id, {}, o);
  });
  await sample('disputes.update', 'Dispute', async () => {
    const id = await disputeId();
    return id && s.disputes.update(id, { evidence: { customer_name: 'Conformance' }, metadata: { k: 'v' } }, o);
  });
  await sample('disputes.close', 'Dispute', async () => {
    const id = await disputeId();
    return id && s.disputes.close(id, {}, o);
  });

  await sample('invoices.create', 'Invoice', async () => {
    const draft = await s.invoices.create({ customer: customer.id, description: 'Conformance' }, o);
    await sample('invoices.update', 'Invoice', () => s.invoices.update(draft.id, { metadata: { k: 'v' } }, o));
    await sample('invoices.finalizeInvoice', 'Invoice', () => s.invoices.finalizeInvoice(draft.id, {}, o));
    return draft;
  });

  const endpoint = await s.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] }, o);
  await sample('webhookEndpoints.create', 'WebhookEndpoint', async () => endpoint);
  await sample('webhookEndpoints.retrieve', 'WebhookEndpoint', () => s.webhookEndpoints.retrieve(endpoint.id, {}, o));
  await sample('webhookEndpoints.update', 'WebhookEndpoint', () => s.webhookEndpoints.update(endpoint.id, { description: 'D' }, o));
  await sample('webhookEndpoints.list', 'WebhookEndpoint', () => s.webhookEndpoints.list({}, o), true);

  // The generated business, as retrieved, listed and expanded.
  await sample('customers.list', 'Customer', () => s.customers.list({ limit: 100 }, o), true);
  await sample('customers.retrieve', 'Customer', () => s.customers.retrieve(customer.id, {}, o));
  await sample('products.list', 'Product', () => s.products.list({ limit: 100 }, o), true);
  await sample('products.retrieve', 'Product', () => s.products.retrieve(product.id, {}, o));
  await sample('prices.list', 'Price', () => s.prices.list({ limit: 100 }, o), true);
  await sample('prices.list(expand tiers)', 'Price', () => s.prices.list({ limit: 100, expand: ['data.tiers'] }, o), true);
  // The SDK turns decimal strings into `Stripe.Decimal`s (which JSON-encode as strings again); this one is as served.
  await sample('raw GET /v1/prices(expand tiers)', 'Price', () => raw('/v1/prices?limit=100&expand[]=data.tiers'), true);
  await sample('prices.retrieve(tiered, expand tiers)', 'Price', async () => {
    const tiered = (await s.prices.list({ limit: 100 }, o)).data.find((p) => p.billing_scheme === 'tiered');
    return tiered && s.prices.retrieve(tiered.id, { expand: ['tiers'] }, o);
  });
  await sample('coupons.list', 'Coupon', () => s.coupons.list({ limit: 100 }, o), true);
  await sample('coupons.retrieve', 'Coupon', () => s.coupons.retrieve(coupon.id, {}, o));
  await sample('subscriptions.list(all)', 'Subscription', () => s.subscriptions.list({ status: 'all', limit: 100 }, o), true);
  const expand = ['data.customer', 'data.discounts', 'data.items.data.discounts', 'data.latest_invoice'];
  const expanded = await s.subscriptions.list({ status: 'all', limit: 100, expand }, o);
  await sample('subscriptions.list(expanded)', 'Subscription', async () => expanded, true);
  const withDiscount = expanded.data.find((sub) => sub.discounts.length > 0) ?? expanded.data[0];
  await sample('subscriptions.retrieve(expanded)', 'Subscription', async () => {
    const paths = ['items.data.price.product', 'items.data.price.tiers', 'discounts.source.coupon'];
    return withDiscount && s.subscriptions.retrieve(withDiscount.id, { expand: paths }, o);
  });
  const items = async () => withDiscount && s.subscriptionItems.list({ subscription: withDiscount.id }, o);
  await sample('subscriptionItems.list', 'SubscriptionItem', items, true);
  await sample('subscriptionItems.retrieve', 'SubscriptionItem', async () => {
    const item = withDiscount?.items.data[0];
    return item && s.subscriptionItems.retrieve(item.id, {}, o);
  });
  await sample('charges.list', 'Charge', () => s.charges.list({ limit: 100 }, o), true);
  await sample('charges.list(expand customer)', 'Charge', () => s.charges.list({ limit: 100, expand: ['data.customer'] }, o), true);
  await sample('charges.retrieve', 'Charge', () => s.charges.retrieve(charge.id, {}, o));
  const invoices = await s.invoices.list({ limit: 100 }, o);
  await sample('invoices.list', 'Invoice', async () => invoices, true);
  const invoice = invoices.data.find((i) => i.lines.data.length > 0);
  await sample('invoices.retrieve', 'Invoice', async () => invoice && s.invoices.retrieve(invoice.id, {}, o));
  await sample('invoices.listLineItems', 'InvoiceLineItem', async () => invoice && s.invoices.listLineItems(invoice.id, {}, o), true);

  // Last, the events all of the above caused.
  const events = await s.events.list({ limit: 100 }, o);
  await sample('events.list', 'Event', async () => events, true);
  await sample('events.retrieve', 'Event', async () => events.data[0] && s.events.retrieve(events.data[0].id, {}, o));
}
