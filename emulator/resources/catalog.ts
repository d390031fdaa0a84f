import { invalidParam, StripeApiError } from '../errors.js';
import { buildCoupon, buildPrice, buildProduct, type Tier } from '../objects/catalog.js';
import { allowOnly, applyMetadata, bool, int, nullableStr, num, objectOf, oneOf, requireStr, str, arrayOf } from '../params.js';
import type { Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { clone, find, respond, respondList, retrieve, update } from './helpers.js';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

export function registerCatalog(router: Router) {
  router.on('POST', '/v1/products', (ctx) => {
    allowOnly(ctx.params, ['id', 'name', 'description', 'active', 'metadata']);
    const id = str(ctx.params, 'id');
    if (id && ctx.account.store.get(id))
      throw new StripeApiError(400, 'invalid_request_error', `Product already exists.`, 'resource_already_exists', 'id');
    const product = buildProduct(ctx.emulator.context(ctx.account), {
      id,
      name: requireStr(ctx.params, 'name'),
      description: nullableStr(ctx.params, 'description'),
      active: bool(ctx.params, 'active'),
      metadata: applyMetadata({}, ctx.params.metadata),
    }) as StripeObject;
    ctx.account.store.put(product);
    ctx.emulator.emit(ctx.account, 'product.created', product);
    return respond(ctx, product);
  });
  router.on('GET', '/v1/products', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'active']);
    const active = bool(ctx.params, 'active');
    const items = ctx.account.store.all('product').filter((p) => active === undefined || p.active === active);
    return respondList(ctx, items, '/v1/products', 'product');
  });
  router.on('GET', '/v1/products/:id', (ctx) => retrieve(ctx, 'product'));
  router.on('POST', '/v1/products/:id', (ctx) => {
    allowOnly(ctx.params, ['name', 'description', 'active', 'metadata', 'default_price']);
    const before = find(ctx, 'product', ctx.path.id!);
    const after = clone(before);
    const name = str(ctx.params, 'name');
    if (name !== undefined) after.name = name;
    const description = nullableStr(ctx.params, 'description');
    if (description !== undefined) after.description = description;
    const active = bool(ctx.params, 'active');
    if (active !== undefined) after.active = active;
    const defaultPrice = str(ctx.params, 'default_price');
    if (defaultPrice !== undefined) after.default_price = find(ctx, 'price', defaultPrice).id;
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    after.updated = ctx.emulator.now();
    return respond(ctx, update(ctx, before, after, 'product.updated'));
  });
  router.on('DELETE', '/v1/products/:id', (ctx) => {
    const product = find(ctx, 'product', ctx.path.id!);
    if (ctx.account.store.all('price').some((p) => p.product === product.id)) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'This product cannot be deleted because it has one or more user-created prices.',
      );
    }
    ctx.account.store.remove(product.id);
    ctx.emulator.emit(ctx.account, 'product.deleted', product);
    return { id: product.id, object: 'product', deleted: true };
  });

  router.on('POST', '/v1/prices', (ctx) => {
    allowOnly(ctx.params, [
      'currency',
      'product',
      'product_data',
      'unit_amount',
      'unit_amount_decimal',
      'recurring',
      'billing_scheme',
      'tiers',
      'tiers_mode',
      'transform_quantity',
      'nickname',
      'lookup_key',
      'active',
      'metadata',
    ]);
    const currency = requireStr(ctx.params, 'currency');
    let productId = str(ctx.params, 'product');
    const productData = objectOf(ctx.params.product_data, 'product_data');
    if (!productId && productData.name) {
      const product = buildProduct(ctx.emulator.context(ctx.account), { name: String(productData.name) }) as StripeObject;
      ctx.account.store.put(product);
      ctx.emulator.emit(ctx.account, 'product.created', product);
      productId = product.id;
    }
    if (!productId) throw invalidParam('product', 'Missing required param: product.');
    find(ctx, 'product', productId);
    const recurringRaw = ctx.params.recurring === undefined ? undefined : objectOf(ctx.params.recurring, 'recurring');
    const recurring = recurringRaw
      ? {
          interval:
            oneOf(recurringRaw, 'interval', INTERVALS) ??
            (() => {
              throw invalidParam('recurring[interval]', 'Missing required param: recurring[interval].');
            })(),
          interval_count: int(recurringRaw, 'interval_count', 'recurring[interval_count]'),
          usage_type: oneOf(recurringRaw, 'usage_type', ['licensed', 'metered'] as const),
        }
      : null;
    const scheme = oneOf(ctx.params, 'billing_scheme', ['per_unit', 'tiered'] as const) ?? 'per_unit';
    const tiers = (arrayOf(ctx.params, 'tiers') ?? []).map((raw, i): Tier => {
      const t = objectOf(raw, `tiers[${i}]`);
      const upTo = t.up_to === 'inf' ? null : int(t, 'up_to', `tiers[${i}][up_to]`);
      if (upTo === undefined) throw invalidParam(`tiers[${i}][up_to]`, 'Missing required param: up_to.');
      return {
        up_to: upTo,
        unit_amount: int(t, 'unit_amount', `tiers[${i}][unit_amount]`) ?? null,
        flat_amount: int(t, 'flat_amount', `tiers[${i}][flat_amount]`) ?? null,
      };
    });
    if (scheme === 'tiered' && tiers.length === 0) throw invalidParam('tiers', 'Tiered prices need tiers.');
    const unitAmount = int(ctx.params, 'unit_amount');
    const decimal = num(ctx.params, 'unit_amount_decimal');
    if (scheme === 'per_unit' && unitAmount === undefined && decimal === undefined)
      throw invalidParam('unit_amount', 'Missing required param: unit_amount.');
    if (unitAmount !== undefined && unitAmount < 0) throw invalidParam('unit_amount', 'This value must be greater than or equal to 0.');
    const tq = ctx.params.transform_quantity === undefined ? null : objectOf(ctx.params.transform_quantity, 'transform_quantity');
    const price = buildPrice(ctx.emulator.context(ctx.account), {
      product: productId,
      currency,
      unit_amount: unitAmount ?? null,
      unit_amount_decimal: decimal === undefined ? null : String(decimal),
      billing_scheme: scheme,
      tiers,
      tiers_mode: oneOf(ctx.params, 'tiers_mode', ['graduated', 'volume'] as const) ?? null,
      recurring: recurring && {
        interval: recurring.interval,
        interval_count: recurring.interval_count ?? 1,
        usage_type: recurring.usage_type ?? 'licensed',
      },
      transform_quantity: tq
        ? {
            divide_by: int(tq, 'divide_by', 'transform_quantity[divide_by]') ?? 1,
            round: (tq.round === 'up' ? 'up' : 'down') as 'up' | 'down',
          }
        : null,
      nickname: nullableStr(ctx.params, 'nickname'),
      lookup_key: nullableStr(ctx.params, 'lookup_key'),
      active: bool(ctx.params, 'active'),
      metadata: applyMetadata({}, ctx.params.metadata),
    }) as StripeObject;
    // The stored price: its tiers are kept aside and served only when expanded.
    const stored = ctx.account.store.put(price);
    ctx.emulator.emit(ctx.account, 'price.created', stored);
    return respond(ctx, stored);
  });
  router.on('GET', '/v1/prices', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'active', 'product', 'type', 'currency']);
    const active = bool(ctx.params, 'active');
    const product = str(ctx.params, 'product');
    const type = oneOf(ctx.params, 'type', ['recurring', 'one_time'] as const);
    const currency = str(ctx.params, 'currency');
    const items = ctx.account.store
      .all('price')
      .filter(
        (p) =>
          (active === undefined || p.active === active) &&
          (!product || p.product === product) &&
          (!type || p.type === type) &&
          (!currency || p.currency === currency),
      );
    return respondList(ctx, items, '/v1/prices', 'price');
  });
  router.on('GET', '/v1/prices/:id', (ctx) => retrieve(ctx, 'price'));
  router.on('POST', '/v1/prices/:id', (ctx) => {
    allowOnly(ctx.params, ['active', 'nickname', 'lookup_key', 'metadata']);
    const before = find(ctx, 'price', ctx.path.id!);
    const after = clone(before);
    const active = bool(ctx.params, 'active');
    if (active !== undefined) after.active = active;
    for (const k of ['nickname', 'lookup_key']) {
      const v = nullableStr(ctx.params, k);
      if (v !== undefined) after[k] = v;
    }
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    return respond(ctx, update(ctx, before, after, 'price.updated'));
  });

  router.on('POST', '/v1/coupons', (ctx) => {
    allowOnly(ctx.params, [
      'id',
      'name',
      'percent_off',
      'amount_off',
      'currency',
      'duration',
      'duration_in_months',
      'max_redemptions',
      'redeem_by',
      'metadata',
    ]);
    const percent = num(ctx.params, 'percent_off');
    const amount = int(ctx.params, 'amount_off');
    if ((percent === undefined) === (amount === undefined))
      throw invalidParam('percent_off', 'You must pass exactly one of percent_off or amount_off.');
    if (percent !== undefined && (percent <= 0 || percent > 100))
      throw invalidParam('percent_off', 'percent_off must be between 0 and 100.');
    if (amount !== undefined && !str(ctx.params, 'currency'))
      throw invalidParam('currency', 'You must pass currency when passing amount_off.');
    const duration = oneOf(ctx.params, 'duration', ['once', 'repeating', 'forever'] as const) ?? 'once';
    const id = str(ctx.params, 'id');
    if (id && ctx.account.store.get(id))
      throw new StripeApiError(400, 'invalid_request_error', 'Coupon already exists.', 'resource_already_exists', 'id');
    const coupon = buildCoupon(ctx.emulator.context(ctx.account), {
      id,
      name: nullableStr(ctx.params, 'name'),
      percent_off: percent ?? null,
      amount_off: amount ?? null,
      currency: str(ctx.params, 'currency')?.toLowerCase() ?? null,
      duration,
      duration_in_months: int(ctx.params, 'duration_in_months') ?? null,
      max_redemptions: int(ctx.params, 'max_redemptions') ?? null,
      redeem_by: int(ctx.params, 'redeem_by') ?? null,
      metadata: applyMetadata({}, ctx.params.metadata),
    }) as StripeObject;
    ctx.account.store.put(coupon);
    ctx.emulator.emit(ctx.account, 'coupon.created', coupon);
    return respond(ctx, coupon);
  });
  router.on('GET', '/v1/coupons', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created']);
    return respondList(ctx, ctx.account.store.all('coupon'), '/v1/coupons', 'coupon');
  });
  router.on('GET', '/v1/coupons/:id', (ctx) => retrieve(ctx, 'coupon'));
  router.on('POST', '/v1/coupons/:id', (ctx) => {
    allowOnly(ctx.params, ['name', 'metadata']);
    const before = find(ctx, 'coupon', ctx.path.id!);
    const after = clone(before);
    const name = nullableStr(ctx.params, 'name');
    if (name !== undefined) after.name = name;
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    return respond(ctx, update(ctx, before, after, 'coupon.updated'));
  });
  router.on('DELETE', '/v1/coupons/:id', (ctx) => {
    const coupon = find(ctx, 'coupon', ctx.path.id!);
    // Existing discounts keep working after their coupon is deleted, so the object stays for them.
    ctx.account.store.tombstone({ ...coupon, valid: false });
    ctx.emulator.emit(ctx.account, 'coupon.deleted', coupon);
    return { id: coupon.id, object: 'coupon', deleted: true };
  });
}
