import { StripeApiError } from './errors.js';
import type { Account } from './state.js';

/** A POST's outcome kept under its `Idempotency-Key`, replayed to a retry of the same request. */
interface IdempotentResult {
  fingerprint: string;
  status: number;
  body: unknown;
  expiresAt: number;
}

/** Stripe keeps idempotency keys for at least 24 hours (https://docs.stripe.com/api/idempotent_requests). */
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export class IdempotencyKeys {
  private readonly results = new Map<string, IdempotentResult>();

  constructor(private readonly clock: () => number) {}

  /**
   * Stripe's idempotent requests (https://docs.stripe.com/api/idempotent_requests): the first outcome of a POST
   * under a key is saved once the endpoint started executing (a success or a card error, not a parameter
   * error) and replayed for the same key, with `Idempotent-Replayed: true`; the same key with different
   * parameters is an `idempotency_error`. Keys live 24 hours, per account; GET and DELETE ignore them.
   */
  async run(
    account: Account,
    key: string,
    fingerprint: string,
    run: () => Promise<unknown>,
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    if (key.length > 255)
      throw new StripeApiError(400, 'invalid_request_error', 'Idempotency keys can be at most 255 characters long.', 'parameter_invalid');
    const slot = `${account.id}:${key}`;
    const now = this.clock();
    const saved = this.results.get(slot);
    if (saved && saved.expiresAt > now) {
      if (saved.fingerprint !== fingerprint) {
        throw new StripeApiError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      return { status: saved.status, body: saved.body, replayed: true };
    }
    const keep = (status: number, body: unknown) =>
      this.results.set(slot, { fingerprint, status, body, expiresAt: now + IDEMPOTENCY_TTL_MS });
    try {
      const body = await run();
      keep(200, body);
      return { status: 200, body, replayed: false };
    } catch (err) {
      if (err instanceof StripeApiError && err.type === 'card_error') keep(err.status, err.toJSON());
      throw err;
    }
  }
}
