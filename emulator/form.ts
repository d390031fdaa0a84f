/**
 * Decodes Stripe's form encoding (`a[b][0][c]=1`, as the SDK sends it) into nested objects and arrays.
 * Numeric keys build arrays; everything stays a string, as on the wire.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

export function parseForm(body: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  if (!body) return root;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = decodeURIComponent((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    assign(root, keyPath(rawKey), value);
  }
  return normalizeArrays(root) as Record<string, FormValue>;
}

function keyPath(key: string): string[] {
  const first = key.indexOf('[');
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  for (const m of key.slice(first).matchAll(/\[([^\]]*)\]/g)) parts.push(m[1]!);
  return parts;
}

function assign(target: Record<string, any>, path: string[], value: string): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] === '' ? String(Object.keys(node).length) : path[i]!;
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k];
  }
  const last = path[path.length - 1]!;
  node[last === '' ? String(Object.keys(node).length) : last] = value;
}

/** Objects whose keys are exactly 0..n-1 become arrays. */
function normalizeArrays(value: unknown): FormValue {
  if (typeof value !== 'object' || value === null) return value as string;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const normalized = Object.fromEntries(keys.map((k) => [k, normalizeArrays(obj[k])]));
  if (
    keys.length > 0 &&
    keys.every((k) => /^\d+$/.test(k)) &&
    keys
      .map(Number)
      .sort((a, b) => a - b)
      .every((n, i) => n === i)
  ) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((n) => normalized[String(n)]!);
  }
  return normalized;
}
