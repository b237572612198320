import { Inject, Injectable } from '@nestjs/common';
import { createEvent, OrderLineSchema } from '@switchyard/contracts';
import { appendToOutbox, newTraceparent } from '@switchyard/messaging';
import { type CommonEnv, SERVICE_CONFIG } from '@switchyard/service';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { OrderEntity } from './order.entity';

export const CreateOrderSchema = z.object({
  customerId: z.string().min(1).max(128),
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, 'must be an ISO 4217 code such as "usd"')
    .transform((c) => c.toLowerCase()),
  lines: z.array(OrderLineSchema).min(1, 'an order needs at least one line').max(100),
});
export type CreateOrderCommand = z.infer<typeof CreateOrderSchema>;

/** Stores the order and its `order.created` event in one transaction (transactional outbox). */
@Injectable()
export class CreateOrderUseCase {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
  ) {}

  async execute(command: CreateOrderCommand): Promise<OrderEntity> {
    const amountTotal = command.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
    return this.dataSource.transaction(async (manager) => {
      const order = manager.create(OrderEntity, {
        id: randomUUID(),
        customerId: command.customerId,
        currency: command.currency,
        amountTotal,
        lines: command.lines,
        status: 'pending_payment',
        version: 1,
        paymentIntentId: null,
      });
      await manager.save(order);
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
    });
  }
}
