import { z } from 'zod';

const currency = z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code such as "usd"');
const minorUnits = z.number().int().nonnegative();

export const OrderLineSchema = z.object({
  sku: z.string().min(1).max(64),
  quantity: z.number().int().positive(),
  unitPrice: minorUnits,
});

const customerId = z.string().min(1).max(128);

/**
 * The customer who placed the order, on every order event since push notifications (#14) needed
 * it: optional, so events written before still read.
 */
const orderCustomer = customerId
  .optional()
  .describe('The customer who placed the order (on events since push notifications)');

export const OrderCreatedSchema = z.object({
  orderId: z.uuid(),
  customerId,
  currency,
  amountTotal: minorUnits,
  lines: z.array(OrderLineSchema).min(1),
});

export const OrderPaidSchema = z.object({
  orderId: z.uuid(),
  customerId: orderCustomer,
  amount: minorUnits,
  currency,
  paymentIntentId: z.string().min(1),
  paidAt: z.iso.datetime({ offset: true }),
});

export const OrderPaymentFailedSchema = z.object({
  orderId: z.uuid(),
  customerId: orderCustomer,
  paymentIntentId: z.string().min(1),
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
});

export const OrderCancelledSchema = z.object({
  orderId: z.uuid(),
  customerId: orderCustomer,
  reason: z.string().max(500).nullable(),
});

export const OrderRefundedSchema = z.object({
  orderId: z.uuid(),
  customerId: orderCustomer,
  amountRefunded: minorUnits,
  currency,
  fullyRefunded: z.boolean(),
});

export const OrderFulfilledSchema = z.object({
  orderId: z.uuid(),
  customerId: orderCustomer,
  fulfilledAt: z.iso.datetime({ offset: true }),
});

export type OrderLine = z.infer<typeof OrderLineSchema>;
export type OrderCreated = z.infer<typeof OrderCreatedSchema>;
export type OrderPaid = z.infer<typeof OrderPaidSchema>;
export type OrderPaymentFailed = z.infer<typeof OrderPaymentFailedSchema>;
export type OrderCancelled = z.infer<typeof OrderCancelledSchema>;
export type OrderRefunded = z.infer<typeof OrderRefundedSchema>;
export type OrderFulfilled = z.infer<typeof OrderFulfilledSchema>;
