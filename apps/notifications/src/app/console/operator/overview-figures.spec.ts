import { serviceFigures, stripeIntakeFigures } from './overview-figures';
import { parsePrometheusMetrics } from './prometheus-text';

const PAYMENTS = `# HELP switchyard_stripe_webhooks_total Stripe webhook requests, by outcome and error code
# TYPE switchyard_stripe_webhooks_total counter
switchyard_stripe_webhooks_total{outcome="stored",code=""} 40
switchyard_stripe_webhooks_total{outcome="duplicate",code=""} 3
switchyard_stripe_webhooks_total{outcome="rejected",code="signature_no_matching_signature"} 5
switchyard_stripe_webhooks_total{outcome="rejected",code="signature_timestamp_too_old"} 2
switchyard_stripe_webhooks_total{outcome="rejected",code="invalid_json"} 1
# HELP switchyard_stripe_events_parked Stripe events that failed every processing attempt
# TYPE switchyard_stripe_events_parked gauge
switchyard_stripe_events_parked 4
# HELP switchyard_outbox_backlog_events Events written to the outbox and not yet published
# TYPE switchyard_outbox_backlog_events gauge
switchyard_outbox_backlog_events 12
# HELP switchyard_kafka_consumer_lag_messages Messages behind, by topic and partition
# TYPE switchyard_kafka_consumer_lag_messages gauge
switchyard_kafka_consumer_lag_messages{topic="orders.events",partition="0"} 7
switchyard_kafka_consumer_lag_messages{topic="orders.events",partition="1"} 2
# HELP switchyard_events_dead_lettered_total Messages sent to the dead-letter topic
# TYPE switchyard_events_dead_lettered_total counter
switchyard_events_dead_lettered_total{consumer="payments",topic="orders.events",code="invalid_data"} 1
# HELP switchyard_http_request_duration_seconds Request durations
# TYPE switchyard_http_request_duration_seconds histogram
switchyard_http_request_duration_seconds_bucket{le="0.1"} 3
switchyard_http_request_duration_seconds_bucket{le="+Inf"} 3
switchyard_http_request_duration_seconds_sum 0.2
switchyard_http_request_duration_seconds_count 3
`;

describe("the overview's figures, from a service's metrics", () => {
  const families = parsePrometheusMetrics(PAYMENTS);

  it("sums a service's outbox backlog, consumer lag over its partitions and dead letters", () => {
    expect(serviceFigures('payments', families)).toEqual({
      service: 'payments',
      reachable: true,
      problem: null,
      outboxBacklog: 12,
      consumerLag: 9,
      deadLettered: 1,
    });
  });

  it('counts Stripe webhooks by outcome, and signature failures among the refusals', () => {
    expect(stripeIntakeFigures(families)).toEqual({
      stored: 40,
      duplicates: 3,
      refused: 8,
      signatureFailures: 7,
      parked: 4,
    });
  });

  it('says "not exposed" (null) rather than zero for a metric the service does not have', () => {
    const figures = serviceFigures('orders', parsePrometheusMetrics('# nothing here\n'));
    expect(figures).toMatchObject({ outboxBacklog: null, consumerLag: null, deadLettered: null });
    expect(stripeIntakeFigures(parsePrometheusMetrics('')).parked).toBeNull();
  });
});
