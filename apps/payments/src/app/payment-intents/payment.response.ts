import { z } from 'zod';

/** What the shop front needs to take an order's payment with Stripe.js. */
export const PaymentResponse = z.object({
  orderId: z.uuid(),
  paymentIntentId: z.string(),
  clientSecret: z
    .string()
    .describe('Stripe.js confirms the payment with it; show it to no one else'),
  amount: z.number().int().describe('In minor units (cents)'),
  currency: z.string().describe('ISO 4217, lowercase'),
  status: z
    .enum(['pending', 'failed', 'canceled', 'succeeded'])
    .describe('What Stripe has told us so far'),
});
export type PaymentResponse = z.infer<typeof PaymentResponse>;
