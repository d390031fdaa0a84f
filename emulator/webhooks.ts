import { createHmac } from 'node:crypto';

export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export interface Delivery {
  eventId: string;
  url: string;
  secret: string;
  payload: string;
  attempt: number;
}

export interface DeliveryOptions {
  /** Delay before the first retry; doubles with each attempt. */
  retryBaseMs: number;
  maxAttempts: number;
  /** Deliver each event a random 0–N ms late, so that events arrive out of order. */
  outOfOrderMs: number;
  /** Deliver every event twice. */
  duplicates: boolean;
}

export interface DeliveryStats {
  delivered: number;
  failedAttempts: number;
  gaveUp: number;
  pending: number;
}

/** Sends signed webhook deliveries, retrying failures with exponential back-off. */
export class WebhookDispatcher {
  readonly stats: DeliveryStats = { delivered: 0, failedAttempts: 0, gaveUp: 0, pending: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly options: () => DeliveryOptions,
    private readonly random: () => number,
  ) {}

  enqueue(delivery: Omit<Delivery, 'attempt'>): void {
    const { duplicates, outOfOrderMs } = this.options();
    const copies = duplicates ? 2 : 1;
    for (let i = 0; i < copies; i++)
      this.schedule({ ...delivery, attempt: 1 }, outOfOrderMs > 0 ? Math.floor(this.random() * outOfOrderMs) : 0);
  }

  private schedule(delivery: Delivery, delayMs: number): void {
    if (this.closed) return;
    this.stats.pending++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.stats.pending--;
      void this.attempt(delivery);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const header = signPayload(delivery.payload, delivery.secret, Math.floor(Date.now() / 1000));
    let ok = false;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': header,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: delivery.payload,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      ok = res.status >= 200 && res.status < 300;
    } catch {
      ok = false;
    }
    if (ok) {
      this.stats.delivered++;
      return;
    }
    this.stats.failedAttempts++;
    const { maxAttempts, retryBaseMs } = this.options();
    if (delivery.attempt >= maxAttempts) {
      this.stats.gaveUp++;
      return;
    }
    this.schedule({ ...delivery, attempt: delivery.attempt + 1 }, retryBaseMs * 2 ** (delivery.attempt - 1));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.stats.pending = 0;
  }
}
