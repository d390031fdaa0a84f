import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storableJson, stripNul } from './pg-text.js';

describe('text PostgreSQL can store', () => {
  it('removes NUL from every string, keys included, and nothing else', () => {
    const at = new Date(0);
    expect(stripNul({ 'a\u0000b': ['x\u0000', 1, null, { y: 'z\u0000z' }], at })).toEqual({ ab: ['x', 1, null, { y: 'zz' }], at });
    // A key named __proto__ is a key like any other (JSON.parse makes it one), never the object's prototype.
    expect(JSON.stringify(stripNul(JSON.parse('[{"__proto__":0,"a\\u0000":{"__proto__":{"b":1}}}]')))).toBe(
      '[{"__proto__":0,"a":{"__proto__":{"b":1}}}]',
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const out = JSON.stringify(stripNul(v));
        expect(out.includes('\\u0000')).toBe(false);
        // Without a NUL, the value is unchanged.
        if (!JSON.stringify(v).includes('\\u0000')) expect(out).toBe(JSON.stringify(v));
      }),
    );
  });

  it('rewrites raw JSON only when it holds an escaped NUL', () => {
    const plain = '{"a": "b"}';
    expect(storableJson(plain)).toBe(plain);
    expect(JSON.parse(storableJson('{"name":"Ac\\u0000me"}'))).toEqual({ name: 'Acme' });
    // An escaped backslash followed by "u0000" is ordinary text, kept as it is.
    expect(JSON.parse(storableJson('{"name":"\\\\u0000"}'))).toEqual({ name: '\\u0000' });
  });
});
