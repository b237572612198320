import { counter, histogram } from '../health/metrics';

/** Outbox rows the relay published, by logical topic. */
export const outboxPublishedTotal = counter(
  'switchyard_outbox_published_total',
  'Outbox events this instance published to Kafka, by logical topic',
  ['topic'],
);

/** How long Kafka took to acknowledge one relay batch (acks from all in-sync replicas). */
export const outboxPublishDuration = histogram(
  'switchyard_outbox_publish_duration_seconds',
  "Time for Kafka to acknowledge one batch of the outbox relay's events",
  [],
);

/** Consumed events, by what the inbox made of them: applied, or a duplicate skipped. */
export const eventsHandledTotal = counter(
  'switchyard_events_handled_total',
  'Consumed events by consumer, event type and outcome (applied, duplicate: the inbox had it)',
  ['consumer', 'event_type', 'outcome'],
);

/** One inbox transaction: one event, or one fetch's events of a partition together. */
export const eventHandlerDuration = histogram(
  'switchyard_event_handler_duration_seconds',
  "Time of one inbox transaction (an event, or a partition fetch's events together), by consumer",
  ['consumer'],
);

export const eventHandlerRetriesTotal = counter(
  'switchyard_event_handler_retries_total',
  'Handler failures that were retried with backoff, by consumer and topic',
  ['consumer', 'topic'],
);

export const eventOutageWaitsTotal = counter(
  'switchyard_event_outage_waits_total',
  'Times a message was held because a dependency (the database) was unavailable, by consumer',
  ['consumer'],
);

export const eventsDeadLetteredTotal = counter(
  'switchyard_events_dead_lettered_total',
  'Messages sent to the dead-letter topic, by consumer, source topic and error code',
  ['consumer', 'topic', 'code'],
);
