import type { FastifyRequest } from 'fastify';
import { badRequest } from '../core/errors.js';

/**
 * PostgreSQL text cannot hold the NUL character (U+0000): a NUL that reached a query used to fail deep inside a
 * service as a 500 (or cut a streamed CSV, or a 502 from the auth library). Refusing it once, at the edge, for
 * every field of every request keeps that rule out of the services and gives the client a 400 naming the field.
 */
const NUL = '\u0000';

interface Node {
  value: unknown;
  path: string;
}

/** How a field is named in the answer: `body.channels.email.0`, the NUL itself written out as `\u0000`. */
function segment(key: string): string {
  return key.replaceAll(NUL, '\\u0000');
}

/**
 * The path of the first string (key or value) holding a NUL, or null. Iterative: a deeply nested body within the
 * size limit must not overflow the stack.
 */
export function findNul(value: unknown, root: string): string | null {
  const stack: Node[] = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}.${i}` });
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      for (const [key, child] of Object.entries(v)) {
        if (key.includes(NUL)) return `${path}.${segment(key)}`;
        stack.push({ value: child, path: `${path}.${key}` });
      }
    }
  }
  return null;
}

/** A `preValidation` hook: runs after the body is parsed and before the route's schemas see anything. */
export async function refuseNulText(request: FastifyRequest): Promise<void> {
  const field = findNul(request.params, 'params') ?? findNul(request.query, 'query') ?? findNul(request.body, 'body');
  if (field !== null) throw badRequest('invalid_text', `${field} must not contain the NUL character`, { field });
}
