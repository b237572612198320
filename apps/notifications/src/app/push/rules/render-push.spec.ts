import { createEvent } from '@switchyard/contracts';
import { compileRule, PushRuleConfig } from './push-rule';
import { renderPush } from './render-push';

const orderId = '0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00';
const event = createEvent('order.paid', orderId, {
  orderId,
  customerId: 'cus_1',
  amount: 3299,
  currency: 'eur',
  paymentIntentId: 'pi_1',
  paidAt: '2026-11-30T10:00:00.000Z',
});
const rule = compileRule(
  PushRuleConfig.parse({
    event: 'order.paid',
    text: {
      en: { title: 'Payment received', body: 'We received {{data.amount | money:data.currency}}.' },
      fr: {
        title: 'Paiement reçu',
        body: 'Nous avons reçu {{data.amount | money:data.currency}}.',
      },
    },
    ttlSeconds: 3600,
  }),
);
const now = new Date('2026-11-30T10:00:00.000Z');

describe('the notification a rule makes of an event', () => {
  it("takes the text of the device's locale, then of its language, then the default", () => {
    expect(renderPush(rule, event, 'fr', 'p1', now).title).toBe('Paiement reçu');
    expect(renderPush(rule, event, 'fr-CA', 'p1', now).title).toBe('Paiement reçu');
    expect(renderPush(rule, event, 'FR-ca', 'p1', now).title).toBe('Paiement reçu');
    expect(renderPush(rule, event, 'pt-BR', 'p1', now).title).toBe('Payment received');
  });

  it("formats the amount in the device's locale, even when the words fall back", () => {
    expect(renderPush(rule, event, 'fr-FR', 'p1', now).body).toBe('Nous avons reçu 32,99\u00a0€.');
    expect(renderPush(rule, event, 'de-DE', 'p1', now).body).toBe('We received 32,99\u00a0€.');
  });

  it('keys the notification to its order, so a later one about the order replaces it', () => {
    const message = renderPush(rule, event, 'en', 'p1', now);
    expect(message).toMatchObject({
      pushId: 'p1',
      collapseKey: `order-${orderId}`,
      threadId: `order-${orderId}`,
      priority: 'high',
      data: { orderId, eventType: 'order.paid' },
    });
    expect(message.expiresAt?.toISOString()).toBe('2026-11-30T11:00:00.000Z');
  });
});
