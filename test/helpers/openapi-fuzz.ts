import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { type Components, junk, type Mutation, mutate, mutation, type Schema, valid } from './json-schema-arbitrary.js';
import type { TestResponse } from './app.js';

/**
 * The OpenAPI document as a test oracle: what each operation takes (to generate requests) and what it may answer
 * (statuses, content types, body schemas, security), checked with a JSON Schema validator.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface Operation {
  key: string;
  method: string;
  path: string;
  pathParams: { name: string; schema: Schema }[];
  query: Schema;
  /** Documented request headers (`in: header` parameters), generated like the query. */
  headers: Schema;
  body: Schema | null;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  /** Whether the operation documents that it needs credentials (an empty alternative `{}` makes them optional). */
  needsCredentials: boolean;
}

export function operations(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      const params = (op.parameters ?? []) as { in: string; name: string; schema: Schema; required?: boolean }[];
      const inQuery = params.filter((p) => p.in === 'query');
      const inHeaders = params.filter((p) => p.in === 'header');
      const security = (op.security ?? doc.security ?? []) as Record<string, unknown>[];
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: {
          type: 'object',
          properties: Object.fromEntries(inQuery.map((p) => [p.name, p.schema])),
          required: inQuery.filter((p) => p.required).map((p) => p.name),
          additionalProperties: false,
        },
        headers: {
          type: 'object',
          properties: Object.fromEntries(inHeaders.map((p) => [p.name.toLowerCase(), p.schema])),
          required: inHeaders.filter((p) => p.required).map((p) => p.name.toLowerCase()),
        },
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        responses: op.responses,
        needsCredentials: security.length > 0 && !security.some((s) => Object.keys(s).length === 0),
      });
    }
  }
  return ops;
}

/** What a case does to the request beyond the schema-valid values it starts from. */
export type Spoil =
  | { in: 'body'; mutation: Mutation }
  | { in: 'query'; name: string; value: unknown }
  | { in: 'path'; value: unknown }
  /** A NUL inside one otherwise valid text (a body string, a query value or a path segment): it passes validation. */
  | { in: 'nul'; pick: number }
  | { in: 'raw'; payload: string; contentType: string };

export interface Case {
  op: Operation;
  who: 'owner' | 'apiKey' | 'anonymous';
  /** Per path parameter: an id that exists (an index into its pool) or a generated value. */
  path: ({ pool: number } | { value: unknown })[];
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
  spoil: Spoil | null;
}

const RAW: Spoil[] = [
  { in: 'raw', payload: '{"broken": ', contentType: 'application/json' },
  { in: 'raw', payload: 'name=x', contentType: 'application/x-www-form-urlencoded' },
  { in: 'raw', payload: 'plain words', contentType: 'text/plain' },
  { in: 'raw', payload: '<a>1</a>', contentType: 'application/xml' },
  { in: 'raw', payload: '', contentType: 'application/json' },
  { in: 'raw', payload: '{"__proto__": {"admin": true}}', contentType: 'application/json' },
];

export function caseArbitrary(op: Operation, components: Components): fc.Arbitrary<Case> {
  const queryNames = Object.keys(op.query.properties);
  const spoils: fc.Arbitrary<Spoil>[] = [
    fc.record({ in: fc.constant('query' as const), name: fc.constantFrom(...queryNames, 'unexpected'), value: junk }),
    fc.constantFrom(...RAW),
    fc.record({ in: fc.constant('nul' as const), pick: fc.nat() }),
  ];
  if (op.body) spoils.push(fc.record({ in: fc.constant('body' as const), mutation }));
  if (op.pathParams.length > 0) spoils.push(fc.record({ in: fc.constant('path' as const), value: junk }));
  return fc.record({
    op: fc.constant(op),
    who: fc.constantFrom('owner' as const, 'owner' as const, 'apiKey' as const, 'anonymous' as const),
    path: fc.tuple(...op.pathParams.map((p) => fc.oneof(fc.record({ pool: fc.nat() }), fc.record({ value: valid(p.schema, components) })))),
    query: valid(op.query, components) as fc.Arbitrary<Record<string, unknown>>,
    headers: valid(op.headers, components) as fc.Arbitrary<Record<string, unknown>>,
    body: op.body ? valid(op.body, components) : fc.constant(undefined),
    // About half the cases are spoiled: wrong types, missing or unknown fields, junk ids, broken bodies.
    spoil: fc.option(fc.oneof(...spoils), { freq: 2 }),
  });
}

const wire = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

export interface BuiltRequest {
  url: string;
  body: unknown;
  headers: Record<string, string>;
  /** What the server sees, for checking against the document: decoded path values, query strings, the body. */
  seen: { path: unknown[]; query: Record<string, string>; headers: Record<string, string>; body: unknown; raw: boolean };
}

export function build(c: Case, pools: (name: string) => string[]): BuiltRequest {
  const values = c.path.map((p, i) => {
    if (c.spoil?.in === 'path' && i === 0) return wire(c.spoil.value);
    if ('value' in p) return p.value;
    const pool = pools(`${c.op.path}#${c.op.pathParams[i]!.name}`);
    return pool.length > 0 ? pool[p.pool % pool.length] : 'none';
  });
  const query = Object.fromEntries(Object.entries(c.query).map(([k, v]) => [k, wire(v)]));
  if (c.spoil?.in === 'query') query[c.spoil.name] = wire(c.spoil.value);
  let body = c.body;
  if (c.spoil?.in === 'body') body = mutate(c.body, c.spoil.mutation);
  if (c.spoil?.in === 'nul') {
    body = structuredClone(body);
    const texts = textSlots(body, query, values);
    texts[c.spoil.pick % Math.max(1, texts.length)]?.((text) => `${text.slice(0, 1)}\u0000${text.slice(1)}`);
  }
  let i = 0;
  // A lone surrogate cannot be sent in a URL (encodeURIComponent throws): it goes as U+FFFD, as a browser sends it.
  const wellFormed = (text: string) => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  const pathname = c.op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(wellFormed(wire(values[i++]))));
  const search = new URLSearchParams(query).toString();
  const raw = c.spoil?.in === 'raw';
  const withBody = c.op.body !== null || (raw && ['POST', 'PUT', 'PATCH'].includes(c.op.method));
  const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, wire(v)]));
  if (raw) headers['content-type'] = (c.spoil as { contentType: string }).contentType;
  return {
    url: `${pathname}${search ? `?${search}` : ''}`,
    // Sent as JSON text: the test client passes a string body through as it is (a JSON string body stays JSON).
    body: raw ? (c.spoil as { payload: string }).payload : withBody ? JSON.stringify(body ?? null) : undefined,
    headers,
    seen: { path: values.map(wire), query, headers, body: withBody ? body : undefined, raw },
  };
}

/** Setters for every text of a request: string values of the body (at any depth), query values, path values. */
function textSlots(body: unknown, query: Record<string, string>, path: unknown[]): ((edit: (s: string) => string) => void)[] {
  const slots: ((edit: (s: string) => string) => void)[] = [];
  const walk = (container: Record<string, unknown> | unknown[]) => {
    for (const [k, v] of Object.entries(container)) {
      if (typeof v === 'string') slots.push((edit) => ((container as Record<string, unknown>)[k] = edit(v)));
      else if (v !== null && typeof v === 'object') walk(v as Record<string, unknown>);
    }
  };
  if (body !== null && typeof body === 'object') walk(body as Record<string, unknown>);
  for (const k of Object.keys(query)) slots.push((edit) => (query[k] = edit(query[k]!)));
  path.forEach((v, i) => slots.push((edit) => (path[i] = edit(wire(v)))));
  return slots;
}

export const hasNul = (v: unknown): boolean =>
  typeof v === 'string'
    ? v.includes('\u0000')
    : v !== null && typeof v === 'object' && Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));

/** Validates values and answers against the document's schemas (components resolved through one shared schema). */
export class DocumentValidator {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: false }));
  private readonly coercing = addFormats(new Ajv2020({ strict: false, coerceTypes: true }));
  private readonly compiled = new Map<Schema, ValidateFunction>();
  private readonly compiledCoercing = new Map<Schema, ValidateFunction>();

  constructor(components: Components) {
    for (const ajv of [this.ajv, this.coercing]) ajv.addSchema({ $id: 'components', $defs: relink(components) });
  }

  /** Query values arrive as text: the coercing validator reads "5" as the number the schema asks for. */
  private compile(schema: Schema, coerce = false): ValidateFunction {
    const cache = coerce ? this.compiledCoercing : this.compiled;
    let fn = cache.get(schema);
    if (!fn) {
      fn = (coerce ? this.coercing : this.ajv).compile(relink(schema) as object);
      cache.set(schema, fn);
    }
    return fn;
  }

  /** Whether the server was sent a request the document says is valid (the NUL rule of the API included). */
  isValidRequest(op: Operation, seen: BuiltRequest['seen']): boolean {
    if (seen.raw || hasNul(seen.path) || hasNul(seen.query) || hasNul(seen.body)) return false;
    const pathOk = op.pathParams.every((p, i) => this.compile(p.schema)(seen.path[i]));
    const queryOk = this.compile(op.query, true)(structuredClone(seen.query));
    const headersOk = this.compile(op.headers, true)(structuredClone(seen.headers));
    return pathOk && queryOk && headersOk && (op.body === null || this.compile(op.body)(seen.body));
  }

  /** Problems of an answer against what the document says the operation answers; empty when it conforms. */
  answerProblems(op: Operation, res: TestResponse): string[] {
    const documented = op.responses[String(res.status)] ?? op.responses.default;
    if (!documented) return [`undocumented status ${res.status}`];
    if (!documented.content) return res.text === '' ? [] : [`${res.status} documents no body but has one`];
    const type = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const media = documented.content[type];
    if (!media) return [`${res.status} answered ${type || 'no content type'}, documented ${Object.keys(documented.content).join(', ')}`];
    if (!type.endsWith('json')) return typeof res.text === 'string' ? [] : ['no text body'];
    const validate = this.compile(media.schema);
    if (res.body === null && res.text !== 'null') return [`${res.status} body is not JSON`];
    if (validate(res.body)) return [];
    return [`${res.status} body does not match its schema: ${this.ajv.errorsText(validate.errors)}`];
  }
}

/** `#/components/schemas/X` → `components#/$defs/X`, so every compiled schema shares one set of definitions. */
function relink<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"components#/$defs/')) as T;
}
