import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { App } from '../core/http.js';

/**
 * Runs helmet once against a recording response and returns the headers it sets. helmet's own Fastify plugin
 * re-parses the whole configuration (CSP directives included) on every request; these headers never vary.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => (failure = err));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}

/**
 * Powerful browser features the app never uses, denied to it and to anything it could ever embed: a script that
 * got in still cannot reach the camera, the microphone, the location, payments or devices. (The clipboard stays
 * allowed: the Integrations page copies URLs.)
 */
export const PERMISSIONS_POLICY = [
  'accelerometer',
  'bluetooth',
  'camera',
  'display-capture',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

/** The headers every response carries (HSTS and upgrade only over https). */
export function appSecurityHeaders(appUrl: string): Record<string, string> {
  const https = appUrl.startsWith('https://');
  const headers = securityHeaders({
    // Over plain http (local and demo use) HSTS and request upgrades would break the app.
    strictTransportSecurity: https,
    contentSecurityPolicy: {
      directives: {
        upgradeInsecureRequests: https ? [] : null,
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  return { ...headers, 'permissions-policy': PERMISSIONS_POLICY };
}

/**
 * Answers of the API and the operations endpoints are never stored by a browser or a shared cache: they carry
 * customer data, secrets shown once (API keys, webhook secrets) and session-bound state. Only the web app's
 * assets (and the API reference) are cacheable; they set their own Cache-Control.
 */
const NEVER_STORED = /^\/(api\/v1|healthz|readyz|metrics)(\/|\?|$)/;

export function isNeverStored(url: string): boolean {
  return NEVER_STORED.test(url);
}

export function registerSecurityHeaders(app: App, headers: Record<string, string>): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    // Set before the handler: a route with a reason to differ may still override it.
    if (isNeverStored(request.url)) reply.header('cache-control', 'no-store');
    done();
  });
}
