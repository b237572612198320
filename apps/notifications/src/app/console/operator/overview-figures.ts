import { type MetricFamilies, sumOf } from './prometheus-text';

/** One service's figures, from its own metrics; null where it does not expose the metric. */
export interface ServiceFigures {
  readonly service: string;
  readonly reachable: boolean;
  readonly problem: string | null;
  readonly outboxBacklog: number | null;
  readonly consumerLag: number | null;
  readonly deadLettered: number | null;
}

/** Payments' intake of Stripe webhooks since its start, from switchyard_stripe_webhooks_total. */
export interface StripeIntakeFigures {
  readonly stored: number;
  readonly duplicates: number;
  readonly refused: number;
  readonly signatureFailures: number;
  readonly parked: number | null;
}

export function serviceFigures(service: string, families: MetricFamilies): ServiceFigures {
  return {
    service,
    reachable: true,
    problem: null,
    outboxBacklog: sumOf(families, 'switchyard_outbox_backlog_events') ?? null,
    consumerLag: sumOf(families, 'switchyard_kafka_consumer_lag_messages') ?? null,
    deadLettered: sumOf(families, 'switchyard_events_dead_lettered_total') ?? null,
  };
}

export function unreachableService(service: string, problem: string): ServiceFigures {
  return {
    service,
    reachable: false,
    problem,
    outboxBacklog: null,
    consumerLag: null,
    deadLettered: null,
  };
}

/** Counted by outcome; a refusal whose code starts with `signature_` is a signature failure. */
export function stripeIntakeFigures(payments: MetricFamilies): StripeIntakeFigures {
  const webhooks = (where: (l: Readonly<Record<string, string>>) => boolean) =>
    sumOf(payments, 'switchyard_stripe_webhooks_total', where) ?? 0;
  return {
    stored: webhooks((l) => l['outcome'] === 'stored'),
    duplicates: webhooks((l) => l['outcome'] === 'duplicate'),
    refused: webhooks((l) => l['outcome'] === 'rejected'),
    signatureFailures: webhooks(
      (l) => l['outcome'] === 'rejected' && (l['code'] ?? '').startsWith('signature_'),
    ),
    parked: sumOf(payments, 'switchyard_stripe_events_parked') ?? null,
  };
}
