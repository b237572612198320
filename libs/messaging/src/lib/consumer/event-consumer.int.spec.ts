import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { retryPolicy } from '@switchyard/retry';
import { testKafkaBrokers, TopicRecorder, uniqueKafkaPrefix, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { EventPublisher } from '../event-publisher';
import { createKafka, ensureTopics } from '../kafka-settings';
import { UnprocessableEventError } from './consumer-errors';
import { DeadLetterHeaders } from './dead-letter';
import { EventConsumer } from './event-consumer';

describe('event consumer (real Kafka)', () => {
  const prefix = uniqueKafkaPrefix('consumer');
  const topic = `${prefix}${Topics.paymentsEvents}`;
  const dlq = `${topic}.dlq`;
  const kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: 'consumer-test',
    namePrefix: prefix,
  });
  const publisher = new EventPublisher(kafka);
  const handled: DomainEvent[] = [];
  let failuresLeft = 0;
  /** Failures that look like the database going away (connection refused). */
  let outageFailuresLeft = 0;
  /** What the consumer's health probe of its database says. */
  let databaseHealthy = true;
  let consumer: EventConsumer;
  let dlqRecorder: TopicRecorder;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic, dlq]);
    await admin.disconnect();
    dlqRecorder = new TopicRecorder([dlq]);
    await dlqRecorder.start();
    consumer = new EventConsumer(kafka, publisher, {
      groupId: `${prefix}group`,
      topics: [topic],
      retry: retryPolicy({ scheduleMs: [0, 50, 50], jitterRatio: 0 }),
      dependenciesHealthy: async () => databaseHealthy,
      handler: async (event) => {
        if (event.subject === 'unknown-order')
          throw new UnprocessableEventError('unknown_order', 'no such order');
        if (event.subject === 'always-fails') throw new TypeError('a bug in the handler');
        if (outageFailuresLeft > 0) {
          outageFailuresLeft--;
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
            code: 'ECONNREFUSED',
          });
        }
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('database briefly unavailable');
        }
        handled.push(event);
      },
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await dlqRecorder?.stop();
    await publisher.disconnect();
  });

  function paymentSucceeded(orderId: string, subject = orderId) {
    return createEvent('payment.succeeded', subject, {
      orderId,
      provider: 'stripe',
      providerEventId: `evt_${randomUUID()}`,
      paymentIntentId: 'pi_1',
      amount: 100,
      currency: 'usd',
    });
  }

  /**
   * Publishes a marker on `key` that the handler refuses, and waits for it in the DLQ: the
   * partition is consumed in order, so whatever came before it on that key has been dealt with.
   */
  async function afterEverythingBefore(key: string): Promise<void> {
    const marker = paymentSucceeded(randomUUID(), 'unknown-order');
    await publisher.sendBatch([{ topic, messages: [{ key, value: JSON.stringify(marker) }] }]);
    await waitFor('a later event on the same key in the DLQ', () =>
      dlqRecorder.messages.some((m) => m.value?.includes(marker.id)),
    );
  }

  it('dead-letters a poison message and still processes the next one with the same key', async () => {
    const orderId = randomUUID();
    const good = paymentSucceeded(orderId);

    // Given a message that is not a valid event, then a valid one, on the same key
    await publisher.sendBatch([
      {
        topic,
        messages: [
          { key: orderId, value: '{"not":"an event"}' },
          { key: orderId, value: JSON.stringify(good) },
        ],
      },
    ]);

    // Then the valid one is handled, and the poison one lands in the DLQ with its provenance
    await waitFor('the good event to be handled', () => handled.some((e) => e.id === good.id));
    const dead = await waitFor('the poison message in the DLQ', () =>
      dlqRecorder.messages.find((m) => m.key === orderId),
    );
    expect(dead.value).toBe('{"not":"an event"}');
    expect(dead.headers[DeadLetterHeaders.originalTopic]).toBe(topic);
    expect(dead.headers[DeadLetterHeaders.errorCode]).toBe('invalid_envelope');
    expect(dead.headers[DeadLetterHeaders.originalOffset]).toMatch(/^\d+$/);
  });

  it('retries a transient failure and then handles the event once', async () => {
    // Given a handler that fails twice
    failuresLeft = 2;
    const event = paymentSucceeded(randomUUID());

    // When the event arrives
    await publisher.sendBatch([
      { topic, messages: [{ key: event.subject, value: JSON.stringify(event) }] },
    ]);

    // Then it is handled after the retries, and once only
    await waitFor('the event to be handled after retries', () =>
      handled.some((e) => e.id === event.id),
    );
    await afterEverythingBefore(event.subject);
    expect(handled.filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it('dead-letters an event the handler marks unprocessable, naming the reason', async () => {
    const event = paymentSucceeded(randomUUID(), 'unknown-order');

    await publisher.sendBatch([
      { topic, messages: [{ key: 'unknown-order', value: JSON.stringify(event) }] },
    ]);

    const dead = await waitFor('the event in the DLQ', () =>
      dlqRecorder.messages.find((m) => m.value?.includes(event.id)),
    );
    expect(dead.headers[DeadLetterHeaders.errorCode]).toBe('unknown_order');
    expect(dead.headers[DeadLetterHeaders.errorMessage]).toBe('no such order');
  });

  it('dead-letters an event whose handler keeps failing while its dependencies are healthy, after its bounded retries', async () => {
    // Given a handler that fails on this event every time, with the database answering
    const event = paymentSucceeded(randomUUID(), 'always-fails');

    // When it arrives
    await publisher.sendBatch([
      { topic, messages: [{ key: 'always-fails', value: JSON.stringify(event) }] },
    ]);

    // Then after its three attempts it is in the DLQ, naming the failure, the attempts and the group
    const dead = await waitFor('the event in the DLQ', () =>
      dlqRecorder.messages.find((m) => m.value?.includes(event.id)),
    );
    expect(dead.headers[DeadLetterHeaders.errorCode]).toBe('handler_failed');
    expect(dead.headers[DeadLetterHeaders.errorMessage]).toContain('a bug in the handler');
    expect(dead.headers[DeadLetterHeaders.attempts]).toBe('3');
    expect(dead.headers[DeadLetterHeaders.consumerGroup]).toBe(`${prefix}group`);
  });

  it('holds an event through an outage longer than its retry budget, then handles it once and dead-letters nothing', async () => {
    // Given a database that refuses connections for six tries (twice the budget of three)
    outageFailuresLeft = 6;
    const event = paymentSucceeded(randomUUID());

    // When the event arrives
    await publisher.sendBatch([
      { topic, messages: [{ key: event.subject, value: JSON.stringify(event) }] },
    ]);

    // Then it is handled once the database is back, and never dead-lettered
    await waitFor('the event to be handled after the outage', () =>
      handled.some((e) => e.id === event.id),
    );
    expect(outageFailuresLeft).toBe(0);
    await afterEverythingBefore(event.subject);
    expect(handled.filter((e) => e.id === event.id)).toHaveLength(1);
    expect(dlqRecorder.messages.some((m) => m.value?.includes(event.id))).toBe(false);
  });

  it('does not charge a failure to the event while its database does not answer', async () => {
    // Given a handler failure of any kind while the health probe says the database is down
    databaseHealthy = false;
    failuresLeft = 5;
    const event = paymentSucceeded(randomUUID());

    // When the event arrives, and the database comes back a little later
    await publisher.sendBatch([
      { topic, messages: [{ key: event.subject, value: JSON.stringify(event) }] },
    ]);
    await waitFor('the failures to be spent', () => failuresLeft === 0, { timeoutMs: 30_000 });
    databaseHealthy = true;

    // Then the event is handled once, although it failed more often than its budget of three
    await waitFor('the event to be handled', () => handled.some((e) => e.id === event.id));
    await afterEverythingBefore(event.subject);
    expect(handled.filter((e) => e.id === event.id)).toHaveLength(1);
    expect(dlqRecorder.messages.some((m) => m.value?.includes(event.id))).toBe(false);
  });
});
