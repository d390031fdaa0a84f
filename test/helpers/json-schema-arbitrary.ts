import fc from 'fast-check';

/**
 * fast-check arbitraries from the JSON Schemas of an OpenAPI 3.1 document: values that satisfy a schema
 * (`valid`), and junk that very likely does not (`junk`, and `mutate` for structural changes to a valid value).
 * Only the subset of JSON Schema the API's zod schemas produce is understood; anything else throws, so a new
 * construct in the document is noticed instead of silently fuzzed wrong.
 */

export type Schema = Record<string, any>;
export type Components = Record<string, Schema>;

const MAX_ITEMS = 4;
const MAX_STRING = 40;

export function deref(schema: Schema, components: Components): Schema {
  let s = schema;
  while (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = components[name];
    if (!target) throw new Error(`unknown $ref ${s.$ref}`);
    s = target;
  }
  return s;
}

// Text as people type it: letters, digits, punctuation, accents, other scripts, emoji; inner spaces only, since
// the API trims names (a string that is only spaces is "empty", which JSON Schema cannot say).
const CHARS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ' ',
  '-',
  '_',
  '.',
  "'",
  '&',
  'é',
  'ß',
  '日',
  '本',
  '😀',
];

function plainString(min: number, max: number): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...CHARS), { minLength: min, maxLength: Math.max(min, max) })
    .map((chars) => chars.join(''))
    .filter((s) => s.trim() === s && (min === 0 || s.trim().length >= min))
    .filter((s) => [...s].length >= min && s.length <= max);
}

const email = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.stringMatching(/^[a-z]{1,10}$/), fc.constantFrom('com', 'org', 'io', 'example'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
// Outgoing URLs (alert webhooks) point at a closed local port: the fuzz never sends anything anywhere.
const uri = fc.nat(99_999).map((n) => `http://127.0.0.1:9/hook/${n}`);
const dateTime = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? MAX_STRING, Math.max(min, MAX_STRING));
  const fits = (v: string) => v.length >= min && v.length <= (s.maxLength ?? Infinity);
  if (s.format === 'date-time') return dateTime;
  if (s.format === 'email') return email.filter(fits);
  if (s.format === 'uri') return uri.filter(fits);
  // A single character class (ids, tokens) is generated to the length asked: filtering would rarely reach it.
  const charClass = typeof s.pattern === 'string' ? /^\^\[([^\]]+)\][+*]\$$/.exec(s.pattern) : null;
  if (charClass)
    return fc.string({ unit: fc.stringMatching(new RegExp(`^[${charClass[1]}]$`)), minLength: Math.max(1, min), maxLength: max });
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  if (s.format === 'uuid') return fc.uuid();
  if (s.format) throw new Error(`no generator for string format ${s.format}`);
  return plainString(min, max);
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? s.exclusiveMinimum ?? -1_000_000;
  const max = s.maximum ?? s.exclusiveMaximum ?? 1_000_000;
  if (integer) {
    return fc.integer({ min: s.exclusiveMinimum !== undefined ? min + 1 : min, max: s.exclusiveMaximum !== undefined ? max - 1 : max });
  }
  const double = fc.double({
    min,
    max,
    minExcluded: s.exclusiveMinimum !== undefined,
    maxExcluded: s.exclusiveMaximum !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
  if (Math.ceil(min) > Math.floor(max)) return double;
  // Whole numbers too: that is what people send, and doubles alone would almost never hit a boundary.
  const whole = fc
    .integer({ min: Math.ceil(min), max: Math.floor(max) })
    .filter((n) => n > (s.exclusiveMinimum ?? -Infinity) && n < (s.exclusiveMaximum ?? Infinity));
  return fc.oneof(whole, double);
}

export function valid(schema: Schema, components: Components): fc.Arbitrary<unknown> {
  const s = deref(schema, components);
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) return fc.oneof(...(s.anyOf ?? s.oneOf).map((m: Schema) => valid(m, components)));
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type: string) => valid({ ...s, type }, components)));
  switch (s.type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valid(s.items ?? {}, components), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS),
      });
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      const model = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, valid(v, components)]));
      const fixed = fc.record(model, { requiredKeys: (s.required ?? []) as string[] });
      if (!s.additionalProperties || s.additionalProperties === true) return fixed;
      const extra = fc.dictionary(
        valid(s.propertyNames ?? { type: 'string', minLength: 1, maxLength: 12 }, components) as fc.Arbitrary<string>,
        valid(s.additionalProperties, components),
        { maxKeys: 3 },
      );
      return fc.tuple(fixed, extra).map(([a, b]) => ({ ...b, ...a }));
    }
    case undefined:
      if (Object.keys(s).every((k) => ['description', 'default', '$schema'].includes(k))) return junk;
  }
  throw new Error(`no generator for schema ${JSON.stringify(s).slice(0, 200)}`);
}

/** Values of every kind a careless or hostile client sends. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, '', 'x', 'null', '0', '-1', 'true', '[]', '{}', [], {}, [null], { a: 1 }),
  fc.constantFrom(
    'a'.repeat(300),
    'b'.repeat(5000),
    '../../etc/passwd',
    "1' or '1'='1",
    '<script>alert(1)</script>',
    '%00',
    '\u202e\u0301',
    '😀'.repeat(100),
  ),
  fc.constantFrom('a\u0000b', '\u0000', { 'k\u0000': 1 }, ['\u0000']),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

export type Mutation = { kind: 'replace' | 'drop' | 'extra' | 'set'; pick: number; junk: unknown };

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'drop', 'extra', 'set'),
  pick: fc.nat(),
  junk,
});

/** Applies a structural mutation to a JSON value: replace it, or drop, add or change a property somewhere in it. */
export function mutate(value: unknown, m: Mutation): unknown {
  if (m.kind === 'replace') return m.junk;
  const copy = structuredClone(value);
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (v: unknown) => {
    if (v !== null && typeof v === 'object') {
      containers.push(v as Record<string, unknown>);
      Object.values(v).forEach(walk);
    }
  };
  walk(copy);
  const target = containers[m.pick % Math.max(1, containers.length)];
  if (!target) return m.junk;
  const keys = Object.keys(target);
  const key = keys[m.pick % Math.max(1, keys.length)];
  if (m.kind === 'drop' && key !== undefined) {
    if (Array.isArray(target)) target.splice(Number(key), 1);
    else delete target[key];
  } else if (m.kind === 'set' && key !== undefined) {
    (target as Record<string, unknown>)[key] = m.junk;
  } else if (Array.isArray(target)) {
    target.push(m.junk);
  } else {
    target[`unexpected${m.pick % 7}`] = m.junk;
  }
  return copy;
}
