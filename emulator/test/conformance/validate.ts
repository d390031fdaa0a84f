import type { ObjectType, Schema, SdkSchema } from './sdk-schema.js';

/**
 * Checks a JSON value (what is on the wire) against an SDK type and reports each problem once, by path:
 * `charge.outcome.type: wrong type: "weird", expected "authorized" | "blocked" | …`,
 * `charge.amount: missing required field (number)`, `charge.extra: not a field of Charge`.
 */
export interface Problem {
  /** The nearest enclosing Stripe object type (one that declares an `object` literal, e.g. `Customer`, `Discount`). */
  owner: string;
  /** Where in the checked value, e.g. `subscriptions.list.data[3].customer.address`. */
  path: string;
  /** The same place from the owner on, e.g. `Customer.address`: alike for a customer wherever it is served. */
  field: string;
  /** Where the owner is, e.g. `subscriptions.list.data[3].customer`. */
  in: string;
  message: string;
}

/** The nearest Stripe object around a value, and its path. */
interface Owner {
  name: string;
  at: string;
}

export class Validator {
  /** How many objects of each owner type were checked, so a caller can tell that something was. */
  readonly seen = new Map<string, number>();
  private trials = 0;

  constructor(private readonly schema: SdkSchema) {}

  /** Problems of `value` as an instance of the SDK type `type` (e.g. `Charge`, `Event`), paths starting at `at`. */
  validate(value: unknown, type: string, at = type): Problem[] {
    const out: Problem[] = [];
    this.check(this.schema.type(type), value, at, { name: type, at }, out);
    return out;
  }

  /** A list response: its envelope against `ApiList`, each of its `data` against `item`. */
  validateList(value: unknown, item: string, at = `list<${item}>`): Problem[] {
    const out = this.validate(value, 'ApiList', at).map((p) => ({
      ...p,
      owner: item,
      field: `ApiList<${item}>${p.path.slice(at.length)}`,
    }));
    const data = (value as { data?: unknown })?.data;
    if (Array.isArray(data)) data.forEach((v, i) => out.push(...this.validate(v, item, `${at}.data[${i}]`)));
    return out;
  }

  private problem(owner: Owner, path: string, message: string): Problem {
    return { owner: owner.name, path, field: owner.name + path.slice(owner.at.length), in: owner.at, message };
  }

  private check(s: Schema, v: unknown, at: string, owner: Owner, out: Problem[]): void {
    const wrong = () => void out.push(this.problem(owner, at, `wrong type: ${show(v)}, expected ${describe(s)}`));
    switch (s.kind) {
      case 'any':
        return;
      case 'absent':
        return void out.push(this.problem(owner, at, `should not be present (the SDK types it as undefined), got ${show(v)}`));
      case 'string':
      case 'number':
      case 'boolean':
      case 'null':
      case 'decimal':
      case 'literal':
        if (!primitiveFits(s, v)) wrong();
        return;
      case 'array':
        if (!Array.isArray(v)) return wrong();
        v.forEach((e, i) => this.check(s.element, e, `${at}[${i}]`, owner, out));
        return;
      case 'object':
        return this.checkObject(this.schema.object(s.name), v, at, owner, out);
      case 'union':
        return this.checkUnion(s, v, at, owner, out);
    }
  }

  private checkObject(t: ObjectType, v: unknown, at: string, owner: Owner, out: Problem[]): void {
    if (!isRecord(v)) return void out.push(this.problem(owner, at, `wrong type: ${show(v)}, expected ${t.name}`));
    // Problems belong to the Stripe object they are found in, not to whichever object embeds it.
    const resource = this.resourceName(t);
    if (resource) {
      owner = { name: resource, at };
      if (this.trials === 0) this.seen.set(resource, (this.seen.get(resource) ?? 0) + 1);
    }
    for (const [key, field] of t.fields) {
      if (key in v) this.check(field.type, v[key], `${at}.${key}`, owner, out);
      else if (!field.optional) out.push(this.problem(owner, `${at}.${key}`, `missing required field (${describe(field.type)})`));
    }
    for (const key of Object.keys(v)) {
      if (t.fields.has(key)) continue;
      if (t.rest) this.check(t.rest, v[key], `${at}.${key}`, owner, out);
      else out.push(this.problem(owner, `${at}.${key}`, `not a field of ${t.name}`));
    }
  }

  /**
   * A primitive passes if any member takes it. For objects (`string | Customer | DeletedCustomer`, or the
   * ~275 `Event` interfaces) the member is chosen by the fields that tell them apart — `object`, `deleted`,
   * `type` — and, should that leave none or several, the member with the fewest problems is reported.
   */
  private checkUnion(s: Extract<Schema, { kind: 'union' }>, v: unknown, at: string, owner: Owner, out: Problem[]): void {
    if (s.members.some((m) => m.kind === 'any' || primitiveFits(m, v))) return;
    const shaped = s.members.filter((m) => (Array.isArray(v) ? m.kind === 'array' : isRecord(v) && m.kind === 'object'));
    if (shaped.length === 0) return void out.push(this.problem(owner, at, `wrong type: ${show(v)}, expected ${describe(s)}`));
    const matching = shaped.filter((m) => m.kind !== 'object' || this.discriminates(this.schema.object(m.name), v));
    const candidates = matching.length > 0 ? matching : shaped;
    let best = candidates[0]!;
    if (candidates.length > 1) {
      // Trial runs count nothing as seen; only the chosen member is checked for real.
      this.trials++;
      const count = (m: Schema) => {
        const problems: Problem[] = [];
        this.check(m, v, at, owner, problems);
        return problems.length;
      };
      best = candidates.map((m) => ({ m, n: count(m) })).reduce((a, b) => (b.n < a.n ? b : a)).m;
      this.trials--;
    }
    this.check(best, v, at, owner, out);
  }

  /**
   * Whether every field typed as literals only (or `undefined`) agrees with the value: `object: 'charge'`,
   * `deleted: true`, an event's `type`. Other fields cannot tell union members apart.
   */
  private discriminates(t: ObjectType, v: unknown): boolean {
    if (!isRecord(v)) return false;
    const literal = (s: Schema): boolean => s.kind === 'literal' || s.kind === 'absent' || (s.kind === 'union' && s.members.every(literal));
    for (const [key, field] of t.fields) {
      if (!literal(field.type)) continue;
      if (!(key in v) ? !field.optional : !fits(field.type, v[key])) return false;
    }
    return true;
  }

  /**
   * A Stripe object type declares a required `object` literal (lists excepted). The SDK types each kind of
   * event as its own interface (`ChargeSucceededEvent`); they all count as `Event`.
   */
  private resourceName(t: ObjectType): string | undefined {
    const object = t.fields.get('object');
    if (!object || object.optional || object.type.kind !== 'literal' || object.type.value === 'list') return undefined;
    return object.type.value === 'event' ? 'Event' : t.name;
  }
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

const fits = (s: Schema, v: unknown): boolean => (s.kind === 'union' ? s.members.some((m) => fits(m, v)) : primitiveFits(s, v));

function primitiveFits(s: Schema, v: unknown): boolean {
  switch (s.kind) {
    case 'string':
      return typeof v === 'string';
    case 'decimal':
      return typeof v === 'string' && DECIMAL.test(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'literal':
      return v === s.value;
    default:
      return false;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as a problem shows it: `"weird"`, `42`, `null`, `an array`, `an object ("charge")`. */
function show(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isRecord(v)) return typeof v.object === 'string' ? `an object ("${v.object}")` : 'an object';
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** A schema as a problem shows it; long literal unions (`Event.Type`) are cut. */
export function describe(s: Schema): string {
  switch (s.kind) {
    case 'literal':
      return JSON.stringify(s.value);
    case 'array':
      return s.element.kind === 'union' ? `(${describe(s.element)})[]` : `${describe(s.element)}[]`;
    case 'object':
      return s.name;
    case 'decimal':
      return 'decimal string';
    case 'absent':
      return 'undefined';
    case 'union': {
      const parts = s.members.map(describe);
      return parts.length > 8 ? `${parts.slice(0, 6).join(' | ')} | … (${parts.length - 6} more)` : parts.join(' | ');
    }
    default:
      return s.kind;
  }
}
