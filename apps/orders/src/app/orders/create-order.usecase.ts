import { Injectable } from '@nestjs/common';
import { createEvent } from '@switchyard/contracts';
import { Batcher, traceparentForNewEvent } from '@switchyard/messaging';
import { DependencyUnavailableError, isConflict, isRowFault } from '@switchyard/retry';
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AmountTooLargeError } from './amount-too-large.error';
import { LARGEST_STRIPE_AMOUNT, maxChargeableAmount } from './chargeable-amount';
import { type OrderEntity } from './order.entity';
import { type NewOrder, OrderRepository } from './order.repository';
import { IdempotencyKeyRepository } from './idempotency-key.repository';
import { OrderNotFoundError } from './order-not-found.error';
import { orderTotal } from './order-total';

/**
 * A line as a shop sends it. Stricter than the event's line (`OrderLineSchema`, which must keep
 * reading events already published): a price is at least 1 and at most what Stripe charges in
 * any currency, a quantity at most a million, so every total is exact and fits the bigint column.
 */
export const OrderLineInput = z.object({
  sku: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(1_000_000),
  unitPrice: z
    .number()
    .int()
    .min(1)
    .max(
      LARGEST_STRIPE_AMOUNT,
      `must be at most ${LARGEST_STRIPE_AMOUNT} (in minor units), more than Stripe charges in any currency`,
    ),
});

export const CreateOrderSchema = z.object({
  customerId: z.string().min(1).max(128),
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, 'must be an ISO 4217 code such as "usd"')
    .transform((c) => c.toLowerCase()),
  lines: z.array(OrderLineInput).min(1, 'must have at least one line').max(100),
});
export type CreateOrderCommand = z.infer<typeof CreateOrderSchema>;

/** A request's Idempotency-Key and the hash of the body it came with. */
interface KeyedRequest {
  readonly key: string;
  readonly requestHash: string;
}

/** The same Idempotency-Key was first used with a different request. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
}

export interface CreateOrderResult {
  readonly order: OrderEntity;
  /** True when the Idempotency-Key had already created this order. */
  readonly replayed: boolean;
}

function requestHash(command: CreateOrderCommand): string {
  return createHash('sha256').update(JSON.stringify(command)).digest('hex');
}

/** The most orders created by one statement. */
const BATCH_SIZE = 64;
/** The most orders waiting for a statement: past it, the API answers 503 and the client retries. */
const MOST_WAITING = 1_000;

/**
 * Stores the order and its `order.created` event together (transactional outbox), in one
 * statement. With an Idempotency-Key, the key is claimed in the same statement: a retry of the
 * same request gets the same order, a concurrent one waits for the first and then gets it too,
 * and the same key with another body is refused. Orders that arrive together are created
 * together (group commit: one statement and one commit for many); a lone order waits for no
 * timer.
 */
@Injectable()
export class CreateOrderUseCase {
  private readonly inserts = new Batcher<NewOrder, OrderEntity | null>({
    maxSize: BATCH_SIZE,
    maxQueued: MOST_WAITING,
    overloaded: () =>
      new DependencyUnavailableError(
        'postgres',
        `${MOST_WAITING} orders are waiting to be stored: the database is not keeping up`,
      ),
    run: (orders) => this.orders.insertManyWithEvents(orders),
    retryAlone: isRowFault,
    retryTogether: isConflict,
  });

  constructor(
    private readonly orders: OrderRepository,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
  ) {}

  async execute(command: CreateOrderCommand, idempotencyKey?: string): Promise<CreateOrderResult> {
    const total = orderTotal(command.lines);
    const maximum = maxChargeableAmount(command.currency);
    if (total > BigInt(maximum)) throw new AmountTooLargeError(command.currency, total, maximum);
    // Exact and within the chargeable maximum: checked above.
    const amountTotal = Number(total);
    const id = randomUUID();
    const event = createEvent(
      'order.created',
      id,
      {
        orderId: id,
        customerId: command.customerId,
        currency: command.currency,
        amountTotal,
        lines: command.lines,
      },
      { traceparent: traceparentForNewEvent() },
    );
    const idempotency = idempotencyKey
      ? { key: idempotencyKey, requestHash: requestHash(command) }
      : undefined;
    const order = await this.inserts.add({
      fields: {
        id,
        customerId: command.customerId,
        currency: command.currency,
        amountTotal,
        amountRefunded: 0,
        lines: command.lines,
        status: 'pending_payment',
        version: 1,
        paymentIntentId: null,
      },
      events: [event],
      ...(idempotency && { idempotency }),
    });
    if (order) return { order, replayed: false };
    // Only a keyed insert writes nothing: the key was already used.
    return { order: await this.firstUseOf(idempotency as KeyedRequest), replayed: true };
  }

  /** The order a key already made, if the key was first used with the same request. */
  private async firstUseOf({ key, requestHash: hash }: KeyedRequest): Promise<OrderEntity> {
    const first = await this.idempotencyKeys.find(key);
    if (!first || first.requestHash !== hash) {
      throw new IdempotencyKeyReusedError(
        `Idempotency-Key "${key}" was already used with a different request body; use a new key for a new order`,
      );
    }
    const order = await this.orders.findById(first.orderId);
    if (!order) throw new OrderNotFoundError(first.orderId);
    return order;
  }
}
