import type { IncomingMessage } from 'node:http';
import type { StripeApiError } from './errors.js';

/**
 * Requests the emulator refused under Stripe's rules: a malformed or unknown parameter, an expansion too
 * deep, an unknown URL, a reused idempotency key. Real Stripe refuses these too, so a refusal of a request
 * PulseScore made is a bug in PulseScore, and the tests, the demo and the benchmarks fail on one.
 *
 * Outcomes that are not refusals of the request's form are left out: card errors (402), rate limits (429),
 * revoked or missing credentials (401/403) and objects that do not exist (404 `resource_missing`), which real
 * accounts produce in normal operation.
 */
export interface Refusal {
  at: string;
  method: string;
  path: string;
  status: number;
  code: string | null;
  param: string | null;
  message: string;
  /** The application named in the SDK's User-Agent (`appInfo`), e.g. `PulseScore/0.1.0`; null for others. */
  client: string | null;
}

/** Refused PulseScore requests of every emulator in this process, for test set-ups to check once at the end. */
const processWide: Refusal[] = [];

export function isRuleRefusal(err: StripeApiError): boolean {
  return err.status === 400 || err.status === 405 || err.status === 413 || (err.status === 404 && err.code !== 'resource_missing');
}

/** The application a request came from, if its SDK was told (`appInfo: { name, version }`). */
function clientOf(req: IncomingMessage): string | null {
  const agent = req.headers['user-agent'] ?? '';
  const match = /\bPulseScore\/[\w.-]+/.exec(agent);
  return match ? match[0] : null;
}

export class RequestAudit {
  readonly refusals: Refusal[] = [];

  record(req: IncomingMessage, path: string, err: StripeApiError): Refusal | null {
    if (!isRuleRefusal(err)) return null;
    const refusal: Refusal = {
      at: new Date().toISOString(),
      method: req.method ?? 'GET',
      path,
      status: err.status,
      code: err.code ?? null,
      param: err.param ?? null,
      message: err.message,
      client: clientOf(req),
    };
    // Keep the log bounded: a test that sends thousands of bad requests on purpose must not grow it forever.
    if (this.refusals.length < 1000) this.refusals.push(refusal);
    if (refusal.client) processWide.push(refusal);
    return refusal;
  }

  /** Refusals of requests made by PulseScore (its SDK sends `PulseScore/<version>` in the User-Agent). */
  ofPulseScore(): Refusal[] {
    return this.refusals.filter((r) => r.client !== null);
  }

  reset(): void {
    this.refusals.length = 0;
  }
}

/** Every refused PulseScore request recorded in this process so far; clears the record. */
export function takePulseScoreRefusals(): Refusal[] {
  return processWide.splice(0, processWide.length);
}

export function describeRefusals(refusals: Refusal[]): string {
  return refusals.map((r) => `${r.method} ${r.path} → ${r.status} ${r.code ?? ''} ${r.param ?? ''}: ${r.message}`).join('\n');
}
