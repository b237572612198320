import { z } from 'zod';

const currency = z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code');
const minorUnits = z.number().int().nonnegative();

const paymentRef = {
  orderId: z.uuid(),
  provider: z.literal('stripe'),
  providerEventId: z.string().min(1),
  paymentIntentId: z.string().min(1),
};

export const PaymentSucceededSchema = z.object({
  ...paymentRef,
  amount: minorUnits,
  currency,
});

export const PaymentFailedSchema = z.object({
  ...paymentRef,
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
});

export const PaymentRefundedSchema = z.object({
  ...paymentRef,
  chargeId: z.string().min(1),
  amountRefunded: minorUnits,
  currency,
  fullyRefunded: z.boolean(),
});

export const PaymentDisputedSchema = z.object({
  ...paymentRef,
  chargeId: z.string().min(1),
  disputeId: z.string().min(1),
  amount: minorUnits,
  currency,
  reason: z.string(),
});

export type PaymentSucceeded = z.infer<typeof PaymentSucceededSchema>;
export type PaymentFailed = z.infer<typeof PaymentFailedSchema>;
export type PaymentRefunded = z.infer<typeof PaymentRefundedSchema>;
export type PaymentDisputed = z.infer<typeof PaymentDisputedSchema>;
