import { type z } from 'zod';
import { ContractViolationError } from './contract-violation.error';
import { type Envelope, EnvelopeSchema, type EventSource, newEventId } from './envelope';
import { EventExamples } from './event-examples';
import {
  OrderCancelledSchema,
  OrderCreatedSchema,
  OrderFulfilledSchema,
  OrderPaidSchema,
  OrderPaymentFailedSchema,
  OrderRefundedSchema,
} from './order-events';
import {
  PaymentDisputedSchema,
  PaymentFailedSchema,
  PaymentRefundedSchema,
  PaymentSucceededSchema,
} from './payment-events';
import { type Topic, Topics } from './topics';

/**
 * A version that is no longer produced but still read: after a breaking change, producers move
 * to the new version at once and consumers accept the old one until `acceptedUntil`.
 */
export interface RetiredVersion {
  readonly schema: z.ZodType;
  readonly acceptedUntil: string;
}

interface CatalogEntry<S extends z.ZodType = z.ZodType> {
  /** The version producers write. */
  readonly version: number;
  readonly schema: S;
  readonly retired: Readonly<Record<number, RetiredVersion>>;
  readonly source: EventSource;
  readonly topic: Topic;
  readonly description: string;
}

const entry =
  (source: EventSource, topic: Topic) =>
  <S extends z.ZodType>(schema: S, description: string): CatalogEntry<S> => ({
    version: 1,
    schema,
    retired: {},
    source,
    topic,
    description,
  });
const orderEvent = entry('orders', Topics.ordersEvents);
const paymentEvent = entry('payments', Topics.paymentsEvents);

export const EventCatalog = {
  'order.created': orderEvent(OrderCreatedSchema, 'An order was placed and awaits payment.'),
  'order.paid': orderEvent(OrderPaidSchema, 'The order was paid in full.'),
  'order.payment_failed': orderEvent(
    OrderPaymentFailedSchema,
    'A payment attempt for the order failed; the shopper may try again.',
  ),
  'order.cancelled': orderEvent(
    OrderCancelledSchema,
    'The order was cancelled before it was paid.',
  ),
  'order.refunded': orderEvent(
    OrderRefundedSchema,
    'Money was returned to the shopper, in full or in part.',
  ),
  'order.fulfilled': orderEvent(OrderFulfilledSchema, 'The order was shipped or handed over.'),
  'payment.succeeded': paymentEvent(
    PaymentSucceededSchema,
    'The payment provider captured a payment.',
  ),
  'payment.failed': paymentEvent(
    PaymentFailedSchema,
    'The payment provider declined or cancelled a payment.',
  ),
  'payment.refunded': paymentEvent(
    PaymentRefundedSchema,
    'A charge was refunded, in full or in part.',
  ),
  'payment.disputed': paymentEvent(
    PaymentDisputedSchema,
    'A customer disputed a charge with their bank.',
  ),
} as const;

export type EventType = keyof typeof EventCatalog;
export type EventData<T extends EventType> = z.infer<(typeof EventCatalog)[T]['schema']>;
export type DomainEvent<T extends EventType = EventType> = Envelope<T, EventData<T>>;

export const EventTypes = Object.keys(EventCatalog) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EventCatalog, type);
}

export function topicOf(type: EventType): Topic {
  return EventCatalog[type].topic;
}

/** The data of a realistic event of each type: documentation, and a test of every schema. */
export function exampleDataOf<T extends EventType>(type: T): EventData<T> {
  return EventExamples[type] as EventData<T>;
}

export interface CreateEventOptions {
  readonly id?: string;
  readonly occurredAt?: Date;
  readonly traceparent?: string;
}

/**
 * What a caller of `createEvent` chooses; type, version and source come from the catalog and the
 * time from a Date, so only these (and the data) can break the envelope.
 */
const CallerPartsSchema = EnvelopeSchema.pick({
  id: true,
  subject: true,
  traceparent: true,
}).partial({ id: true });

/**
 * Builds a valid envelope; throws ContractViolationError when `data` breaks the type's schema
 * (`invalid_data`) or the subject, id, trace or time is not one an envelope holds
 * (`invalid_envelope`). It checks what the caller supplied, not the whole envelope again:
 * events are created on every request's path.
 */
export function createEvent<T extends EventType>(
  type: T,
  subject: string,
  data: EventData<T>,
  options: CreateEventOptions = {},
): DomainEvent<T> {
  if (!isEventType(type)) throw unknownEventType(type);
  const catalogEntry: CatalogEntry = EventCatalog[type];
  const parts = CallerPartsSchema.safeParse({
    subject,
    id: options.id,
    traceparent: options.traceparent || undefined,
  });
  if (!parts.success) throw invalidEnvelope(parts.error.issues);
  const occurredAt = isoTimeOf(options.occurredAt ?? new Date());
  const parsedData = catalogEntry.schema.safeParse(data);
  if (!parsedData.success) throw invalidData(type, parsedData.error.issues);
  return {
    id: options.id ?? newEventId(),
    type,
    version: catalogEntry.version,
    source: catalogEntry.source,
    subject,
    occurredAt,
    data: parsedData.data,
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
  } as DomainEvent<T>;
}

/**
 * The time as the envelope holds it. `toISOString` writes years outside 0–9999 with a sign and six
 * digits, which an envelope's ISO 8601 time does not allow, and throws for an invalid Date.
 */
function isoTimeOf(date: Date): string {
  const iso = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  if (iso.length !== 'YYYY-MM-DDTHH:mm:ss.sssZ'.length) {
    throw invalidEnvelope([
      { path: ['occurredAt'], message: 'must be a valid date between the years 0 and 9999' },
    ]);
  }
  return iso;
}

function schemaFor(type: EventType, version: number): z.ZodType {
  const catalogEntry: CatalogEntry = EventCatalog[type];
  if (version === catalogEntry.version) return catalogEntry.schema;
  const retired = catalogEntry.retired[version];
  if (retired) return retired.schema;
  const readable = [catalogEntry.version, ...Object.keys(catalogEntry.retired)].join(', ');
  throw new ContractViolationError(
    'unsupported_version',
    `Event type "${type}" version ${version} is not supported; this build reads version ${readable}`,
  );
}

/** Validates an already-decoded message: the envelope, then the payload of its type and version. */
export function validateEvent(candidate: unknown): DomainEvent {
  const envelope = EnvelopeSchema.safeParse(candidate);
  if (!envelope.success) throw invalidEnvelope(envelope.error.issues);
  const { type, version } = envelope.data;
  if (!isEventType(type)) throw unknownEventType(type);
  const data = schemaFor(type, version).safeParse(envelope.data.data);
  if (!data.success) throw invalidData(type, data.error.issues);
  return { ...envelope.data, type, data: data.data } as DomainEvent;
}

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function invalidEnvelope(issues: readonly Issue[]): ContractViolationError {
  return new ContractViolationError(
    'invalid_envelope',
    'The message is not a valid event envelope',
    issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
  );
}

function unknownEventType(type: string): ContractViolationError {
  return new ContractViolationError(
    'unknown_event_type',
    `Unknown event type "${type}"; known types are ${EventTypes.join(', ')}`,
  );
}

function invalidData(type: string, issues: readonly Issue[]): ContractViolationError {
  return new ContractViolationError(
    'invalid_data',
    `The data of "${type}" does not match its schema`,
    issues.map((i) => `data.${i.path.map(String).join('.')}: ${i.message}`),
  );
}

/** Decodes and validates the raw bytes of a message. */
export function parseEvent(raw: Buffer | string): DomainEvent {
  let decoded: unknown;
  try {
    decoded = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw new ContractViolationError(
      'not_json',
      `The message is not JSON: ${(err as Error).message}`,
    );
  }
  return validateEvent(decoded);
}
