import { type z } from 'zod';
import { type PushRuleConfig } from './push-rule';

type RuleInput = z.input<typeof PushRuleConfig>;

/**
 * What notifications sends shoppers unless PUSH_RULES_FILE says otherwise: a paid order, a
 * shipped one, and a failed payment (the orders service's `order.payment_failed`, which names
 * the customer where `payment.failed` names only the order).
 */
export const DEFAULT_PUSH_RULES: readonly RuleInput[] = [
  {
    event: 'order.paid',
    text: {
      en: {
        title: 'Payment received',
        body: 'We received {{data.amount | money:data.currency}} for your order.',
      },
      fr: {
        title: 'Paiement reçu',
        body: 'Nous avons reçu {{data.amount | money:data.currency}} pour votre commande.',
      },
      de: {
        title: 'Zahlung erhalten',
        body: 'Wir haben {{data.amount | money:data.currency}} für Ihre Bestellung erhalten.',
      },
    },
  },
  {
    event: 'order.fulfilled',
    text: {
      en: { title: 'Your order is on its way', body: 'Your order has shipped.' },
      fr: { title: 'Votre commande est en route', body: 'Votre commande a été expédiée.' },
      de: { title: 'Ihre Bestellung ist unterwegs', body: 'Ihre Bestellung wurde versandt.' },
    },
  },
  {
    event: 'order.payment_failed',
    text: {
      en: {
        title: 'Payment failed',
        body: 'Your payment did not go through. Please try another card.',
      },
      fr: {
        title: 'Échec du paiement',
        body: "Votre paiement n'a pas abouti. Essayez une autre carte.",
      },
      de: {
        title: 'Zahlung fehlgeschlagen',
        body: 'Ihre Zahlung ist nicht durchgegangen. Bitte versuchen Sie eine andere Karte.',
      },
    },
  },
];
