import { Inject, Injectable } from '@nestjs/common';
import { createEvent } from '@switchyard/contracts';
import { appendToOutbox, newTraceparent } from '@switchyard/messaging';
import { type CommonEnv, SERVICE_CONFIG } from '@switchyard/service';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { AmountTooLargeError } from './amount-too-large.error';
import { LARGEST_STRIPE_AMOUNT, maxChargeableAmount } from './chargeable-amount';
import { type OrderEntity } from './order.entity';
import { OrderRepository } from './order.repository';
import { IdempotencyKeyRepository } from './idempotency-key.repository';
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

/**
 * Stores the order and its `order.created` event in one transaction (transactional outbox).
 * With an Idempotency-Key, the key is claimed in the same transaction: a retry of the same
 * request gets the same order, a concurrent one waits for the first and then gets it too, and
 * the same key with another body is refused.
 */
@Injectable()
export class CreateOrderUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
  ) {}

  async execute(command: CreateOrderCommand, idempotencyKey?: string): Promise<CreateOrderResult> {
    const total = orderTotal(command.lines);
    const maximum = maxChargeableAmount(command.currency);
    if (total > BigInt(maximum)) throw new AmountTooLargeError(command.currency, total, maximum);
    return this.dataSource.transaction(async (manager) => {
      const orderId = randomUUID();
      if (idempotencyKey) {
        const existing = await this.claimKey(
          manager,
          idempotencyKey,
          requestHash(command),
          orderId,
        );
        if (existing) return { order: existing, replayed: true };
      }
      return { order: await this.create(manager, orderId, command), replayed: false };
    });
  }

  /** Returns the order the key already made, or null once this transaction holds the key. */
  private async claimKey(
    manager: EntityManager,
    key: string,
    hash: string,
    orderId: string,
  ): Promise<OrderEntity | null> {
    if (await this.idempotencyKeys.claim(manager, key, hash, orderId)) return null;
    const first = await this.idempotencyKeys.find(manager, key);
    if (!first || first.requestHash !== hash) {
      throw new IdempotencyKeyReusedError(
        `Idempotency-Key "${key}" was already used with a different request body; use a new key for a new order`,
      );
    }
    return this.orders.get(manager, first.orderId);
  }

  private async create(
    manager: EntityManager,
    id: string,
    command: CreateOrderCommand,
  ): Promise<OrderEntity> {
    // Exact and within the chargeable maximum: execute checked it.
    const amountTotal = Number(orderTotal(command.lines));
    const order = await this.orders.insert(manager, {
      id,
      customerId: command.customerId,
      currency: command.currency,
      amountTotal,
      amountRefunded: 0,
      lines: command.lines,
      status: 'pending_payment',
      version: 1,
      paymentIntentId: null,
    });
    const event = createEvent(
      'order.created',
      order.id,
      {
        orderId: order.id,
        customerId: order.customerId,
        currency: order.currency,
        amountTotal,
        lines: order.lines,
      },
      { traceparent: newTraceparent() },
    );
    await appendToOutbox(manager, this.config.DB_SCHEMA, [event]);
    return order;
  }
}
