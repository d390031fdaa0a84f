import { Random, randomToken } from './random.js';

export type StripeObject = Record<string, any> & { id: string; object: string };

/** All objects of one Stripe account, listable newest first as Stripe lists them. */
export class Store {
  private readonly byId = new Map<string, StripeObject>();
  private readonly seq = new Map<string, number>();
  private readonly byType = new Map<string, { ids: Set<string>; sorted: StripeObject[] | null }>();
  private counter = 0;

  get(id: string, type?: string): StripeObject | undefined {
    const obj = this.byId.get(id);
    return obj && (!type || obj.object === type) ? obj : undefined;
  }

  put(obj: StripeObject): StripeObject {
    if (!this.seq.has(obj.id)) this.seq.set(obj.id, this.counter++);
    this.byId.set(obj.id, obj);
    const bucket = this.bucket(obj.object);
    bucket.ids.add(obj.id);
    bucket.sorted = null;
    return obj;
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
