import { invalidParam, missingParam, unknownParam } from './errors.js';
import type { FormValue } from './form.js';
import type { Params } from './list.js';

/** Always accepted: the SDK may send `expand` on any call. */
const UNIVERSAL = ['expand'];

export function allowOnly(params: Params, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key) && !UNIVERSAL.includes(key)) throw unknownParam(key);
  }
}

export function str(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidParam(name, `Invalid string: ${name}`);
  return v;
}

export function requireStr(params: Params, name: string): string {
  const v = str(params, name);
  if (v === undefined || v === '') throw missingParam(name);
  return v;
}

export function nullableStr(params: Params, name: string): string | null | undefined {
  const v = str(params, name);
  return v === '' ? null : v;
}

export function int(params: Params | Record<string, FormValue>, name: string, label = name): number | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw invalidParam(label, `Invalid integer: ${typeof v === 'string' ? v : label}`);
  return Number(v);
}

export function num(params: Params, name: string): number | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^-?\d+(\.\d+)?$/.test(v)) throw invalidParam(name, `Invalid decimal: ${typeof v === 'string' ? v : name}`);
  return Number(v);
}

export function bool(params: Params, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalidParam(name, `Invalid boolean: ${typeof v === 'string' ? v : name}`);
  return v === 'true';
}

export function oneOf<T extends string>(params: Params, name: string, values: readonly T[]): T | undefined {
  const v = str(params, name);
  if (v === undefined) return undefined;
  if (!values.includes(v as T)) throw invalidParam(name, `Invalid ${name}: must be one of ${values.join(', ')}`);
  return v as T;
}

export function arrayOf(params: Params, name: string): FormValue[] | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (v === '') return [];
  if (!Array.isArray(v)) throw invalidParam(name, `Invalid array: ${name}`);
  return v;
}

export function objectOf(value: FormValue | undefined, name: string): Params {
  if (value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam(name, `Invalid object: ${name}`);
  return value;
}

/** Stripe's metadata update rules: keys merge, an empty value deletes a key, `metadata=''` clears all. */
export function applyMetadata(current: Record<string, string>, value: FormValue | undefined): Record<string, string> {
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam('metadata', 'Invalid object: metadata');
  const next = { ...current };
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidParam(`metadata[${k}]`, 'Metadata values must be strings.');
    if (k.length > 40) throw invalidParam(`metadata[${k}]`, 'Metadata keys can be at most 40 characters.');
    if (v === '') delete next[k];
    else next[k] = v.slice(0, 500);
  }
  if (Object.keys(next).length > 50) throw invalidParam('metadata', 'Metadata can have at most 50 keys.');
  return next;
}
