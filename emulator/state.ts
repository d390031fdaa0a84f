import { Random, randomToken } from './random.js';

export type StripeObject = Record<string, any> & { id: string; object: string };

/** All objects of one Stripe account, listable newest first as Stripe lists them. */
export class Store {
  private readonly byId = new Map<string, StripeObject>();
  /** Emulator-only data kept beside objects (price tiers, endpoint secrets, tombstones): objects stay exactly Stripe's. */
  private readonly extra = new Map<string, Record<string, unknown>>();
  private readonly seq = new Map<string, number>();
  private readonly byType = new Map<string, { ids: Set<string>; sorted: StripeObject[] | null }>();
  private counter = 0;

  get(id: string, type?: string): StripeObject | undefined {
    const obj = this.byId.get(id);
    return obj && (!type || obj.object === type) ? obj : undefined;
  }

  /**
   * Stores an object; keys starting with `_` are kept aside as emulator-only data (see `hidden`). Returns the
   * object as stored, without them, so that nothing emulator-only is ever served.
   */
  put(obj: StripeObject): StripeObject {
    if (!this.seq.has(obj.id)) this.seq.set(obj.id, this.counter++);
    let visible = obj;
    if (Object.keys(obj).some((k) => k.startsWith('_'))) {
      visible = {} as StripeObject;
      const hidden: Record<string, unknown> = { ...this.extra.get(obj.id) };
      for (const [k, v] of Object.entries(obj)) {
        if (!k.startsWith('_')) (visible as Record<string, unknown>)[k] = v;
        else if (v !== undefined) hidden[k] = v;
      }
      this.extra.set(obj.id, hidden);
    }
    this.byId.set(obj.id, visible);
    const bucket = this.bucket(obj.object);
    bucket.ids.add(obj.id);
    bucket.sorted = null;
    return visible;
  }

  hidden(id: string): Record<string, any> {
    return this.extra.get(id) ?? {};
  }

  /** Keeps a deleted object retrievable by id (Stripe answers `deleted: true`) but out of every list. */
  tombstone(obj: StripeObject): void {
    this.put({ ...obj, _deleted: true });
    const bucket = this.bucket(obj.object);
    bucket.ids.delete(obj.id);
    bucket.sorted = null;
  }

  remove(id: string): void {
    const obj = this.byId.get(id);
    if (!obj) return;
    this.byId.delete(id);
    const bucket = this.bucket(obj.object);
    bucket.ids.delete(id);
    bucket.sorted = null;
  }

  /** Newest first; objects created in the same second keep their insertion order, newest first. */
  all(type: string): StripeObject[] {
    const bucket = this.bucket(type);
    if (!bucket.sorted) {
      bucket.sorted = [...bucket.ids]
        .map((id) => this.byId.get(id)!)
        .sort((a, b) => (b.created ?? 0) - (a.created ?? 0) || this.seq.get(b.id)! - this.seq.get(a.id)!);
    }
    return bucket.sorted;
  }

  /** Insertion order, the tie-breaker of the newest-first order. */
  seqOf(id: string): number | undefined {
    return this.seq.get(id);
  }

  /**
   * Position of `id` in a newest-first list (from `all()` or any filtered copy of it), found by binary search
   * on (created, insertion order): O(log n) where a scan would be O(n).
   */
  positionIn(list: StripeObject[], id: string): number {
    const target = this.byId.get(id);
    const targetSeq = this.seq.get(id);
    if (!target || targetSeq === undefined) return -1;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = list[mid]!;
      const before =
        (o.created ?? 0) > (target.created ?? 0) || ((o.created ?? 0) === (target.created ?? 0) && this.seq.get(o.id)! > targetSeq);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return list[lo]?.id === id ? lo : -1;
  }

  /** Every object of a type in insertion order with its emulator-only data, for saving state. */
  allWithHidden(type: string): StripeObject[] {
    const ids = [...this.byId.values()].filter((o) => o.object === type).sort((a, b) => this.seq.get(a.id)! - this.seq.get(b.id)!);
    return ids.map((o) => ({ ...o, ...this.extra.get(o.id) }));
  }

  count(type: string): number {
    return this.bucket(type).ids.size;
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  private bucket(type: string) {
    let b = this.byType.get(type);
    if (!b) this.byType.set(type, (b = { ids: new Set(), sorted: null }));
    return b;
  }
}

export interface Account {
  id: string;
  livemode: boolean;
  name: string;
  email: string;
  country: string;
  defaultCurrency: string;
  /** The account's own secret key; also what OAuth hands out as `access_token`. */
  secretKey: string;
  publishableKey: string;
  refreshToken: string;
  /** Whether the account has authorized the platform (OAuth) and not deauthorized it since. */
  connected: boolean;
  store: Store;
}

export class IdGenerator {
  constructor(private readonly random: Random) {}

  id(prefix: string, length = 24): string {
    return `${prefix}_${randomToken(this.random, length)}`;
  }

  token(length: number): string {
    return randomToken(this.random, length);
  }
}

export function createAccount(
  ids: IdGenerator,
  input: { id?: string; livemode: boolean; name: string; email: string; country?: string; defaultCurrency?: string; connected?: boolean },
): Account {
  const mode = input.livemode ? 'live' : 'test';
  return {
    id: input.id ?? ids.id('acct', 16),
    livemode: input.livemode,
    name: input.name,
    email: input.email,
    country: input.country ?? 'US',
    defaultCurrency: input.defaultCurrency ?? 'usd',
    secretKey: `sk_${mode}_${ids.token(40)}`,
    publishableKey: `pk_${mode}_${ids.token(40)}`,
    refreshToken: `rt_${ids.token(40)}`,
    connected: input.connected ?? false,
    store: new Store(),
  };
}
