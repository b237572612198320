const orderId = '0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00';
const customerId = 'cus_QXg1hqf4jFNsqG';
const paymentRef = {
  orderId,
  provider: 'stripe' as const,
  providerEventId: 'evt_3PqLx2B7WZ01zgkW1aB2c3D4',
  paymentIntentId: 'pi_3PqLx2B7WZ01zgkW0e9F8g7H',
};

/** One realistic payload per event type (checked against its schema by the catalog's tests). */
export const EventExamples = {
  'order.created': {
    orderId,
    customerId,
    currency: 'usd',
    amountTotal: 3299,
    lines: [
      { sku: 'mug-blue', quantity: 2, unitPrice: 1250 },
      { sku: 'tea-earl-grey', quantity: 1, unitPrice: 799 },
    ],
  },
  'order.paid': {
    orderId,
    customerId,
    amount: 3299,
    currency: 'usd',
    paymentIntentId: paymentRef.paymentIntentId,
    paidAt: '2026-11-28T10:15:30.000Z',
  },
  'order.payment_failed': {
    orderId,
    customerId,
    paymentIntentId: paymentRef.paymentIntentId,
    failureCode: 'card_declined',
    failureMessage: 'Your card was declined.',
  },
  'order.cancelled': { orderId, customerId, reason: 'requested by the shopper' },
  'order.refunded': {
    orderId,
    customerId,
    amountRefunded: 1250,
    currency: 'usd',
    fullyRefunded: false,
  },
  'order.fulfilled': { orderId, customerId, fulfilledAt: '2026-11-29T08:00:00.000Z' },
  'payment.succeeded': { ...paymentRef, amount: 3299, currency: 'usd' },
  'payment.failed': {
    ...paymentRef,
    failureCode: 'card_declined',
    failureMessage: 'Your card was declined.',
  },
  'payment.refunded': {
    ...paymentRef,
    chargeId: 'ch_3PqLx2B7WZ01zgkW0kL9mN8o',
    amountRefunded: 1250,
    currency: 'usd',
    fullyRefunded: false,
  },
  'payment.disputed': {
    ...paymentRef,
    chargeId: 'ch_3PqLx2B7WZ01zgkW0kL9mN8o',
    disputeId: 'dp_1PgbL4B7WZ01zgkWQ2rS3tU4',
    amount: 3299,
    currency: 'usd',
    reason: 'fraudulent',
  },
} as const;
