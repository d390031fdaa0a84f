import { describe, expect, it } from 'vitest';
import { createRateGate, withStripeRetry } from './stripe.client.js';

const rateLimited = () => Object.assign(new Error('Too many requests'), { statusCode: 429 });

describe('withStripeRetry with a shared rate gate', () => {
  it('holds back every call sharing the gate once one of them meets the rate limit', async () => {
    const gate = createRateGate();
    const calls: { who: string; at: number }[] = [];
    let refused = false;
    const started = Date.now();
    const first = withStripeRetry(
      async () => {
        calls.push({ who: 'first', at: Date.now() - started });
        if (!refused) {
          refused = true;
          throw rateLimited();
        }
        return 'first';
      },
      { gate, baseDelayMs: 1 },
    );
    // The second call starts just after the first was refused: it waits for the gate instead of calling.
    await new Promise((r) => setTimeout(r, 20));
    const second = withStripeRetry(
      async () => {
        calls.push({ who: 'second', at: Date.now() - started });
        return 'second';
      },
      { gate },
    );
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    const secondCall = calls.find((c) => c.who === 'second')!;
    expect(secondCall.at).toBeGreaterThanOrEqual(500);
  });
});
