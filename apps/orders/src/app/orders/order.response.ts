import { OrderLineSchema } from '@switchyard/contracts';
import { pageResponseOf } from '@switchyard/service';
import { z } from 'zod';
import { OrderStatuses } from './order-state';

/** An order as every route of the orders API answers it. */
export const OrderResponse = z.object({
  id: z.uuid(),
  customerId: z.string(),
  currency: z.string().describe('ISO 4217, lowercase'),
  amountTotal: z.number().int().describe('In minor units (cents)'),
  amountRefunded: z.number().int().describe('In minor units (cents)'),
  lines: z.array(OrderLineSchema),
  status: z.enum(OrderStatuses),
  version: z.number().int().describe('Incremented by every state change'),
  paymentIntentId: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type OrderResponse = z.infer<typeof OrderResponse>;

/** A page of orders, newest first. */
export const OrderPageResponse = pageResponseOf(OrderResponse);
export type OrderPageResponse = z.infer<typeof OrderPageResponse>;
