import { randomBytes } from 'node:crypto';

/** Opaque, unguessable ids in the same style as the auth library's own rows (32 url-safe characters). */
export function newId(): string {
  return randomBytes(24).toString('base64url');
}
