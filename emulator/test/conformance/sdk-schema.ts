import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * A runtime schema of the pinned `stripe` SDK's response types, derived from its `.d.ts` files with the
 * TypeScript compiler (Stripe generates those from its OpenAPI spec), so that an SDK upgrade re-checks the
 * emulator against the new shapes without anyone editing a list of fields.
 *
 * Object types are derived lazily, one level at a time: `Event` alone is a union of ~275 event interfaces
 * whose payloads reach most of the API, and only the parts the emulator serves are ever looked at.
 */

/** What a JSON value may be. */
export type Schema =
  | { kind: 'string' | 'number' | 'boolean' | 'null' | 'any' }
  /** The SDK's `OtherString`; next to string literals it is dropped (see `union`). */
  | { kind: 'string'; otherString: true }
  /** A decimal string: the SDK parses these into `Stripe.Decimal`, but on the wire (and in JSON) they are strings. */
  | { kind: 'decimal' }
  /** `undefined` / `void` (e.g. `Customer.deleted?: void`): the key must not be there. */
  | { kind: 'absent' }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'array'; element: Schema }
  /** A named object type; its fields come from `SdkSchema.object(name)`. */
  | { kind: 'object'; name: string }
  | { kind: 'union'; members: Schema[] };

export interface Field {
  optional: boolean;
  type: Schema;
}

export interface ObjectType {
  /** As the SDK spells it, e.g. `Charge.Outcome`, `ApiList<Refund>`, `Partial<Customer>`. */
  name: string;
  fields: Map<string, Field>;
  /** Keys not in `fields` must match this (an index signature such as `Metadata`); without it they are not allowed. */
  rest?: Schema;
}

export interface SdkSchema {
  /** A type exported on the SDK's `Stripe` namespace: `Charge`, `Event`, `Checkout.Session`, `ApiList`. */
  type(name: string): Schema;
  /** The fields of a named object type (as referenced by a `{ kind: 'object' }` schema). */
  object(name: string): ObjectType;
  /** Places where the derivation met a construct it cannot check and accepted anything (each once). */
  loose: Set<string>;
}

const prim = <K extends 'string' | 'number' | 'boolean' | 'null' | 'any' | 'decimal' | 'absent'>(kind: K) => ({ kind }) as const;
const STRING = prim('string');
const ANY = prim('any');
const ABSENT = prim('absent');

let cached: SdkSchema | undefined;

/** The schema of the `stripe` package this project resolves, built once per process (about a second). */
export function sdkSchema(): SdkSchema {
  return (cached ??= derive());
}

function derive(): SdkSchema {
  const options: ts.CompilerOptions = {
    // strictNullChecks keeps `| null` in the types; without it every nullable field would look required-non-null.
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  // Resolve `stripe` exactly as this project's `import Stripe from 'stripe'` does (its ESM `types` condition).
  const here = fileURLToPath(import.meta.url);
  const resolved = ts.resolveModuleName('stripe', here, options, ts.sys, undefined, undefined, ts.ModuleKind.ESNext).resolvedModule;
  if (!resolved) throw new Error('cannot resolve the stripe package’s types');
  const program = ts.createProgram([resolved.resolvedFileName], options);
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile(resolved.resolvedFileName)!)!;
  const unalias = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const stripeNs = unalias(checker.getExportsOfModule(entry).find((s) => s.name === 'Stripe')!);

  const loose = new Set<string>();
  const nameOfType = new Map<ts.Type, string>();
  const typeOfName = new Map<string, ts.Type>();
  const objects = new Map<string, ObjectType>();

  // `"/…/resources/Charges".Charge.Outcome` → `Charge.Outcome`; `"/…/resources/Issuing/Disputes".Dispute` →
  // `Issuing.Dispute` (the SDK declares namespaced resources at the top of their folder's files).
  function qualified(s: ts.Symbol): string {
    const [, file = '', rest = s.name] = /^"(.*)"\.(.*)$/.exec(checker.getFullyQualifiedName(s)) ?? [];
    const folders = file.split('/resources/')[1]?.split('/').slice(0, -1) ?? [];
    return [...folders, rest].join('.');
  }
  const label = (t: ts.Type): string => (t.flags & ts.TypeFlags.Object ? nameOf(t) : checker.typeToString(t));
  function nameOf(t: ts.Type): string {
    if (t.aliasSymbol) {
      const args = t.aliasTypeArguments ?? [];
      return qualified(t.aliasSymbol) + (args.length ? `<${args.map(label).join(', ')}>` : '');
    }
    const symbol = t.getSymbol();
    if (!symbol || symbol.name === '__type' || symbol.name === '__object') {
      // `{ [key: string]: CurrencyOptions }` prints its value type unqualified; say whose it is.
      const index = checker.getIndexInfosOfType(t)[0];
      if (index && checker.getPropertiesOfType(t).length === 0) return `Record<string, ${label(index.type)}>`;
      return checker.typeToString(t);
    }
    const reference = t.flags & ts.TypeFlags.Object && (t as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference;
    const args = reference ? checker.getTypeArguments(t as ts.TypeReference) : [];
    return qualified(symbol) + (args.length ? `<${args.map(label).join(', ')}>` : '');
  }
  /** A unique name per object type: two different types that print alike get `#2`, `#3`… */
  function register(t: ts.Type): string {
    const known = nameOfType.get(t);
    if (known) return known;
    const base = nameOf(t);
    let name = base;
    for (let n = 2; typeOfName.has(name); n++) name = `${base}#${n}`;
    nameOfType.set(t, name);
    typeOfName.set(name, t);
    return name;
  }

  function toSchema(t: ts.Type, where: string): Schema {
    const f = t.flags;
    // Checked before the flags: `Decimal` is an intersection of a class and a brand, and a string on the wire.
    if (t.aliasSymbol?.name === 'Decimal') return prim('decimal');
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return ANY;
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Never)) return ABSENT;
    if (f & ts.TypeFlags.Null) return prim('null');
    if (t.isStringLiteral() || t.isNumberLiteral()) return { kind: 'literal', value: t.value };
    if (f & ts.TypeFlags.BooleanLiteral) return { kind: 'literal', value: checker.typeToString(t) === 'true' };
    if (f & ts.TypeFlags.Boolean) return prim('boolean');
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) return STRING;
    if (f & ts.TypeFlags.Number) return prim('number');
    // V2 `int64_string` fields: the SDK turns them into bigints; the wire carries strings.
    if (f & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return STRING;
    if (t.isUnion()) return union(t.types.map((m) => toSchema(m, where)));
    // `OtherString` (= `string & Record<never, never>`) stands for "an enum value the SDK does not list yet".
    if (t.isIntersection() && t.types.some((m) => m.flags & ts.TypeFlags.String)) return { kind: 'string', otherString: true };
    if (checker.isArrayType(t) || checker.isTupleType(t)) {
      return { kind: 'array', element: union(checker.getTypeArguments(t as ts.TypeReference).map((m) => toSchema(m, where))) };
    }
    if (f & ts.TypeFlags.Object || t.isIntersection()) {
      if (t.getCallSignatures().length > 0) return looseAt(where, t);
      return { kind: 'object', name: register(t) };
    }
    // Type parameters (the `T` of a bare `ApiList`) and anything else we do not model.
    return looseAt(where, t);
  }
  function looseAt(where: string, t: ts.Type): Schema {
    loose.add(`${where}: ${checker.typeToString(t)}`);
    return ANY;
  }

  function object(name: string): ObjectType {
    const known = objects.get(name);
    if (known) return known;
    // A name not met yet is looked up among the SDK's exports (`object('Charge')`).
    if (!typeOfName.has(name)) type(name);
    const t = typeOfName.get(name);
    if (!t) throw new Error(`no SDK object type ${name}`);
    const fields = new Map<string, Field>();
    for (const prop of checker.getPropertiesOfType(t)) {
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      fields.set(prop.name, { optional, type: toSchema(checker.getTypeOfSymbol(prop), `${name}.${prop.name}`) });
    }
    const index = checker.getIndexInfosOfType(t).find((i) => i.keyType.flags & ts.TypeFlags.String);
    const out: ObjectType = { name, fields, ...(index ? { rest: toSchema(index.type, `${name}[key]`) } : {}) };
    objects.set(name, out);
    return out;
  }

  function type(name: string): Schema {
    let symbol: ts.Symbol | undefined = stripeNs;
    for (const part of name.split('.')) {
      const found: ts.Symbol | undefined = symbol && checker.getExportsOfModule(symbol).find((s) => s.name === part);
      symbol = found && unalias(found);
    }
    if (!symbol) throw new Error(`the SDK exports no type Stripe.${name}`);
    return toSchema(checker.getDeclaredTypeOfSymbol(symbol), name);
  }

  return { type, object, loose };
}

/**
 * Flattens, drops `undefined` (optional fields say that already), lets `string` absorb string literals and
 * merges `true | false`. Enums are generated as `'a' | 'b' | OtherString` so that integrations tolerate values
 * added after the SDK was cut; the emulator has no such excuse, so `OtherString` next to literals is dropped
 * and the enum checked as closed. Alone, `OtherString` is any string.
 */
function union(members: Schema[]): Schema {
  const flat = members.flatMap((m) => (m.kind === 'union' ? m.members : [m]));
  const present = flat.filter((m) => m.kind !== 'absent');
  if (present.length === 0) return ABSENT;
  const has = (kind: Schema['kind']) => present.some((m) => m.kind === kind);
  const bools = new Set(present.flatMap((m) => (m.kind === 'literal' && typeof m.value === 'boolean' ? [m.value] : [])));
  if (has('any')) return ANY;
  const out: Schema[] = [];
  const seen = new Set<string>();
  const plainString = present.some((x) => x.kind === 'string' && !('otherString' in x));
  const stringLiterals = present.some((x) => x.kind === 'literal' && typeof x.value === 'string');
  for (const m of present) {
    let s: Schema = m;
    if (m.kind === 'literal' && typeof m.value === 'string' && plainString) continue;
    if ('otherString' in m && (stringLiterals || plainString)) continue;
    if (m.kind === 'literal' && typeof m.value === 'boolean' && bools.size === 2) s = prim('boolean');
    const key = JSON.stringify(s);
    if (!seen.has(key)) out.push(s);
    seen.add(key);
  }
  return out.length === 1 ? out[0]! : { kind: 'union', members: out };
}
