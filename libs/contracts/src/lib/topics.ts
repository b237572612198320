export const Topics = {
  ordersEvents: 'orders.events.v1',
  paymentsEvents: 'payments.events.v1',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}
