import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { paymentIntentSucceededEvent } from '../stripe-events';

export interface LoadTargets {
  /** Base URLs of the orders instances; requests go round-robin, as behind a load balancer. */
  readonly orders: readonly string[];
  readonly payments: readonly string[];
  /** The `whsec_` secret payments verifies Stripe's signatures with. */
  readonly stripeWebhookSecret: string;
}

export interface AcknowledgedOrder {
  readonly orderId: string;
  readonly amount: number;
  readonly ackAt: number;
}

export interface AcknowledgedStripeEvent {
  readonly stripeEventId: string;
  readonly orderId: string;
  readonly ackAt: number;
}

/** An answer that was not a success, or a request that got no answer (status 0). */
export interface Refusal {
  readonly at: number;
  readonly target: 'orders' | 'payments';
  readonly status: number;
  readonly code: string;
}

const AMOUNT = 3299;
const LINES = [
  { sku: 'mug-blue', quantity: 2, unitPrice: 1250 },
  { sku: 'tea-earl-grey', quantity: 1, unitPrice: 799 },
];
const stripe = new Stripe('sk_test_load_driver_unused');

/**
 * Shoppers and Stripe at a set rate: each checkout places an order (with an Idempotency-Key)
 * and then has Stripe report its payment, signed as Stripe signs. Like real clients, both retry
 * what was not acknowledged, against the next instance, until it is or the driver gives up.
 * Only acknowledged requests enter the ledger: they are what the system promised to act on.
 */
export class LoadDriver {
  readonly orders: AcknowledgedOrder[] = [];
  readonly stripeEvents: AcknowledgedStripeEvent[] = [];
  readonly refusals: Refusal[] = [];
  /** Checkouts that were still unacknowledged when the driver gave up on them. */
  readonly abandoned: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private ticker: NodeJS.Timeout | null = null;
  private giveUpAt = Number.POSITIVE_INFINITY;
  private next = 0;

  constructor(
    private readonly targets: LoadTargets,
    private readonly ratePerSecond: number,
  ) {}

  start(): void {
    this.giveUpAt = Number.POSITIVE_INFINITY;
    this.ticker = setInterval(() => this.checkout(), 1000 / this.ratePerSecond);
  }

  /** Stops starting checkouts and waits for those under way; after `drainMs` they are abandoned. */
  async stop(drainMs = 60_000): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.giveUpAt = Date.now() + drainMs;
    await Promise.all(this.inFlight);
  }

  /** Runs one checkout now, outside the steady rate (a marker, say); resolves when acknowledged. */
  async checkoutOnce(): Promise<AcknowledgedStripeEvent | undefined> {
    if (!this.ticker) this.giveUpAt = Date.now() + 60_000;
    const before = this.stripeEvents.length;
    await this.track(this.pipeline());
    return this.stripeEvents.slice(before).at(-1);
  }

  private checkout(): void {
    void this.track(this.pipeline());
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private async pipeline(): Promise<void> {
    const key = `load-${randomUUID()}`;
    const order = await this.untilAcknowledged('orders', (url) =>
      fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ customerId: 'cus_load', currency: 'usd', lines: LINES }),
        signal: AbortSignal.timeout(5000),
      }),
    );
    if (!order) return void this.abandoned.push(key);
    const orderId = (order as { id: string }).id;
    this.orders.push({ orderId, amount: AMOUNT, ackAt: Date.now() });
    // One Stripe event, retried as Stripe retries it: the same id and body, a fresh signature.
    const event = paymentIntentSucceededEvent({ orderId, amount: AMOUNT, currency: 'usd' });
    const payload = JSON.stringify(event);
    const acknowledged = await this.untilAcknowledged('payments', (url) =>
      fetch(`${url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': stripe.webhooks.generateTestHeaderString({
            payload,
            secret: this.targets.stripeWebhookSecret,
          }),
        },
        body: payload,
        signal: AbortSignal.timeout(5000),
      }),
    );
    if (!acknowledged) return void this.abandoned.push(event.id);
    this.stripeEvents.push({ stripeEventId: event.id, orderId, ackAt: Date.now() });
  }

  /** Sends until a 2xx, rotating instances; 4xx other than 429 is final (a bug, not an outage). */
  private async untilAcknowledged(
    target: 'orders' | 'payments',
    send: (url: string) => Promise<Response>,
  ): Promise<unknown> {
    const urls = this.targets[target];
    while (Date.now() < this.giveUpAt) {
      const url = urls[this.next++ % urls.length] as string;
      try {
        const response = await send(url);
        const body = (await response.json().catch(() => ({}))) as {
          error?: { code?: string };
        };
        if (response.ok) return body;
        this.refusals.push({
          at: Date.now(),
          target,
          status: response.status,
          code: body.error?.code ?? '',
        });
        if (response.status < 500 && response.status !== 429) return undefined;
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        this.refusals.push({
          at: Date.now(),
          target,
          status: 0,
          code: cause?.code ?? (err as Error).name,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  }
}
